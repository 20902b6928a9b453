import AOTestSupport
import Foundation
import Platform
import Testing

/// `git ao send`: delivered literally, submitted, and confirmed.
@Suite("send")
struct SendTests {
    @Test("a message is delivered, submitted with one Enter, and logged")
    func delivered() throws {
        let s = try Scenario("send-ok")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let result = try s.ao("send", "--json", id, "please", "run", "the", "tests")
        #expect(result.succeeded, "\(result)")
        #expect(try result.json()["enter_presses"] as? Int == 1)
        #expect(FakeAgents.received(by: id, in: s.env) == ["please run the tests"])
        let events = try s.ao("show", "--json", id).json()["events"] as? [[String: Any]] ?? []
        #expect(events.last?["kind"] as? String == "message_sent")
    }

    @Test("a message from standard input keeps every line and is submitted once")
    func fromStdin() throws {
        let s = try Scenario("send-stdin")
        defer { s.close() }
        let id = try s.spawn("--agent", "stubborn", environment: ["FAKE_ENTERS_NEEDED": "1"])
        try s.env.eventually("agent") { FakeAgents.arguments(of: id, in: s.env) != nil }
        let result = try s.ao("send", id, "-", input: "one line; with `ticks` and $(subst)\n")
        #expect(result.succeeded, "\(result)")
        #expect(FakeAgents.received(by: id, in: s.env) == ["one line; with `ticks` and $(subst)"])
    }

    @Test("Enter is retried while the text stays in the input line")
    func retriesEnter() throws {
        let s = try Scenario("send-retry")
        defer { s.close() }
        let id = try s.spawn("--agent", "stubborn", environment: ["FAKE_ENTERS_NEEDED": "3"])
        try s.env.eventually("agent") { FakeAgents.arguments(of: id, in: s.env) != nil }
        let result = try s.ao("send", "--json", id, "needs three enters")
        #expect(result.succeeded, "\(result)")
        #expect(try result.json()["enter_presses"] as? Int == 3)
        #expect(FakeAgents.received(by: id, in: s.env) == ["needs three enters"])
    }

    @Test("a message that is never submitted is reported after 3 retries, and not lost from the log")
    func unconfirmed() throws {
        let s = try Scenario("send-deaf")
        defer { s.close() }
        let id = try s.spawn("--agent", "deaf")
        try s.env.eventually("agent ready") {
            try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("deaf agent ready")
        }
        let result = try s.ao("send", id, "you will not take this")
        expectError(result, "DELIVERY_NOT_CONFIRMED", mentioning: [id, "4 times"])
        let events = try s.ao("show", "--json", id).json()["events"] as? [[String: Any]] ?? []
        #expect(events.last?["kind"] as? String == "message_unconfirmed")
    }

    @Test("send leaves copy mode first")
    func leavesCopyMode() throws {
        let s = try Scenario("send-copy")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        try s.env.run(["tmux", "copy-mode", "-t", "=ao-\(id):"])
        #expect(try s.env.run(["tmux", "display-message", "-p", "-t", "=ao-\(id):", "#{pane_in_mode}"]).stdout == "1\n")
        #expect(try s.ao("send", id, "after copy mode").succeeded)
        #expect(FakeAgents.received(by: id, in: s.env) == ["after copy mode"])
        #expect(try s.env.run(["tmux", "display-message", "-p", "-t", "=ao-\(id):", "#{pane_in_mode}"]).stdout == "0\n")
    }

    @Test("sending to an ended session, an unknown one, or an empty message is refused")
    func refusals() throws {
        let s = try Scenario("send-refuse")
        defer { s.close() }
        let id = try s.spawn()
        expectError(try s.ao("send", id, "   "), "INVALID_ARGUMENT")
        expectError(try s.ao("send", "zzzzzz", "hello"), "SESSION_NOT_FOUND", mentioning: ["'zzzzzz'"])
        try s.ao("kill", id)
        expectError(try s.ao("send", id, "hello"), "SESSION_NOT_RUNNING", mentioning: [id, "git ao restore \(id)"])
    }
}
