import AOTestSupport
import Foundation
import Testing

/// Issue 7, item 1: the tmux server is part of a session's identity.
@Suite("runtime identity")
struct RuntimeIdentityTests {
    /// The environment of a shell whose tmux settings point at another server.
    static func elsewhere(_ s: Scenario) throws -> [String: String] {
        let directory = s.env.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return ["TMUX_TMPDIR": directory.path]
    }

    @Test("every command asks the server the session was spawned on, whatever TMUX_TMPDIR says", .timeLimit(.minutes(15)))
    func recordedServer() throws {
        let s = try Scenario("id-server")
        defer { s.close() }
        let id = try s.spawn()
        let socket = try #require(try s.session(id)["tmux_socket"] as? String)
        #expect(socket.hasPrefix(s.env.root.path + "/tmux/"), "recorded \(socket)")
        let elsewhere = try RuntimeIdentityTests.elsewhere(s)

        let shown = try s.ao(arguments: ["show", "--json", id], environment: elsewhere)
        #expect(shown.succeeded, "\(shown)")
        let status = try #require(try shown.json()["session"] as? [String: Any])["status"] as? String
        #expect(["working", "idle"].contains(status), "show from another environment said \(status ?? "nothing")")
        #expect(try s.ao(arguments: ["observe"], environment: elsewhere).succeeded)
        #expect(try s.ao(arguments: ["send", id, "hello"], environment: elsewhere).succeeded)
        try s.env.eventually("the message") { FakeAgents.received(by: id, in: s.env) == ["hello"] }
        // Keys pressed on purpose go to the same server.
        let keys = try s.ao(arguments: ["send", "--key", "Escape", id], environment: elsewhere)
        #expect(keys.succeeded, "\(keys)")
        #expect(try s.eventKinds(id).contains("keys_sent"))
        #expect(["working", "idle"].contains(try s.axes(id).status))

        // attach from inside a client of another server neither nests nor switches to the wrong one.
        let inside = try s.ao(arguments: ["attach", id], environment: ["TMUX": s.env.root.path + "/other-server,1,0"])
        expectError(inside, "INVALID_ARGUMENT", mentioning: [socket, "another one"])

        // kill from there ends the agent on its own server.
        let killed = try s.ao(arguments: ["kill", id], environment: elsewhere)
        #expect(killed.succeeded, "\(killed)")
        #expect(try s.tmuxSessions().isEmpty, "the agent must not go on running")
        #expect(try s.axes(id).status == "terminated")
    }

    @Test("a session spawned before servers were recorded is looked for on the caller's server, which is then recorded")
    func legacySession() throws {
        let s = try Scenario("id-legacy")
        defer { s.close() }
        let id = try s.spawn()
        let socket = try #require(try s.session(id)["tmux_socket"] as? String)
        try s.sql("UPDATE sessions SET tmux_socket = NULL WHERE id = '\(id)'")
        // Looked for on another server, it is not found there: that proves nothing.
        let elsewhere = try RuntimeIdentityTests.elsewhere(s)
        let away = try s.ao(arguments: ["status", "--json"], environment: elsewhere)
        let seen = try #require((try away.json()["sessions"] as? [[String: Any]])?.first)
        #expect(seen["status"] as? String == "unreachable", "\(seen)")
        #expect(try !s.eventKinds(id).contains("detecting"))
        #expect(try s.session(id)["tmux_socket"] as? String == socket, "status records the server it saw the session on")
        #expect(try s.eventKinds(id).contains("tmux_server"))

        // kill from a shell on another server, for a session whose server was never recorded,
        // does not remove the worktree its agent may still run in.
        try s.sql("UPDATE sessions SET tmux_socket = NULL WHERE id = '\(id)'")
        let killed = try s.ao(arguments: ["kill", id], environment: elsewhere)
        #expect(killed.stdout.contains("Kept its worktree"), "\(killed)")
        #expect(FileManager.default.fileExists(atPath: try s.worktreePath(of: id).path))
    }

    @Test("show and send never conclude a death; a full pass does", .timeLimit(.minutes(15)))
    func singleProbes() throws {
        let s = try Scenario("id-single")
        defer { s.close() }
        let id = try s.spawn()
        _ = try s.spawn()  // keeps the server up
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        let first = Date()
        let shown = try s.ao("show", "--json", id)
        #expect(try #require(try shown.json()["session"] as? [String: Any])["status"] as? String == "detecting")
        Thread.sleep(forTimeInterval: max(0, 10.5 - Date().timeIntervalSince(first)))
        _ = try s.ao("show", id)
        expectError(try s.ao("send", id, "hello"), "SESSION_NOT_RUNNING", mentioning: [id])
        let events = try s.eventKinds(id)
        #expect(!events.contains("runtime_lost"), "a single-session probe concluded a death: \(events)")
        try s.observe()
        #expect(try s.session(id)["terminal_reason"] as? String == "runtime_lost")
    }

    @Test("a server whose socket is gone is unreachable, never dead; kill refuses and keeps the worktree", .timeLimit(.minutes(15)))
    func unreachableServer() throws {
        let s = try Scenario("id-unreachable")
        defer { s.close() }
        let id = try s.spawn()
        let ended = try s.spawn()
        let socket = try #require(try s.session(id)["tmux_socket"] as? String)
        let worktree = try s.worktreePath(of: id)
        let endedWorktree = try s.worktreePath(of: ended)
        // Recorded as ended while its agent may still run (what an earlier false death left).
        try s.sql("UPDATE sessions SET state = 'terminated', terminal = 1, terminal_reason = 'runtime_lost' WHERE id = '\(ended)'")
        let pid = try #require(Int32(try s.env.run(["tmux", "-S", socket, "display-message", "-p", "#{pid}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        try FileManager.default.removeItem(atPath: socket)

        try s.observe()
        Thread.sleep(forTimeInterval: 0.2)
        try s.observe()
        let session = try s.session(id)
        #expect(session["status"] as? String == "unreachable")
        #expect((session["reason"] as? String ?? "").contains("SIGUSR1"), "\(session)")
        #expect((session["reason"] as? String ?? "").contains("git ao kill \(id)"))
        #expect(try !s.eventKinds(id).contains("detecting"))

        let killed = try s.ao("kill", id)
        expectError(killed, "RUNTIME_UNREACHABLE", mentioning: [socket])
        #expect(!killed.stdout.contains("Killed"))
        #expect(FileManager.default.fileExists(atPath: worktree.path), "the worktree under a possibly running agent was removed")
        #expect(try s.session(id)["terminated"] as? Bool == false)
        let doctor = try s.ao("doctor")
        #expect(doctor.stdout.contains("cannot be asked about ao-\(id)"), "\(doctor.stdout)")
        // A new server on the same path would hide the running one's sessions: spawn refuses.
        let before = try s.world()
        expectError(try s.ao("spawn", "--no-attach"), "RUNTIME_UNREACHABLE", mentioning: ["SIGUSR1"])
        #expect(try s.world() == before)
        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.stdout.contains("skip \(ended): its tmux server at \(socket) cannot be reached"), "\(cleanup)")
        #expect(FileManager.default.fileExists(atPath: endedWorktree.path), "cleanup removed a worktree its agent may still run in")

        // Once the server makes its socket again, kill works.
        kill(pid, SIGUSR1)
        try s.env.eventually("the socket") { FileManager.default.fileExists(atPath: socket) }
        let again = try s.ao("kill", id)
        #expect(again.succeeded, "\(again)")
        #expect(try s.ao("cleanup", "-y").succeeded)
        #expect(try s.tmuxSessions().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: endedWorktree.path))
    }

    @Test("doctor lists stray ao-* tmux sessions of this repository, and cleanup ends them before removing anything")
    func straySessions() throws {
        let s = try Scenario("id-stray")
        defer { s.close() }
        let ended = try s.spawn()
        let live = try s.spawn()
        let liveWorktree = try s.worktreePath(of: live).path
        let endedWorktree = try s.worktreePath(of: ended).path
        // A session recorded as ended whose agent still runs (what an earlier false death left).
        try s.sql("UPDATE sessions SET state = 'terminated', terminal = 1, terminal_reason = 'runtime_lost' WHERE id = '\(ended)'")
        // A stray with no session at all, in this repository's worktree root; and another
        // repository's session, which is none of our business.
        try s.env.run(["tmux", "new-session", "-d", "-s", "ao-zzzzzz", "-c", liveWorktree, "sleep", "300"])
        try s.env.run(["tmux", "new-session", "-d", "-s", "ao-other", "-c", s.env.root.path, "sleep", "300"])

        let doctor = try s.ao("doctor")
        #expect(doctor.status == 2)
        #expect(doctor.stdout.contains("tmux session ao-\(ended): runs on"), "\(doctor.stdout)")
        #expect(doctor.stdout.contains("belongs to session \(ended), which has ended"))
        #expect(doctor.stdout.contains("tmux session ao-zzzzzz"))
        #expect(!doctor.stdout.contains("ao-other"))
        #expect(!doctor.stdout.contains("tmux session ao-\(live)"))

        let dry = try s.ao("cleanup", "--dry-run")
        #expect(dry.stdout.contains("would end stray tmux session ao-zzzzzz"), "\(dry.stdout)")
        #expect(try s.tmuxSessions().contains("ao-\(ended)"))
        let cleaned = try s.ao("cleanup", "-y")
        #expect(cleaned.succeeded, "\(cleaned)")
        let remaining = try s.tmuxSessions()
        #expect(remaining == ["ao-\(live)", "ao-other"].sorted(), "\(cleaned.stdout) \(remaining)")
        #expect(!FileManager.default.fileExists(atPath: endedWorktree))
        #expect(FileManager.default.fileExists(atPath: liveWorktree))
        #expect(try s.ao("doctor").status == 0)
    }
}
