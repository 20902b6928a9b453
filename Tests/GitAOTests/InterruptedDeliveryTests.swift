import AOTestSupport
import Foundation
import Testing

/// What a delivery does with what a killed deliverer left behind, set up exactly rather than by
/// a lucky kill (the chaos tests do that).
@Suite("interrupted delivery")
struct InterruptedDeliveryTests {
    /// Never reads its terminal after it started.
    static let frozenAgent = """
        #!/usr/bin/env python3
        import os, time, tty
        tty.setraw(0)
        os.write(1, b"frozen agent ready\\r\\n> ")
        time.sleep(3600)
        """

    @Test("text a killed deliverer left unread in a stuck agent's terminal: nothing more is typed, AGENT_BUSY", .timeLimit(.minutes(15)))
    func unreadPaste() throws {
        let s = try Scenario("deliver-unread")
        defer { s.close() }
        try s.env.installScript("frozen-agent", Self.frozenAgent)
        try s.env.git(["config", "ao.agent.frozen.command", "frozen-agent"], in: s.repo)
        let id = try s.spawn("--agent", "frozen")
        try s.env.eventually("the agent ready") {
            try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("frozen agent ready")
        }
        // What a deliverer killed right after its paste leaves: the text in the terminal, and
        // its journal entry.
        #expect(try s.env.run(["tmux", "send-keys", "-t", "=ao-\(id):", "-l", "pasted before the kill"]).succeeded)
        let journal = s.repo.appendingPathComponent(".git/ao/run/deliver-ao-\(id).journal")
        try s.env.write(#"{"inflight":{"key":"","probe":"pastedbeforethekill","anchor":0,"column":2,"retried":false},"submitted":[]}"#, to: journal)
        let result = try s.ao("send", id, "next message")
        expectError(result, "AGENT_BUSY", mentioning: ["has not read"])
        #expect(s.env.read(journal)?.contains("pastedbeforethekill") == true, "the entry is kept for a later delivery")
    }

    /// The journal entry a deliverer writes before its paste, as a killed one leaves it.
    static func writeJournal(_ s: Scenario, _ id: String, key: String, probe: String, anchor: Int, column: Int, retried: Bool) throws {
        let entry = #"{"inflight":{"key":"\#(key)","probe":"\#(probe)","anchor":\#(anchor),"column":\#(column),"retried":\#(retried)},"submitted":[]}"#
        try s.env.write(entry, to: s.repo.appendingPathComponent(".git/ao/run/deliver-ao-\(id).journal"))
    }

    /// Where the input line is now, as a deliverer notes it before its paste.
    static func anchor(_ s: Scenario, _ id: String) throws -> (row: Int, column: Int) {
        let n = try s.env.run(["tmux", "display-message", "-p", "-t", "=ao-\(id):", "#{history_size} #{cursor_y} #{cursor_x}"]).stdout
            .split(separator: " ").map { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 }
        return (n[0] + n[1], n[2])
    }

    @Test("text a killed deliverer left on the input line is submitted before the next message, not joined to it", .timeLimit(.minutes(15)))
    func leftOnTheLine() throws {
        let s = try Scenario("deliver-left")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let at = try Self.anchor(s, id)
        try Self.writeJournal(s, id, key: "", probe: "leftontheline", anchor: at.row, column: at.column, retried: false)
        #expect(try s.env.run(["tmux", "send-keys", "-t", "=ao-\(id):", "-l", "left on the line"]).succeeded)
        let result = try s.ao("send", id, "next message")
        #expect(result.succeeded, "\(result)")
        try s.env.eventually("both lines") { FakeAgents.received(by: id, in: s.env).count == 2 }
        #expect(FakeAgents.received(by: id, in: s.env) == ["left on the line", "next message"])
    }

    @Test("a queued message a killed pass already submitted is marked delivered by the next pass, not typed again", .timeLimit(.minutes(15)))
    func submittedBeforeTheKill() throws {
        let s = try Scenario("deliver-submitted")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        // The row as send --queue writes it, and what its killed pass did: note, paste, Enter.
        let row = try s.sql("INSERT INTO outbox (session_id, created_at, kind, body, reason) VALUES ('\(id)', 0, 'nudge', 'typed once', 'queued with git ao send --queue'); SELECT last_insert_rowid();")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let at = try Self.anchor(s, id)
        try Self.writeJournal(s, id, key: "outbox:\(row)", probe: "typedonce", anchor: at.row, column: at.column, retried: true)
        #expect(try s.env.run(["tmux", "send-keys", "-t", "=ao-\(id):", "-l", "typed once"]).succeeded)
        #expect(try s.env.run(["tmux", "send-keys", "-t", "=ao-\(id):", "Enter"]).succeeded)
        try s.env.eventually("the agent took it") { FakeAgents.received(by: id, in: s.env) == ["typed once"] }
        try s.observe("--session", id)
        #expect(try s.sql("SELECT delivered_at IS NOT NULL, last_error IS NULL FROM outbox WHERE id = \(row);").trimmingCharacters(in: .whitespacesAndNewlines) == "1|1")
        #expect(try s.sql("SELECT count(*) FROM events WHERE kind = 'nudged' AND data LIKE '%\"recovered\":\"true\"%';").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        // Another pass types nothing either.
        try s.observe("--session", id)
        #expect(try s.ao("send", id, "after").succeeded)
        try s.env.eventually("the next message") { FakeAgents.received(by: id, in: s.env).count == 2 }
        #expect(FakeAgents.received(by: id, in: s.env) == ["typed once", "after"])
    }
}
