import Agents
import Lifecycle
import Platform

/// Who reviews: an agent in a tmux session of its own, or a command whose exit status is the
/// verdict. The stored form (`agent:<name>`, `command`) names the reviewer in `review_run`.
enum Reviewer: Equatable, CustomStringConvertible {
    case agent(String)
    case command

    var key: String {
        switch self {
        case .agent(let name): return "agent:" + name
        case .command: return "command"
        }
    }

    init?(key: String) {
        if key == "command" { self = .command; return }
        guard key.hasPrefix("agent:"), key.count > "agent:".count else { return nil }
        self = .agent(String(key.dropFirst("agent:".count)))
    }

    var description: String { key }
}

/// The `ao.review.*` settings, read once per command or hook.
struct ReviewSettings {
    /// `ao.review.enabled` when set; nil means "on when a reviewer is available".
    var explicitlyEnabled: Bool?
    var command: CommandTemplate?
    var commandText: String?
    /// `ao.review.agent`: nil when unset, "none" turns the agent reviewer off.
    var agent: String?
    var timeout: Double = ReviewSettings.defaultTimeout
    static let defaultTimeout: Double = 600
    var debounce: Double = 20
    /// How many review nudges may reach one branch from one reviewer.
    static let cap = 3

    init(config: GitConfig) throws {
        explicitlyEnabled = try config.bool(ConfigKeys.reviewEnabled)
        if let text = config.nonEmpty(ConfigKeys.reviewCommand) {
            do {
                command = try CommandTemplate(parsing: text)
                commandText = text
            } catch let error as CommandTemplate.ParseError {
                throw Messages.invalidReviewCommand(text, key: ConfigKeys.reviewCommand, reason: error.description)
            }
        }
        agent = config.nonEmpty(ConfigKeys.reviewAgent)
        if let ms = try config.milliseconds(ConfigKeys.reviewTimeout) {
            guard ms > 0 else {
                throw Messages.invalidConfig(key: ConfigKeys.reviewTimeout, value: config.string(ConfigKeys.reviewTimeout) ?? "", expected: "a duration above zero such as 90s or 10m")
            }
            timeout = Double(ms) / 1000
        }
        if let ms = try config.milliseconds(ConfigKeys.reviewDebounce) {
            guard ms >= 0 else {
                throw Messages.invalidConfig(key: ConfigKeys.reviewDebounce, value: config.string(ConfigKeys.reviewDebounce) ?? "", expected: "a duration such as 0s or 20s")
            }
            debounce = Double(ms) / 1000
        }
    }

    /// Whether `agent` can be started read-only by construction.
    static func canReview(_ agent: AgentDefinition, config: GitConfig) -> Bool {
        switch agent.kind {
        case .claudeCode, .codex: return true
        case .aider, .shell: return false
        case .custom: return config.nonEmpty("ao.agent.\(agent.name).reviewCommand") != nil
        }
    }

    /// The agent reviewer of a session, in the order: `ao.review.agent`, else the
    /// worker's agent when it can review, else claude-code. A named reviewer is used as named
    /// (a missing program fails its run, visibly); a default one only when its program is on
    /// PATH, so a machine without Claude Code does not get failed runs on every commit.
    /// A session's own reviewer (`spawn --review-agent`) comes first of all.
    func agentReviewer(workerAgent: String, override: String? = nil, config: GitConfig) -> (name: String?, why: String) {
        let catalog = AgentCatalog(config: config)
        if let override {
            if override == "none" { return (nil, "the session's own reviewer is 'none'") }
            return (override, "the session's own reviewer")
        }
        if let agent {
            if agent == "none" { return (nil, "ao.review.agent is 'none'") }
            return (agent, "ao.review.agent")
        }
        if let worker = try? catalog.definition(workerAgent), ReviewSettings.canReview(worker, config: config), available(worker, config) {
            return (worker.name, "the worker's agent")
        }
        if let claude = try? catalog.definition(ConfigKeys.defaultAgent), available(claude, config) {
            return (claude.name, "the default reviewer")
        }
        return (nil, "no agent reviewer: \(workerAgent) cannot review and claude is not on PATH")
    }

    private func available(_ agent: AgentDefinition, _ config: GitConfig) -> Bool {
        var program = agent.program
        if case .custom = agent.kind, let template = try? AgentReviewer.reviewTemplate(agent.name, config: config) { program = template.words[0] }
        return program.contains("/") ? Subprocess.isExecutableFile(program) : Subprocess.onPath(program) != nil
    }

    /// Every reviewer that reviews the session's commits; empty when reviews are off.
    func reviewers(for session: Session, override: String?, config: GitConfig) -> [Reviewer] {
        if explicitlyEnabled == false { return [] }
        var result: [Reviewer] = []
        if let name = agentReviewer(workerAgent: session.agent, override: override, config: config).name { result.append(.agent(name)) }
        if command != nil { result.append(.command) }
        return result
    }
}

extension ReviewSettings {
    /// What `doctor` says about reviews: which reviewers review new commits, or that reviews
    /// are off and why.
    static func doctor(_ settings: ReviewSettings, config: GitConfig) -> (level: DoctorCommand.Finding.Level, detail: String, fix: String?) {
        if settings.explicitlyEnabled == false { return (.note, "off (ao.review.enabled is false)", nil) }
        var reviewers: [String] = []
        // The reviewer a session of the default agent would get.
        let catalog = AgentCatalog(config: config)
        let agent = settings.agentReviewer(workerAgent: catalog.defaultAgentName, config: config)
        if let name = agent.name { reviewers.append("agent \(name) (\(agent.why))") }
        if let text = settings.commandText { reviewers.append("command '\(text)'") }
        if reviewers.isEmpty {
            return (.note, "off: neither an agent reviewer nor a command reviewer is available (\(agent.why))",
                    "git config ao.review.command '<program> {sha}', or install claude, or git config ao.review.agent <agent>")
        }
        return (.ok, "each commit of a session is reviewed by " + reviewers.joined(separator: " and ")
                + ", after \(Int(settings.debounce)) s without a newer commit", nil)
    }
}

extension ReviewSettings {
    /// Refuses, before anything is created, an agent that does not exist or cannot review.
    static func checkReviewAgent(_ name: String, config: GitConfig) throws {
        guard name != "none" else { return }
        let definition = try AgentCatalog(config: config).definition(name)
        guard canReview(definition, config: config) else { throw Messages.agentCannotReview(name) }
    }
}
