import AOTestSupport
import Foundation
import Platform
import Testing

/// Issue 17, section 4: the first hour of a new user (what a notification carries, a quiet watch;
/// cleanup's part is in CleanupDiscardTests).
@Suite("first hour")
struct FirstHourTests {
    @Test("the notification JSON carries the agent's last screen lines, bounded and inert")
    func notificationCarriesQuestion() throws {
        let s = try Scenario("fh-notify")
        defer { s.close() }
        let log = s.env.root.appendingPathComponent("notifications.jsonl")
        try s.env.installScript("notify-me", "#!/bin/sh\ncat >> '\(log.path)'\n")
        try s.env.git(["config", "ao.notify.command", "notify-me"], in: s.repo)
        // Many long non-ASCII lines, then the question: more than 2 KiB on screen.
        try s.env.installScript("asker", """
            #!/bin/bash
            for i in $(seq 1 30); do printf 'ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé %s\\n' "$i"; done
            printf 'Create new file main.py? (Y)es/(N)o [Yes]: '
            read answer
            """)
        try s.env.git(["config", "ao.agent.asker.command", "asker"], in: s.repo)
        try s.env.git(["config", "ao.agent.asker.hooks", "true"], in: s.repo)
        let id = try s.spawn("--agent", "asker")
        let worktree = try s.worktreePath(of: id)
        _ = worktree
        try s.env.eventually("the question on screen") {
            (try? s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("Create new file")) ?? false
        }
        try s.signal(id, "waiting_input")
        try s.env.eventually("a notification", timeout: 15) { (s.env.read(log) ?? "").contains("needs_input") }
        let line = try #require((s.env.read(log) ?? "").split(separator: "\n").first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let screen = try #require(object["screen"] as? [String], "\(object)")
        #expect(screen.last?.contains("Create new file main.py? (Y)es/(N)o [Yes]:") == true, "\(screen)")
        #expect(screen.count <= 20)
        #expect(screen.joined(separator: "\n").utf8.count <= 2048)
        #expect(screen.allSatisfy { TerminalText.isInert($0) && !$0.contains("\n") })
        #expect(object["session"] as? String == id)
    }

    @Test("watch prints no line for a change nobody can see (idle stays idle)")
    func quietWatch() throws {
        let s = try Scenario("fh-watch")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        try s.env.eventually("idle") {
            try s.observe()
            return try s.axes(id).status == "idle"
        }
        let output = s.env.root.appendingPathComponent("watch.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let watch = Process()
        watch.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        watch.arguments = ["watch", "--interval", "200ms"]
        watch.environment = s.env.environment
        watch.currentDirectoryURL = s.repo
        watch.standardOutput = try FileHandle(forWritingTo: output)
        watch.standardError = watch.standardOutput
        try watch.run()
        defer { if watch.isRunning { watch.terminate() } }
        try s.env.eventually("watch to start") { (s.env.read(output) ?? "").contains("Watching") }
        // An old last signal makes the next pass refresh it: a change of the row, not of what it shows.
        try s.sql("UPDATE sessions SET last_signal_at = last_signal_at - 600000 WHERE id = '\(id)'")
        let old = try s.sql("SELECT last_signal_at FROM sessions WHERE id = '\(id)'")
        try s.env.eventually("a pass to refresh it") { try s.sql("SELECT last_signal_at FROM sessions WHERE id = '\(id)'") != old }
        // Settled: a visible change made after it is printed, so everything before it was too.
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        try s.env.eventually("the visible change") { (s.env.read(output) ?? "").contains("\(id)  detecting:") }
        watch.terminate()
        watch.waitUntilExit()
        let lines = (s.env.read(output) ?? "").split(separator: "\n").filter { $0.contains("  \(id)  ") }
        #expect(lines.count == 1, "\(lines)")
        #expect(try s.eventKinds(id).contains("activity"))
    }
}
