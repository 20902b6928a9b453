import AOTestSupport
import Foundation
import Platform
import Testing

@Suite("status and show")
struct StatusTests {
    @Test("with no database, status (and plain `git ao`) reports no sessions and creates nothing")
    func emptyRepository() throws {
        let s = try Scenario("status-empty")
        defer { s.close() }
        for arguments in [[], ["status"]] {
            let result = try s.ao(arguments: arguments)
            #expect(result.succeeded)
            #expect(result.stdout.hasPrefix("No sessions."))
        }
        #expect(!FileManager.default.fileExists(atPath: s.repo.appendingPathComponent(".git/ao").path))
        let json = try s.ao("status", "--json").json()
        #expect(json["version"] as? Int == 1)
        #expect((json["sessions"] as? [Any])?.isEmpty == true)
        #expect(try s.ao("status", "--porcelain").stdout == "# ao.version 1\n# ao.sessions 0 0\n")
    }

    @Test("the table, -v, --all with its count line, --porcelain and --json agree")
    func renderings() throws {
        let s = try Scenario("status-render")
        defer { s.close() }
        let a = try s.spawn("--name", "login fix")
        let b = try s.spawn()
        try s.ao("kill", b)

        let table = try s.ao("status")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines[0].split(separator: " ", omittingEmptySubsequences: true) == ["ID", "NAME", "BRANCH", "AGENT", "STATUS", "AGE"])
        #expect(lines[1].hasPrefix(a))
        #expect(lines[1].contains("login fix") && lines[1].contains("ao/\(a)") && lines[1].contains("working"))
        #expect(!table.stdout.contains(b + " "))
        #expect(lines.last == "1 ended session hidden (git ao status --all)")
        #expect(!table.stdout.contains("\u{1B}["), "no colour when not on a terminal")

        let verbose = try s.ao("status", "-v")
        #expect(verbose.stdout.contains("WORKTREE") && verbose.stdout.contains("REASON"))
        #expect(verbose.stdout.contains(try s.worktreePath(of: a).path))
        #expect(verbose.stdout.contains("judged by its screen"), "an agent without hooks reports nothing: \(verbose)")

        let all = try s.ao("status", "--all")
        #expect(all.stdout.contains(b) && all.stdout.contains("terminated"))

        let porcelain = try s.ao("status", "--all", "--porcelain").stdout.split(separator: "\n").map(String.init)
        #expect(porcelain[0] == "# ao.version 1")
        #expect(porcelain[1] == "# ao.sessions 2 0")
        let record = try #require(porcelain.first { $0.hasPrefix("s \(a) ") })
        #expect(record.hasPrefix("s \(a) working fake "))
        #expect(record.hasSuffix(" ao/\(a) \(try s.worktreePath(of: a).path) \"login fix\""))

        let json = try s.ao("status", "--json").json()
        let sessions = json["sessions"] as? [[String: Any]] ?? []
        #expect(sessions.map { $0["id"] as? String } == [a])
        #expect(json["hidden_terminated"] as? Int == 1)
        #expect(sessions[0]["status"] as? String == "working")
        #expect(sessions[0]["prompt"] == nil, "status --json leaves prompts out")
    }

    @Test("a session whose tmux session was killed shows as detecting, with the reason")
    func detecting() throws {
        let s = try Scenario("status-detect")
        defer { s.close() }
        let id = try s.spawn()
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        let result = try s.ao("status", "-v")
        #expect(result.stdout.contains("detecting"))
        #expect(result.stdout.contains("tmux session ao-\(id) is missing; confirming before concluding it is dead"))
    }

    @Test("a tmux session with the same name from another repository is not taken for ours")
    func foreignTmuxSession() throws {
        let s = try Scenario("status-foreign")
        defer { s.close() }
        let id = try s.spawn()
        // A second session keeps the tmux server up, so the test's tmux client below never
        // starts a server (which would hold the test's output pipe open; see ProcessRunner).
        _ = try s.spawn()
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        try s.env.run(["tmux", "new-session", "-d", "-s", "ao-\(id)", "-c", s.env.root.path, "sleep", "60"])
        #expect(try s.session(id)["status"] as? String == "detecting")
    }

    @Test("show prints the session in full with its events; ids, prefixes and names all resolve")
    func show() throws {
        let s = try Scenario("show")
        defer { s.close() }
        let id = try s.spawn("--name", "reviewer", "--prompt", "review it")
        let human = try s.ao("show", id)
        #expect(human.stdout.contains("session \(id) (reviewer)"))
        #expect(human.stdout.contains("prompt:    review it"))
        #expect(human.stdout.contains("seeded") && human.stdout.contains("spawned"))
        let json = try s.ao("show", "--json", "reviewer").json()
        #expect((json["session"] as? [String: Any])?["prompt"] as? String == "review it")
        #expect((json["events"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["seeded", "spawned"])
        #expect(try s.ao("show", String(id.prefix(3))).succeeded)
    }

    @Test("an ambiguous id prefix is refused with the candidates")
    func ambiguous() throws {
        let s = try Scenario("ambiguous")
        defer { s.close() }
        _ = try s.spawn()
        for id in ["qa1111", "qa2222"] {
            try s.sql("INSERT INTO sessions (id, branch, base_ref, base_sha, worktree_path, agent, tmux_name, created_at, updated_at, state, terminal, terminal_reason) VALUES ('\(id)', 'b-\(id)', 'main', 'x', '/nowhere/\(id)', 'fake', 'ao-\(id)', 1, 1, 'terminated', 1, 'killed')")
        }
        expectError(try s.ao("show", "qa"), "SESSION_AMBIGUOUS", mentioning: ["qa1111", "qa2222"])
    }
}
