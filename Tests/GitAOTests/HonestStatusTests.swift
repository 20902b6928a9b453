import AOTestSupport
import Foundation
import Testing

/// Status never presents an old screen judgment as current (issue 12, "Honest status").
@Suite("honest status", .serialized)
struct HonestStatusTests {
    /// The sqlite3 program has no busy timeout: retry while a background pass holds the database.
    @discardableResult
    func sql(_ s: Scenario, _ statement: String) throws -> String {
        var answer: String?
        try s.env.eventually("the database to be free for: \(statement)", timeout: 30) {
            answer = try? s.sql(statement)
            return answer != nil
        }
        return answer ?? ""
    }

    @Test("a screen judgment older than a pass interval shows its age and starts a pass; hooks and screen are named")
    func staleJudgment() throws {
        let s = try Scenario("honest")
        defer { s.close() }
        let screen = try s.spawn("--prompt", "task")
        let hooked = try s.spawn("--agent", "hooked", "--prompt", "task")
        try s.signal(hooked, "active")
        #expect(try s.observe().succeeded)

        // Fresh: no mark, and the reason names the source.
        let fresh = try s.ao("status", "-v")
        let freshLine = try #require(fresh.stdout.split(separator: "\n").first { $0.hasPrefix(screen) })
        #expect(!freshLine.contains("?"), "\(fresh)")
        #expect(freshLine.contains("judged by its screen"), "\(fresh)")
        #expect(!freshLine.contains("looking again"), "\(fresh)")
        let hookedLine = try #require(fresh.stdout.split(separator: "\n").first { $0.hasPrefix(hooked) })
        #expect(hookedLine.contains("the agent reported activity"), "\(fresh)")

        // The last look was 10 minutes ago: status says so and looks again in the background.
        try sql(s, "UPDATE screen_memory SET at = at - 600000 WHERE session_id = '\(screen)'")
        let before = try sql(s, "SELECT at FROM screen_memory WHERE session_id = '\(screen)'")
        let stale = try s.ao("status", "-v")
        let staleLine = try #require(stale.stdout.split(separator: "\n").first { $0.hasPrefix(screen) })
        #expect(staleLine.contains("working?") || staleLine.contains("idle?"), "\(stale)")
        #expect(staleLine.contains("judged by its screen 10 min ago"), "\(stale)")
        #expect(!(try #require(stale.stdout.split(separator: "\n").first { $0.hasPrefix(hooked) })).contains("?"), "hooks are not screen judgments")
        // Scripts' formats stay as they are.
        #expect(!(try s.ao("status", "--porcelain").stdout.contains("?")))
        try s.env.eventually("the background pass to look again", timeout: 30) {
            try sql(s, "SELECT at FROM screen_memory WHERE session_id = '\(screen)'") != before
        }
        let after = try s.ao("status", "-v")
        #expect(!(try #require(after.stdout.split(separator: "\n").first { $0.hasPrefix(screen) })).contains("?"), "\(after)")
    }
}
