import AOTestSupport
import Agents
import Foundation
import Platform
import Testing

/// Agents' own hooks: `git ao signal`, Claude Code's settings, Codex's -c hooks.
@Suite("agent signals")
struct SignalTests {
    /// A scenario with a stand-in `claude` on PATH (the real program's name, a fake's behaviour).
    func claudeScenario(_ label: String) throws -> Scenario {
        let s = try Scenario(label)
        try s.env.installScript("claude", FakeAgents.echo)
        try s.env.installScript("codex", FakeAgents.echo)
        return s
    }

    @Test("Claude Code's events, in the documented payload shapes, map to activity")
    func claudeMapping() throws {
        let s = try claudeScenario("sig-claude")
        defer { s.close() }
        let id = try s.spawn("--agent", "claude-code", "--prompt", "task")
        #expect(try s.axes(id).status == "starting", "an agent with hooks waits for its first signal")
        let claude = { (event: String, changes: [String: Any]) in try HookPayloads.json("claude-code", event, changing: changes) }
        let steps: [(event: String, payload: String, status: String, activity: String?)] = [
            ("SessionStart", try claude("SessionStart", [:]), "starting", nil),
            ("UserPromptSubmit", try claude("UserPromptSubmit", [:]), "working", "active"),
            ("PermissionRequest", try claude("PermissionRequest", [:]), "needs_input", "blocked"),
            ("PostToolUse", try claude("PostToolUse", [:]), "working", "active"),
            ("Notification", try claude("Notification", [:]), "needs_input", "blocked"),
            ("Notification", try claude("Notification", ["notification_type": "idle_prompt", "message": "Claude is waiting for your input"]), "idle", "idle"),
            // The type decides, not the wording: this message names neither permission nor input.
            ("Notification", try claude("Notification", ["notification_type": "elicitation_dialog", "message": "MCP server docs asks a question"]), "needs_input", "waiting_input"),
            ("PreToolUse", try claude("PreToolUse", [:]), "working", "active"),
            ("Notification", try claude("Notification", ["notification_type": "agent_needs_input", "message": "A subagent asks a question"]), "needs_input", "waiting_input"),
            // A type that says nothing about waiting changes nothing.
            ("Notification", try claude("Notification", ["notification_type": "auth_success", "message": "Signed in"]), "needs_input", "waiting_input"),
            ("UserPromptSubmit", try claude("UserPromptSubmit", [:]), "working", "active"),
            ("Notification", try claude("Notification", ["notification_type": "elicitation_url_dialog", "message": "Open the link to continue"]), "needs_input", "waiting_input"),
            ("Stop", try claude("Stop", [:]), "idle", "idle"),
            ("SessionEnd", try claude("SessionEnd", [:]), "done", "exited"),
        ]
        for step in steps {
            let result = try s.signal(id, step.event, agent: "claude-code", payload: step.payload)
            #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty)
            let axes = try s.axes(id)
            #expect(axes.status == step.status, "\(step.event) \(step.payload)")
            #expect(axes.activity == step.activity, "\(step.event)")
        }
        let documented = try #require(try HookPayloads.object("claude-code", "SessionStart")["session_id"] as? String)
        let recorded = try s.session(id)["agent_session_id"] as? String
        #expect(recorded == documented)
    }

    @Test("every hook event git-ao installs has a recorded payload with the documented common fields")
    func recordedPayloadsCoverInstalledEvents() throws {
        let families: [(agent: String, events: [String], common: [String])] = [
            ("claude-code", AgentHooks.claudeEvents.map(\.event), ["session_id", "transcript_path", "cwd", "permission_mode", "hook_event_name"]),
            ("codex", AgentHooks.codexEvents, ["session_id", "turn_id", "transcript_path", "cwd", "hook_event_name", "model", "permission_mode"]),
        ]
        for family in families {
            let folder = HookPayloads.root.appendingPathComponent(family.agent)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            #expect(Set(files) == Set(family.events.map { $0 + ".json" }), "\(family.agent): one recorded payload per installed event")
            for event in family.events {
                let payload = try HookPayloads.object(family.agent, event)
                #expect(payload["hook_event_name"] as? String == event, "\(family.agent)/\(event).json")
                for field in family.common {
                    #expect(payload.keys.contains(field), "\(family.agent)/\(event).json lacks \(field)")
                }
            }
        }
        let source = try String(contentsOf: HookPayloads.root.appendingPathComponent("SOURCE.md"), encoding: .utf8)
        for family in families {
            for event in family.events {
                #expect(source.contains("`\(family.agent)/\(event).json`"), "SOURCE.md names where \(family.agent)/\(event) comes from")
            }
        }
    }

    @Test("spawn gives Claude Code its hooks in .claude/settings.local.json, excluded, and they reach git-ao as Claude would run them")
    func claudeSettingsInstalled() throws {
        let s = try claudeScenario("sig-settings")
        defer { s.close() }
        let id = try s.spawn("--agent", "claude-code", "--prompt", "task")
        let worktree = try s.worktreePath(of: id)
        let settingsURL = worktree.appendingPathComponent(".claude/settings.local.json")
        let settings = try JSONSerialization.jsonObject(with: Data(contentsOf: settingsURL)) as? [String: Any]
        let hooks = settings?["hooks"] as? [String: Any] ?? [:]
        #expect(Set(hooks.keys) == ["SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "PermissionRequest", "Notification", "Stop", "SessionEnd"])
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "", "the settings file must not make the worktree dirty")
        let exclude = s.env.read(s.repo.appendingPathComponent(".git/info/exclude")) ?? ""
        #expect(exclude.contains("/.claude/settings.local.json"))

        // Run the Stop hook's command exactly as Claude Code does: through the shell, payload on stdin.
        let stop = (hooks["Stop"] as? [[String: Any]])?.first?["hooks"] as? [[String: Any]]
        let command = try #require(stop?.first?["command"] as? String)
        try s.signal(id, "UserPromptSubmit", agent: "claude-code")
        let run = try s.env.run(["sh", "-c", command], in: worktree, input: "{}",
                                environment: ["AO_SESSION_ID": id, "AO_REPO": s.repo.appendingPathComponent(".git").path])
        #expect(run.succeeded)
        #expect(try s.axes(id).status == "idle")

        // A second spawn adds nothing more to the exclude file.
        _ = try s.spawn("--agent", "claude-code")
        let again = s.env.read(s.repo.appendingPathComponent(".git/info/exclude")) ?? ""
        #expect(again.components(separatedBy: "/.claude/settings.local.json").count == 2)
    }

    @Test("a tracked settings.local.json keeps the user's own hooks and settings, and the worktree stays clean")
    func claudeSettingsMerged() throws {
        let s = try claudeScenario("sig-merge")
        defer { s.close() }
        let user = """
            {
              "permissions": {"allow": ["Bash(npm test)"]},
              "hooks": {
                "Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]
              },
              "env": {"RETRIES": 3.50}
            }
            """
        try s.env.write(user, to: s.repo.appendingPathComponent(".claude/settings.local.json"))
        try s.env.git(["add", ".claude/settings.local.json"], in: s.repo)
        try s.env.git(["commit", "-q", "-m", "team settings"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        let id = try s.spawn("--agent", "claude-code")
        let worktree = try s.worktreePath(of: id)
        let text = s.env.read(worktree.appendingPathComponent(".claude/settings.local.json")) ?? ""
        let settings = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((settings?["permissions"] as? [String: Any])?["allow"] as? [String] == ["Bash(npm test)"])
        #expect(text.contains("\"RETRIES\": 3.50"), "numbers are kept as written")
        let stopGroups = (settings?["hooks"] as? [String: Any])?["Stop"] as? [[String: Any]] ?? []
        let commands = stopGroups.flatMap { ($0["hooks"] as? [[String: Any]] ?? []).compactMap { $0["command"] as? String } }
        #expect(commands.contains("say done"))
        #expect(commands.contains { $0.hasSuffix(" signal claude-code Stop") })
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "")
    }

    @Test("Codex: its documented payloads map to activity, PermissionRequest waits for input, and its session id is kept for restore")
    func codex() throws {
        let s = try claudeScenario("sig-codex")
        defer { s.close() }
        let id = try s.spawn("--agent", "codex", "--prompt", "task")
        try s.signal(id, "UserPromptSubmit", agent: "codex", payload: try HookPayloads.json("codex", "UserPromptSubmit"))
        #expect(try s.axes(id).status == "working")
        try s.signal(id, "PermissionRequest", agent: "codex", payload: try HookPayloads.json("codex", "PermissionRequest"))
        #expect(try s.axes(id).activity == "waiting_input")
        try s.signal(id, "Stop", agent: "codex", payload: try HookPayloads.json("codex", "Stop"))
        #expect(try s.axes(id).status == "idle")
        // Codex documents session_id as "the current session or thread id": the id `codex resume` takes.
        let thread = try #require(try HookPayloads.object("codex", "Stop")["session_id"] as? String)
        #expect(try s.session(id)["agent_session_id"] as? String == thread)
        try s.ao("kill", id)
        try FileManager.default.removeItem(at: s.env.outputDirectory.appendingPathComponent("\(id).cwd"))
        #expect(try s.ao("restore", id).succeeded)
        try FakeAgents.waitForStart(id, in: s.env)
        let args = FakeAgents.arguments(of: id, in: s.env) ?? []
        #expect(args.first == "resume" && args.last == thread)
    }

    @Test("an agent with hooks that never signals shows no_signal after 90 s, and doctor says its hooks are broken")
    func noSignal() throws {
        let s = try Scenario("sig-nosignal")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked")
        #expect(try s.axes(id).status == "starting")
        let past = Int(Date().timeIntervalSince1970 * 1000) - 91_000
        try s.sql("UPDATE sessions SET launched_at = \(past) WHERE id = '\(id)'")
        #expect(try s.axes(id).status == "no_signal")
        let doctor = try s.ao("doctor")
        #expect(doctor.status == 2)
        #expect(doctor.stdout.contains("has never reported activity"))
    }

    @Test("signal always exits 0 and prints nothing, whatever it gets")
    func alwaysSucceeds() throws {
        let s = try Scenario("sig-robust")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked")
        for (args, env, input) in [
            (["claude-code", "NoSuchEvent"], ["AO_SESSION_ID": id], "{}"),
            (["claude-code", "Stop"], [:], "{}"),
            (["claude-code", "Stop"], ["AO_SESSION_ID": "nosuch"], "{}"),
            (["claude-code", "Notification"], ["AO_SESSION_ID": id], "not json {{{"),
            (["hooked", "active"], ["AO_SESSION_ID": id, "AO_REPO": "/nonexistent"], ""),
        ] as [([String], [String: String], String)] {
            var environment = env
            if environment["AO_REPO"] == nil { environment["AO_REPO"] = s.repo.appendingPathComponent(".git").path }
            let result = try s.env.run(["git-ao", "signal"] + args, in: s.repo, input: input, environment: environment)
            #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, "\(args) \(env)")
        }
        #expect(try s.axes(id).status == "starting")
    }
}

/// Claude Code's and Codex's hook payloads as their documentation gives them
/// (Tests/Fixtures/agent-hooks, see SOURCE.md there): neither program runs on the build machines.
enum HookPayloads {
    static let root = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/agent-hooks")

    static func object(_ agent: String, _ event: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("\(agent)/\(event).json"))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(agent)/\(event).json is not a JSON object")
        }
        return object
    }

    /// The recorded payload as text, with some of its documented fields given other values.
    static func json(_ agent: String, _ event: String, changing changes: [String: Any] = [:]) throws -> String {
        var object = try object(agent, event)
        for (key, value) in changes {
            guard object[key] != nil else { throw TestFailure("\(agent)/\(event).json has no field \(key)") }
            object[key] = value
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
