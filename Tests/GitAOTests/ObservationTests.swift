import AOTestSupport
import Foundation
import Platform
import Testing

/// Observation passes against a real tmux server, with scripted agents.
@Suite("observation passes")
struct ObservationTests {
    @Test("a killed tmux session goes detecting, then terminated once it is still gone 10 s later", .timeLimit(.minutes(15)))
    func killedTmuxSession() throws {
        let s = try Scenario("obs-killed")
        defer { s.close() }
        let id = try s.spawn()
        let other = try s.spawn()  // keeps the server up, so this is one death, not a restart
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        let first = Date()
        try s.observe()
        #expect(try s.axes(id).status == "detecting")
        #expect(try s.axes(id).runtime == "dead")
        try s.observe()
        #expect(try s.axes(id).status == "detecting", "one more probe under 10 s is not enough")
        Thread.sleep(forTimeInterval: max(0, 10.5 - Date().timeIntervalSince(first)))
        try s.observe()
        let session = try s.session(id)
        #expect(session["status"] as? String == "terminated")
        #expect(session["terminal_reason"] as? String == "runtime_lost")
        #expect(try s.eventKinds(id).suffix(2) == ["detecting", "runtime_lost"])
        // The other agent has no hooks: its unchanged screen makes it idle, never detecting.
        #expect(["working", "idle"].contains(try s.axes(other).status))
    }

    @Test("a restarted tmux server does not kill every session")
    func restartedServer() throws {
        let s = try Scenario("obs-restart")
        defer { s.close() }
        var ids: [String] = []
        for _ in 0..<6 { ids.append(try s.spawn()) }
        try s.env.run(["tmux", "kill-server"])
        for _ in 0..<2 { try s.observe() }
        for id in ids {
            let axes = try s.axes(id)
            #expect(axes.state == "working", "\(id) must not be concluded dead")
            #expect(axes.runtime == "probe_failed")
            #expect(axes.status == "unreachable")
        }
        let doctor = try s.ao("doctor")
        #expect(doctor.stdout.contains("the tmux server was restarted"))
        // Restoring one brings it back as a live session.
        #expect(try s.ao("restore", ids[0]).succeeded)
        #expect(try s.axes(ids[0]).status == "working")
    }

    @Test("a blocked session refuses nudges and receives them once it is unblocked")
    func blockedRefusesNudges() throws {
        let s = try Scenario("obs-blocked")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        try s.signal(id, "blocked")
        #expect(try s.axes(id).status == "needs_input")
        expectError(try s.ao("send", id, "please continue"), "SESSION_AWAITING_DECISION", mentioning: [id, "--queue"])

        let queued = try s.ao("send", "--queue", "--json", id, "please continue")
        #expect(queued.succeeded)
        #expect(try queued.json()["delivered"] as? Bool == false)
        try s.observe()
        try s.signal(id, "waiting_input")  // a question is open: still not now
        try s.observe()
        #expect(FakeAgents.received(by: id, in: s.env).isEmpty)

        try s.signal(id, "active")  // unblocked: the signal starts a pass that delivers it
        try s.env.eventually("the queued message", timeout: 15) { FakeAgents.received(by: id, in: s.env) == ["please continue"] }
        try s.observe()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(FakeAgents.received(by: id, in: s.env) == ["please continue"], "delivered exactly once")
        #expect(try s.eventKinds(id).filter { $0 == "nudged" }.count == 1)
    }

    @Test("no signal for ao.stuckAfter makes a working session stuck, notified once")
    func stuck() throws {
        let s = try Scenario("obs-stuck")
        defer { s.close() }
        try s.env.git(["config", "ao.stuckAfter", "1s"], in: s.repo)
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try s.signal(id, "active")
        Thread.sleep(forTimeInterval: 1.2)
        try s.observe()
        #expect(try s.axes(id).status == "stuck")
        try s.observe()
        #expect(try s.eventKinds(id).filter { $0 == "stuck" }.count == 1)
        #expect(try s.eventKinds(id).filter { $0 == "notified" }.count == 1)
        // A new signal ends it.
        try s.signal(id, "active")
        #expect(try s.axes(id).status == "working")
    }

    @Test("waiting for input is never aged into stuck")
    func stickyWaiting() throws {
        let s = try Scenario("obs-sticky")
        defer { s.close() }
        try s.env.git(["config", "ao.stuckAfter", "1s"], in: s.repo)
        let id = try s.spawn("--agent", "hooked", "--prompt", "start")
        try s.signal(id, "waiting_input")
        Thread.sleep(forTimeInterval: 1.2)
        try s.observe()
        #expect(try s.axes(id).status == "needs_input")
    }

    @Test("notifications reach ao.notify.command as JSON, once per open condition, and are recorded as events")
    func notifications() throws {
        let s = try Scenario("obs-notify")
        defer { s.close() }
        let log = s.env.root.appendingPathComponent("notifications.jsonl")
        try s.env.installScript("notify-me", "#!/bin/sh\ncat >> '\(log.path)'\n")
        try s.env.git(["config", "ao.notify.command", "notify-me --quiet"], in: s.repo)
        let id = try s.spawn("--agent", "hooked", "--name", "login fix", "--prompt", "start")
        try s.signal(id, "blocked")
        try s.env.eventually("a notification", timeout: 15) { (s.env.read(log) ?? "").contains("needs_input") }
        try s.signal(id, "waiting_input")  // still needs input: nothing new
        try s.observe()
        try s.signal(id, "active")
        try s.signal(id, "waiting_input")  // a new question: a new notification
        try s.env.eventually("a second notification", timeout: 15) { (s.env.read(log) ?? "").split(separator: "\n").count == 2 }
        try s.observe()
        let lines = (s.env.read(log) ?? "").split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(first?["type"] as? String == "needs_input")
        #expect(first?["session"] as? String == id)
        #expect(first?["name"] as? String == "login fix")
        #expect((first?["message"] as? String)?.contains("permission dialog") == true)
        #expect(try s.eventKinds(id).filter { $0 == "notified" }.count == 2)
    }

    @Test("agents without hooks are judged by their screen: unchanged for two passes is idle, new output is active")
    func screenHeuristic() throws {
        let s = try Scenario("obs-screen")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        #expect(try s.axes(id).activity == "active")
        for _ in 0..<3 { try s.observe() }
        #expect(try s.axes(id).status == "idle")
        try s.ao("send", id, "more work")
        try s.observe()
        #expect(try s.axes(id).status == "working")
        #expect(try s.eventKinds(id).contains("activity"))
    }

    @Test("a custom agent's promptPattern and questionPattern are read off its screen")
    func screenPatterns() throws {
        let s = try Scenario("obs-patterns")
        defer { s.close() }
        try s.env.installScript("asker", "#!/bin/bash\nprintf 'Proceed? [y/N] '\nread answer\nprintf 'ok\\nready> '\nsleep 600\n")
        try s.env.git(["config", "ao.agent.asker.command", "asker"], in: s.repo)
        try s.env.git(["config", "ao.agent.asker.questionPattern", "[y/N]"], in: s.repo)
        try s.env.git(["config", "ao.agent.asker.promptPattern", "ready>"], in: s.repo)
        let id = try s.spawn("--agent", "asker")
        try s.env.eventually("the question") { try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("Proceed?") }
        try s.observe()
        #expect(try s.axes(id).activity == "waiting_input")
        try s.env.run(["tmux", "send-keys", "-t", "=ao-\(id):", "y", "Enter"])
        try s.env.eventually("the prompt") { try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("ready>") }
        try s.observe()
        #expect(try s.axes(id).activity == "idle")
    }

    @Test("a custom agent with a promptPattern is busy while its prompt is not shown, however still its screen, and gets no nudge then")
    func promptPatternBusy() throws {
        let s = try Scenario("obs-pattern-busy")
        defer { s.close() }
        try s.env.installScript("worker", "#!/bin/bash\nprintf '* working hard...\\n'\nwhile [ ! -f \"$FAKE_AGENT_OUT/done\" ]; do sleep 0.2; done\nprintf 'ready> '\nread line\nprintf '%s\\n' \"$line\" > \"$FAKE_AGENT_OUT/got\"\nsleep 600\n")
        try s.env.git(["config", "ao.agent.worker.command", "worker"], in: s.repo)
        try s.env.git(["config", "ao.agent.worker.promptPattern", "ready>"], in: s.repo)
        let id = try s.spawn("--agent", "worker")
        try s.env.eventually("its busy screen") { try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("working hard") }
        try s.ao("send", "--queue", id, "hello")
        for _ in 0..<4 { try s.observe() }
        #expect(try s.axes(id).activity == "active")
        #expect(s.env.read(s.env.outputDirectory.appendingPathComponent("got")) == nil, "a message was typed into a busy agent")
        try s.env.write("", to: s.env.outputDirectory.appendingPathComponent("done"))
        try s.env.eventually("the queued message, once at its prompt", timeout: 20) {
            try s.observe()
            return s.env.read(s.env.outputDirectory.appendingPathComponent("got"))?.contains("hello") == true
        }
    }

    @Test("a seeded session whose spawn process died ends as spawn_failed")
    func abandonedSpawn() throws {
        let s = try Scenario("obs-abandoned")
        defer { s.close() }
        _ = try s.spawn()
        let old = Int(Date().timeIntervalSince1970 * 1000) - 60_000
        try s.sql("INSERT INTO sessions (id, branch, base_ref, base_sha, worktree_path, agent, tmux_name, created_at, updated_at, state, spawn_pid) VALUES ('zz2345', 'ao/zz2345', 'main', 'x', '/nowhere', 'fake', 'ao-zz2345', \(old), \(old), 'not_started', 2147483000)")
        try s.observe()
        let session = try s.session("zz2345")
        #expect(session["terminal_reason"] as? String == "spawn_failed")
    }

    @Test("only one pass runs at a time: a second one waits briefly, then leaves it to the first")
    func singlePass() throws {
        let s = try Scenario("obs-lock")
        defer { s.close() }
        _ = try s.spawn()
        let lock = s.repo.appendingPathComponent(".git/ao/observe.lock")
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lock.path, "sleep", "5"]
        try holder.run()
        defer { holder.terminate() }
        Thread.sleep(forTimeInterval: 0.3)
        let started = Date()
        let result = try s.ao("observe")
        #expect(result.succeeded)
        #expect(result.stderr.contains("Another observation pass is running"))
        #expect(Date().timeIntervalSince(started) < 4.5)
    }
}
