import Glibc
import Lifecycle
import Platform

/// How agents report their own activity to `git ao signal`, and how git-ao wires that up.
package enum AgentHooks {
    // MARK: Event mapping

    /// The signal an agent's hook event stands for, or nil for events git-ao does not use.
    /// Custom agents (and scripts) may use the activity names themselves (`active`, `idle`,
    /// `waiting_input`, `blocked`, `exited`).
    package static func signal(agent: String, event: String, payload: JSONValue?) -> ActivitySignal? {
        let family = agentFamily(agent)
        let source = "\(agent):\(event)"
        let sessionID: String?
        switch family {
        case .claudeCode: sessionID = event == "SessionStart" ? payload?["session_id"]?.stringValue : nil
        case .codex: sessionID = payload?["session_id"]?.stringValue
        case .other: sessionID = nil
        }
        if family == .claudeCode && event == "SessionStart" { return ActivitySignal(nil, source: source, agentSessionID: sessionID) }
        guard let activity = activity(family: family, event: event, payload: payload) else { return nil }
        return ActivitySignal(activity, source: source, agentSessionID: sessionID)
    }

    private static func activity(family: Family, event: String, payload: JSONValue?) -> Activity? {
        switch (family, event) {
        case (.claudeCode, "UserPromptSubmit"), (.claudeCode, "PreToolUse"), (.claudeCode, "PostToolUse"): return .active
        case (.claudeCode, "PermissionRequest"): return .blocked
        case (.claudeCode, "Stop"): return .idle
        case (.claudeCode, "SessionEnd"): return .exited
        case (.claudeCode, "Notification"):
            switch notificationType(payload) {
            case "idle_prompt": return .idle
            case "agent_needs_input", "elicitation_dialog": return .waitingInput
            case "permission_prompt": return .blocked
            default: return nil
            }
        case (.codex, "UserPromptSubmit"): return .active
        case (.codex, "PermissionRequest"): return .waitingInput
        case (.codex, "Stop"): return .idle
        default:
            return Activity(rawValue: event.lowercased().replacingAll("-", with: "_"))
        }
    }

    /// Claude Code names the kind of a Notification in `notification_type`; older versions only
    /// said it in the message.
    private static func notificationType(_ payload: JSONValue?) -> String? {
        if let type = payload?["notification_type"]?.stringValue { return type }
        guard let message = payload?["message"]?.stringValue?.lowercased() else { return nil }
        if message.contains("permission") { return "permission_prompt" }
        if message.contains("waiting for your input") { return "idle_prompt" }
        return nil
    }

    package enum Family { case claudeCode, codex, other }

    package static func agentFamily(_ agent: String) -> Family {
        switch agent {
        case "claude-code", "claude": return .claudeCode
        case "codex": return .codex
        default: return .other
        }
    }

    // MARK: Claude Code: .claude/settings.local.json

    package static let claudeEvents: [(event: String, matcher: String?)] = [
        ("SessionStart", nil), ("UserPromptSubmit", nil), ("PreToolUse", "*"), ("PostToolUse", "*"),
        ("PermissionRequest", "*"), ("Notification", nil), ("Stop", nil), ("SessionEnd", nil),
    ]

    package static let claudeSettingsPath = ".claude/settings.local.json"

    /// The hook command line, run by the agent through its shell: only the binary path (quoted)
    /// and fixed words, never user text.
    package static func signalCommand(agent: String, event: String) -> String {
        shellQuoted(Environment.executablePath) + " signal \(agent) \(event)"
    }

    /// Adds git-ao's hooks to the worktree's `.claude/settings.local.json`, keeping everything
    /// the user has there (their own hooks included), and keeps the worktree clean: an untracked
    /// file is excluded through `<common-dir>/info/exclude` (never a tracked .gitignore), a file
    /// the branch tracks is marked skip-worktree. A file that is not valid JSON is left alone and
    /// reported.
    package static func installClaudeHooks(worktree: String, commonDir: String) throws {
        let path = worktree + "/" + claudeSettingsPath
        var settings = JSONValue.object([])
        if let bytes = readBytes(path) {
            do { settings = try JSONValue.parse(bytes) } catch {
                throw Messages.agentSettingsInvalid(path, reason: "is not valid JSON (\(error)), so git-ao cannot add its hooks to it")
            }
            guard case .object = settings else {
                throw Messages.agentSettingsInvalid(path, reason: "does not hold a JSON object")
            }
        }
        var hooks = settings["hooks"] ?? .object([])
        for (event, matcher) in claudeEvents {
            let command = signalCommand(agent: "claude-code", event: event)
            var groups: [JSONValue] = []
            if case .array(let existing) = hooks[event] ?? .array([]) { groups = existing }
            let alreadyThere = groups.contains { group in
                guard case .array(let handlers) = group["hooks"] ?? .null else { return false }
                return handlers.contains { $0["command"]?.stringValue?.contains(" signal claude-code \(event)") == true }
            }
            if alreadyThere { continue }
            var group: [(key: String, value: JSONValue)] = []
            if let matcher { group.append(("matcher", .string(matcher))) }
            group.append(("hooks", .array([.object([("type", .string("command")), ("command", .string(command))])])))
            groups.append(.object(group))
            hooks.set(event, .array(groups))
        }
        settings.set("hooks", hooks)
        let tracked = fileExists(path) && isTracked(claudeSettingsPath, in: worktree)
        try makeDirectories(worktree + "/.claude")
        try writeFileAtomically(path, Array((settings.serialized() + "\n").utf8), mode: 0o644)
        if tracked {
            // The branch tracks the file, so excluding it does nothing: tell git to leave this
            // worktree's copy alone instead, or every agent's worktree would look dirty.
            let result = try GitCLI.run(["-C", worktree, "update-index", "--skip-worktree", "--", claudeSettingsPath])
            guard result.succeeded else {
                throw Messages.skipWorktreeFailed(path, detail: result.stderrText)
            }
        } else {
            try excludeFromGit("/" + claudeSettingsPath, commonDir: commonDir)
        }
    }

    private static func isTracked(_ relativePath: String, in worktree: String) -> Bool {
        (try? GitCLI.run(["-C", worktree, "ls-files", "--error-unmatch", "--", relativePath]))?.succeeded ?? false
    }

    /// Appends a pattern to `<common-dir>/info/exclude` unless it is there (shared by all worktrees).
    package static func excludeFromGit(_ pattern: String, commonDir: String, why: String = "agent hook settings") throws {
        let path = commonDir + "/info/exclude"
        let existing = readFile(path) ?? ""
        if existing.split(separator: "\n").contains(where: { $0 == pattern }) { return }
        try makeDirectories(commonDir + "/info")
        let addition = (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + "# added by git-ao: \(why)\n" + pattern + "\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        let code = writeAll(fd, Array(addition.utf8))
        if code != 0 { throw FileError(path: path, operation: "append to", code: code) }
    }

    // MARK: Codex: -c hooks.<Event>=...

    package static let codexEvents = ["UserPromptSubmit", "PermissionRequest", "Stop"]

    /// `-c` options that give Codex git-ao's hooks for this run only, as TOML values.
    package static func codexArguments() -> [String] {
        var arguments = ["-c", "features.codex_hooks=true"]
        for event in codexEvents {
            let command = tomlString(signalCommand(agent: "codex", event: event))
            arguments += ["-c", "hooks.\(event)=[{hooks=[{type=\"command\",command=\(command)}]}]"]
        }
        return arguments
    }

    private static func tomlString(_ s: String) -> String {
        "\"" + s.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"") + "\""
    }
}
