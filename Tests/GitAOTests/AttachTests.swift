import AOTestSupport
import Foundation
import Platform
import Testing

@Suite("attach")
struct AttachTests {
    @Test("attach hands a real terminal to the session's tmux session, and returns when detached")
    func attachThroughAPseudoTerminal() throws {
        let s = try Scenario("attach")
        defer { s.close() }
        let id = try s.spawn()
        // script(1) gives git-ao a pseudo-terminal, as an interactive shell would.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", "git-ao attach \(id)", "/dev/null"]
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        process.standardInput = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try s.env.eventually("a client attached to ao-\(id)") {
            try s.env.run(["tmux", "list-clients", "-t", "=ao-\(id)", "-F", "#{client_session}"]).stdout == "ao-\(id)\n"
        }
        try s.env.run(["tmux", "detach-client", "-s", "=ao-\(id)"])
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try s.tmuxSessions() == ["ao-\(id)"], "detaching leaves the agent running")
    }

    @Test("attach without a terminal, or to an ended session, is refused with what to do")
    func refusals() throws {
        let s = try Scenario("attach-refuse")
        defer { s.close() }
        let id = try s.spawn()
        expectError(try s.ao("attach", id), "INVALID_ARGUMENT", mentioning: ["terminal", "capture-pane"])
        try s.ao("kill", id)
        expectError(try s.ao("attach", id), "SESSION_NOT_RUNNING", mentioning: ["git ao restore \(id)"])
    }

    @Test("kill from a shell whose TMUX_TMPDIR is broken still ends the agent on the server it was spawned on")
    func brokenEnvironment() throws {
        let s = try Scenario("runtime-env")
        defer { s.close() }
        let id = try s.spawn()
        let file = s.env.root.appendingPathComponent("not-a-directory")
        try s.env.write("x", to: file)
        let result = try s.ao(arguments: ["kill", id], environment: ["TMUX_TMPDIR": file.path])
        #expect(result.succeeded, "\(result)")
        #expect(try s.tmuxSessions().isEmpty)
    }
}
