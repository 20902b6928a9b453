import Agents
import ArgumentParser
import Forge
import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime
import Worktree

/// `git ao doctor`: checks the set-up and the sessions, each finding with what to do about it.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check git, libgit2, tmux, the agents, the state database and the sessions.",
        discussion: "Exits with status 2 when it finds a problem; warnings and notes do not change the status."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    struct Finding: Encodable {
        enum Level: String, Encodable { case ok, note, warning, problem }
        let check: String
        let level: Level
        let detail: String
        let fix: String?
    }

    func run() throws {
        try global.apply()
        var findings: [Finding] = []
        func add(_ check: String, _ level: Finding.Level, _ detail: String, fix: String? = nil) {
            findings.append(Finding(check: check, level: level, detail: detail, fix: fix))
        }

        // Programs and libraries.
        if let git = try? GitCLI.run(["--version"], timeout: 10), git.succeeded {
            add("git", .ok, git.stdoutText.trimmingSpaces)
        } else {
            add("git", .problem, "git was not found on PATH", fix: "apt-get install git")
        }
        do { add("libgit2", .ok, "libgit2 \(try Git.libraryVersion())") } catch {
            add("libgit2", .problem, "libgit2 could not be loaded: \(error)", fix: "apt-get install libgit2-1.5 (or re-run ./install.sh)")
        }
        let tmux = Tmux.locate()
        if let tmux, let version = tmux.version() {
            switch tmux.listSessions() {
            case .listed(let names): add("tmux", .ok, "\(version), server at \(tmux.socketPath) reachable (\(names.count) session\(names.count == 1 ? "" : "s"))")
            case .noServer: add("tmux", .ok, "\(version), no server running at \(tmux.socketPath) (spawn starts one)")
            case .failed(let why): add("tmux", .warning, "\(version), but the server did not answer: \(why)", fix: "tmux -S \(tmux.socketPath) list-sessions")
            }
        } else {
            add("tmux", .problem, "tmux was not found on PATH", fix: "apt-get install tmux")
        }
        add("sqlite", .ok, "SQLite \(StateStore.sqliteVersion)")

        let workspace: Workspace
        do { workspace = try Workspace.locate() } catch {
            add("repository", .problem, AOError.wrapping(error).message, fix: AOError.wrapping(error).hint)
            return try finish(findings)
        }
        add("repository", .ok, "common git dir \(workspace.location.commonDir)")
        let config = (try? workspace.config()) ?? GitConfig()

        // Agents.
        let catalog = AgentCatalog(config: config)
        for name in catalog.names {
            guard let agent = try? catalog.definition(name) else {
                add("agent \(name)", .problem, "its command in git config cannot be parsed", fix: "git config ao.agent.\(name).command '<program> {prompt}'")
                continue
            }
            let program = agent.launchArgv(.init(session: "x"))[0]
            let configured = name == catalog.defaultAgentName || !agent.isBuiltIn
            if let path = Subprocess.onPath(program) {
                add("agent \(name)", .ok, "\(program) is \(path)\(name == catalog.defaultAgentName ? " (default agent)" : "")")
            } else if name == catalog.defaultAgentName {
                add("agent \(name)", .problem, "'\(program)' is not on PATH (it is the default agent, ao.agent)",
                    fix: "Install it, or choose another default: git config ao.agent <agent>")
            } else if configured {
                // Its own fix: the default agent is not what is broken here.
                add("agent \(name)", .problem, "'\(program)' is not on PATH (needed for --agent \(name))",
                    fix: "Install '\(program)' or add its folder to PATH, or change the command: git config ao.agent.\(name).command '<program> {prompt}'")
            } else {
                add("agent \(name)", .note, "'\(program)' is not installed (only needed for --agent \(name))")
            }
        }

        for finding in [DoctorCommand.hooksFinding(workspace: workspace), DoctorCommand.notificationFinding(config: config)] {
            findings.append(finding)
        }

        // Who can write the state: every file in ao/ (a read-only one makes every command fail).
        let accessProblems = StateDirectoryAccess.problems(aoDirectory: workspace.location.aoDirectory)
        for problem in accessProblems {
            add("state files", .problem, problem.detail, fix: problem.fix)
        }
        if accessProblems.isEmpty && isDirectory(workspace.location.aoDirectory) {
            add("state files", .ok, "\(workspace.location.aoDirectory) and everything in it can be written")
        }

        // GitHub.
        switch ForgeStep.target(workspace: workspace, config: config) {
        case .off(let why):
            add("github", .note, "observation is off: \(why); local features work without it")
        case .on(let configuration, let slug):
            if let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) {
                add("github", .ok, "\(slug.fullName) through \(configuration.apiBase), \(token)")
            } else {
                add("github", .warning, "\(slug.fullName): \(ForgeStep.noToken); pull requests are not observed",
                    fix: "export GITHUB_TOKEN=... (or gh auth login)")
            }
            if let state = try? workspace.store()?.forgeRepositoryState(slug.fullName) {
                if let since = state.tokenUnhealthySince {
                    add("github token", .problem, "GitHub refused the token (401) since \(isoTimestamp(since)); observation resumes when a request with it succeeds",
                        fix: "Renew the token (gh auth refresh, or a new GITHUB_TOKEN), then git ao observe --refresh")
                }
                let now = Clock.now()
                if let until = state.rateLimit(at: now) {
                    add("github rate limit", .warning, "GitHub is not asked again before \(isoTimestamp(until))",
                        fix: "Wait; from \(isoTimestamp(until)) on, the next pass (or git ao observe --refresh) asks again")
                } else if let error = state.lastError, error != ForgeStep.noToken, !(state.tokenUnhealthySince != nil && error.contains("(401)")) {
                    let facts = state.lastSuccessAt.map { "; PR, CI and review facts are from \(isoTimestamp($0))" } ?? ""
                    // Dated by the poll that had the error: a later claim may still be in flight.
                    let finished = state.pollInFlightSince == nil ? "the last poll" : "the last finished poll"
                    add("github last poll", .warning, "\(finished)\((state.lastResultAt ?? state.lastPollAt).map { " (\(isoTimestamp($0)))" } ?? "") failed: \(error)\(facts)",
                        fix: "git ao observe --refresh asks again; \(workspace.location.aoDirectory)/hooks.log has every failure")
                }
            }
        }

        // Reviews.
        do {
            let settings = try ReviewSettings(config: config)
            let findings = ReviewSettings.doctor(settings, config: config)
            add("reviews", findings.level, findings.detail, fix: findings.fix)
        } catch {
            add("reviews", .problem, AOError.wrapping(error).message, fix: AOError.wrapping(error).hint)
        }

        // Issue intake.
        do {
            let intake = try IntakeSettings(config: config)
            if !intake.enabled {
                add("intake", .note, "issue intake is off (ao.intake.enabled)")
            } else if !intake.rules.isScoped {
                let failure = Messages.intakeUnscoped()
                add("intake", .problem, failure.message, fix: failure.hint)
            } else if case .off(let why) = ForgeStep.target(workspace: workspace, config: config) {
                add("intake", .problem, "ao.intake.enabled is true but GitHub observation is off: \(why)",
                    fix: "git remote -v should show a GitHub remote (or set ao.intake.repo owner/repo)")
            } else {
                let scope = (intake.rules.labels.map { "label '\(displaySafe($0))'" } + [intake.rules.assignee.map { "assignee '\(displaySafe($0))'" }].compactMap { $0 })
                    .joined(separator: ", ")
                let states = (try? workspace.store()?.intakeStates()) ?? [:]
                let now = Clock.now()
                if let (repository, state) = states.first(where: { ($0.value.backoffUntil ?? now) > now }), let until = state.backoffUntil {
                    add("intake", .warning, "\(repository): backing off until \(isoTimestamp(until))" + (state.lastError.map { " after: \(displaySafe($0))" } ?? ""),
                        fix: "Fix the cause in \(workspace.location.aoDirectory)/hooks.log; intake asks again after the backoff")
                } else {
                    let last = states.values.compactMap(\.lastRunAt).max().map { "; last run \(isoTimestamp($0))" } ?? "; not run yet"
                    add("intake", .ok, "issues with \(scope) become sessions, at most \(intake.max) at a time\(last)")
                }
            }
        } catch {
            add("intake", .problem, AOError.wrapping(error).message, fix: AOError.wrapping(error).hint)
        }

        // Database.
        var sessions: [Session] = []
        do {
            if let store = try workspace.store() {
                let applied = try store.appliedMigrations()
                add("database", store.isReadOnly ? .problem : .ok,
                    "\(workspace.location.aoDirectory)/\(StateStore.fileName), schema \(applied.count)/\(StateStore.migrationNames.count)\(store.isReadOnly ? ", read-only for this user" : "")",
                    fix: store.isReadOnly ? "see 'state files' above" : nil)
                let integrity = try store.integrityCheck()
                if integrity == ["ok"] { add("database integrity", .ok, "quick_check passed") } else {
                    add("database integrity", .problem, integrity.prefix(3).joined(separator: "; "),
                        fix: "Move \(workspace.location.aoDirectory)/\(StateStore.fileName) aside and start again; worktrees and branches are not affected")
                }
                sessions = try store.sessions()
            } else {
                add("database", .note, "not created yet (the first spawn creates it)")
            }
        } catch {
            let failure = AOError.wrapping(error)
            add("database", .problem, failure.message, fix: failure.hint)
        }

        // Sessions, each asked about on its own tmux server.
        let outcome = RuntimeProbing.probes(for: sessions, listings: RuntimeProbing.collect(RuntimeProbing.startListings(for: sessions, tmux: tmux)))
        let (probes, tripped) = (outcome.probes, outcome.tripped)
        if tripped {
            add("sessions", .warning, "most sessions' tmux sessions are missing at once: the tmux server was restarted, or it is not the one they ran in",
                fix: "After a reboot or a server restart: git ao restore <id> or git ao kill <id>")
        }
        for session in sessions where !session.isTerminated {
            let id = session.id.rawValue
            if session.state == .notStarted && session.runtime == .unknown {
                let pid = (try? workspace.store()?.spawnPID(of: session.id)) ?? nil
                if let pid, pid > 0, !SpawnStopper.isGitAO(pid) {
                    add("session \(id)", .problem, "its spawn (process \(pid)) stopped before finishing", fix: "git ao kill \(id)")
                    continue
                }
            }
            if case .missing = probes[session.id] {
                add("session \(id)", .problem, "its tmux session \(session.tmuxName) has disappeared",
                    fix: "git ao restore \(id) to bring it back, or git ao kill \(id) to end it")
            } else if let reason = RuntimeProbing.unreachableReasons(outcome)[session.id], !tripped {
                let socket = RuntimeProbing.socket(of: session)
                add("session \(id)", .warning, "its tmux server at \(socket) cannot be asked about \(session.tmuxName): \(reason); the agent may still run there",
                    fix: "make the server reachable (tmux -S \(socket) list-sessions), then git ao restore \(id) or git ao kill \(id)")
            }
            if session.agentHasHooks, DisplayStatus.of(session, now: Clock.now()).status == .noSignal {
                add("session \(id)", .problem, "agent \(session.agent) has never reported activity since it started: its hooks do not reach git-ao",
                    fix: "Check \(session.worktreePath)/\(AgentHooks.claudeSettingsPath) (Claude Code) or the agent's hook trust settings")
            }
            if !fileExists(session.worktreePath) {
                add("session \(id)", .problem, "its worktree \(session.worktreePath) has disappeared",
                    fix: "git ao kill \(id), then git ao restore \(id) recreates it on branch \(session.branch)")
            }
        }
        // tmux sessions of ours that belong to no live session: agents nobody observes.
        if let tmux {
            let root = try? workspace.worktreeRoot()
            for stray in StraySessions.survey(sessions, tmux: tmux, worktreeRoot: root).strays {
                let owner = stray.session.map { "session \($0), which has ended" } ?? "no session of this repository"
                add("tmux session \(displaySafe(stray.tmuxName))", .problem, "runs on \(displaySafe(stray.socket)) in \(displaySafe(stray.directory)) but belongs to \(owner)",
                    fix: "git ao cleanup ends it (or: tmux -S \(stray.socket) kill-session -t =\(stray.tmuxName))")
            }
        }
        // What worktree removals cut short left in the trash: cleanup's to delete, not a problem.
        for trash in TrashFolders.of(sessions, worktreeRoot: try? workspace.worktreeRoot()) {
            let contents = trash.contents()
            if !contents.leftovers.isEmpty {
                let count = contents.leftovers.count
                add("worktree trash", .note,
                    displaySafe("\(trash.directory) holds \(count == 1 ? "the rest of a worktree removal" : "the rests of \(count) worktree removals") that \(count == 1 ? "was" : "were") cut short: "
                                + contents.leftovers.map { String($0.dropFirst(trash.directory.count + 1)) }.joined(separator: ", ")),
                    fix: "git ao cleanup deletes \(count == 1 ? "it" : "them")")
            }
            if !contents.foreign.isEmpty {
                add("worktree trash", .note,
                    displaySafe("\(trash.directory) also holds \(contents.foreign.count) \(contents.foreign.count == 1 ? "entry" : "entries") git-ao did not put there, which cleanup leaves alone: "
                                + contents.foreign.map { String($0.dropFirst(trash.directory.count + 1)) }.joined(separator: ", ")),
                    fix: "Move or delete \(contents.foreign.count == 1 ? "it" : "them") yourself")
            }
        }
        if !sessions.isEmpty && !findings.contains(where: { $0.check.hasPrefix("session ") || $0.check.hasPrefix("tmux session ") }) {
            add("sessions", .ok, "\(sessions.filter { !$0.isTerminated }.count) live, \(sessions.filter(\.isTerminated).count) ended; none lost")
        }
        try finish(findings)
    }

    private func finish(_ findings: [Finding]) throws {
        if output.json {
            struct Payload: Encodable { let version: Int; let problems: Int; let findings: [Finding] }
            Console.out(JSON.encode(Payload(version: 1, problems: findings.filter { $0.level == .problem }.count, findings: findings), pretty: true) + "\n")
        } else {
            let palette = Console.palette(config: { nil })
            for finding in findings {
                let label: String
                switch finding.level {
                case .ok: label = palette.green("ok     ")
                case .note: label = palette.dim("note   ")
                case .warning: label = palette.yellow("warning")
                case .problem: label = palette.red("problem")
                }
                Console.line("\(label)  \(finding.check): \(finding.detail)")
                if let fix = finding.fix, finding.level != .ok { Console.line("         fix: \(fix)") }
            }
        }
        if findings.contains(where: { $0.level == .problem }) {
            throw ExitCode(ExitStatus.problemsFound.rawValue)
        }
    }
}
