import FoundationEssentials

/// How an agent is started, resumed and given its first prompt.
struct AgentDefinition {
    enum Kind: Equatable {
        case claudeCode
        case codex
        case aider
        case shell
        /// From git config: `ao.agent.<name>.command` and optionally `.resume`.
        case custom(launch: CommandTemplate, resume: CommandTemplate?)
    }

    /// How the first prompt reaches the agent.
    enum PromptDelivery: String {
        /// On the command line.
        case argument
        /// Pasted into the running agent once it is ready, then submitted.
        case paste
        /// The agent takes no prompt (an interactive shell).
        case none
    }

    let name: String
    let kind: Kind
    /// Text the agent shows when ready for a pasted prompt; nil means "its screen stopped changing".
    let readyPattern: String?
    /// A custom agent that calls `git ao signal <name> <activity>` itself (`ao.agent.<name>.hooks`).
    var customHooks = false
    /// Screen text that means a custom agent without hooks waits for its next task / asks a question.
    var promptPattern: String? = nil
    var questionPattern: String? = nil

    /// Whether the agent reports its own activity through `git ao signal`; the others are judged
    /// by their screen between observation passes.
    var hasHooks: Bool {
        switch kind {
        case .claudeCode, .codex: return true
        case .aider, .shell: return false
        case .custom: return customHooks
        }
    }

    /// What spawn and restore fill the argv with.
    struct Context {
        var prompt: String?
        var promptFile: String?
        var session: String
        var agentSession: String?
    }

    var isBuiltIn: Bool { if case .custom = kind { return false } else { return true } }

    /// The program the launch argv starts with, to look up on PATH before anything is created.
    var program: String {
        switch kind {
        case .claudeCode: return "claude"
        case .codex: return "codex"
        case .aider: return "aider"
        case .shell: return AgentDefinition.userShell
        case .custom(let launch, _): return launch.words[0]
        }
    }

    static var userShell: String {
        guard let shell = Environment.value("SHELL"), !shell.isEmpty else { return "/bin/sh" }
        return shell
    }

    func promptDelivery(hasPrompt: Bool) -> PromptDelivery {
        switch kind {
        case .claudeCode, .codex: return .argument
        case .aider: return hasPrompt ? .paste : .none
        case .shell: return .none
        case .custom(let launch, _):
            if launch.mentions("{prompt}") || launch.mentions("{prompt_file}") { return .argument }
            return hasPrompt ? .paste : .none
        }
    }

    /// Whether spawn must write the prompt to a file for `{prompt_file}`.
    var wantsPromptFile: Bool {
        if case .custom(let launch, let resume) = kind {
            return launch.mentions("{prompt_file}") || resume?.mentions("{prompt_file}") == true
        }
        return false
    }

    /// Whether git-ao chooses the agent's own session id up front (so restore can resume it).
    var pinsAgentSession: Bool { kind == .claudeCode }

    /// A fresh id for agents that take one (Claude Code's `--session-id` wants a UUID).
    static func newAgentSessionID() -> String { UUID().uuidString.lowercased() }

    /// The argv of a fresh start.
    func launchArgv(_ context: Context) -> [String] {
        let prompt = context.prompt.flatMap { $0.isEmpty ? nil : $0 }
        switch kind {
        case .claudeCode:
            // `--` so a prompt that starts with '-' is never read as an option.
            return ["claude"] + (context.agentSession.map { ["--session-id", $0] } ?? []) + (prompt.map { ["--", $0] } ?? [])
        case .codex:
            return ["codex"] + AgentHooks.codexArguments() + (prompt.map { ["--", $0] } ?? [])
        case .aider:
            return ["aider"]
        case .shell:
            return [AgentDefinition.userShell]
        case .custom(let launch, _):
            return launch.render(values(context, prompt: prompt))
        }
    }

    /// The argv that resumes the agent's own conversation, or nil when it has no native resume
    /// (or the id it needs was never learnt); restore then starts afresh with the saved prompt.
    func resumeArgv(_ context: Context) -> [String]? {
        switch kind {
        case .claudeCode:
            return context.agentSession.map { ["claude", "--resume", $0] }
        case .codex:
            return context.agentSession.map { ["codex", "resume"] + AgentHooks.codexArguments() + [$0] }
        case .aider:
            return ["aider", "--restore-chat-history"]
        case .shell:
            return nil
        case .custom(let launch, let resume):
            guard let resume else { return nil }
            if resume.mentions("{agent_session}") && context.agentSession == nil { return nil }
            _ = launch
            return resume.render(values(context, prompt: context.prompt.flatMap { $0.isEmpty ? nil : $0 }))
        }
    }

    private func values(_ context: Context, prompt: String?) -> [String: String?] {
        ["{prompt}": prompt, "{prompt_file}": context.promptFile, "{session}": context.session, "{agent_session}": context.agentSession]
    }
}

/// The agents git-ao knows: the built-in ones and those defined in git config.
struct AgentCatalog {
    static let builtInNames = ["claude-code", "codex", "aider", "shell"]

    let config: GitConfig

    /// Every agent name available here: built-ins, then custom ones from config.
    var names: [String] {
        var all = AgentCatalog.builtInNames
        for name in config.subsections(of: "ao.agent", having: "command") where !all.contains(name) { all.append(name) }
        return all
    }

    /// The agent called `name`. A custom definition with a built-in's name replaces the built-in.
    func definition(_ name: String) throws -> AgentDefinition {
        let key = "ao.agent.\(name).command"
        let readyPattern = config.nonEmpty("ao.agent.\(name).readyPattern")
        if let text = config.string(key) {
            let launch: CommandTemplate
            do { launch = try CommandTemplate(parsing: text) } catch let error as CommandTemplate.ParseError {
                throw Messages.agentCommandInvalid(name, key: key, reason: error.description)
            }
            var resume: CommandTemplate?
            let resumeKey = "ao.agent.\(name).resume"
            if let resumeText = config.nonEmpty(resumeKey) {
                do { resume = try CommandTemplate(parsing: resumeText) } catch let error as CommandTemplate.ParseError {
                    throw Messages.agentCommandInvalid(name, key: resumeKey, reason: error.description)
                }
            }
            var definition = AgentDefinition(name: name, kind: .custom(launch: launch, resume: resume), readyPattern: readyPattern)
            definition.customHooks = try config.bool("ao.agent.\(name).hooks") ?? false
            definition.promptPattern = config.nonEmpty("ao.agent.\(name).promptPattern")
            definition.questionPattern = config.nonEmpty("ao.agent.\(name).questionPattern")
            return definition
        }
        let kind: AgentDefinition.Kind
        switch name {
        case "claude-code": kind = .claudeCode
        case "codex": kind = .codex
        case "aider": kind = .aider
        case "shell": kind = .shell
        default: throw Messages.unknownAgent(name, known: names)
        }
        return AgentDefinition(name: name, kind: kind, readyPattern: readyPattern)
    }

    /// The agent spawn uses when none is named: `ao.agent`, else claude-code.
    var defaultAgentName: String { config.nonEmpty(ConfigKeys.agent) ?? ConfigKeys.defaultAgent }
}
