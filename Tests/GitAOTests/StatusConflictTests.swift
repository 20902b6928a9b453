import AOTestSupport
import Foundation
import Testing

/// A predicted conflict stays visible beside the status once the agent is busy again.
@Suite("conflict beside the status")
struct StatusConflictTests {
    @Test("a working agent whose branch conflicts shows 'working, conflict' in the table, show and --json", .timeLimit(.minutes(15)))
    func workingWithConflict() throws {
        let s = try Scenario("conflict-working")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked", "--prompt", "task")
        let worktree = try s.worktreePath(of: id)
        try s.env.write("agent\n", to: worktree.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "agent"], in: worktree)
        try s.env.write("main\n", to: s.repo.appendingPathComponent("README.md"))
        try s.env.git(["commit", "-qam", "main"], in: s.repo)
        try s.env.git(["push", "-q", "origin", "main"], in: s.repo)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)
        try s.observe()
        #expect(try s.session(id)["conflict_paths"] as? [String] == ["README.md"])

        // The nudge made the agent busy.
        try s.signal(id, "active")
        let session = try s.session(id)
        #expect(session["status"] as? String == "working", "\(session)")
        #expect(session["conflict"] as? Bool == true, "\(session)")
        let table = try s.ao("status")
        let row = try #require(table.stdout.split(separator: "\n").first { $0.hasPrefix(id) })
        #expect(row.contains("working, conflict"), "\(table.stdout)")
        #expect(try s.ao("status", "-v").stdout.contains("working, conflict"))
        let shown = try s.ao("show", id).stdout
        #expect(shown.contains("status:    working, conflict"), "\(shown)")
    }
}
