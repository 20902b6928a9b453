import AOTestSupport
import Foundation
import Testing

/// Spawn says where it started: the base (ref and short sha) on stderr, `base` in --json; of the
/// local branch and its remote-tracking branch, the newer when one contains the other.
@Suite("spawn base")
struct SpawnBaseTests {
    func commit(_ s: Scenario, _ file: String, in directory: URL) throws -> String {
        try s.env.write("\(file)\n", to: directory.appendingPathComponent(file))
        try s.env.git(["add", file], in: directory)
        try s.env.git(["commit", "-qm", file], in: directory)
        return try s.env.git(["rev-parse", "HEAD"], in: directory).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("local main ahead of origin/main: the session starts from local main, and spawn says so", .timeLimit(.minutes(15)))
    func localAhead() throws {
        let s = try Scenario("base-local")
        defer { s.close() }
        let tip = try commit(s, "setup.sh", in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "-q", "--prompt", "task")
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!id.contains("\n") && !id.isEmpty, "-q prints the id alone: \(result.stdout)")
        #expect(result.stderr.contains("base: main (\(tip.prefix(7)))"), "\(result.stderr)")
        #expect(result.stderr.contains("main is 1 commit ahead of origin/main"), "\(result.stderr)")
        #expect(try s.session(id)["base_sha"] as? String == tip)
        #expect(FileManager.default.fileExists(atPath: try s.worktreePath(of: id).appendingPathComponent("setup.sh").path))

        let json = try s.ao("spawn", "--no-attach", "--json", "--prompt", "task 2").json()
        let base = json["base"] as? [String: Any]
        #expect(base?["ref"] as? String == "main" && base?["sha"] as? String == tip, "\(json)")
    }

    @Test("origin/main ahead of local main: origin/main; diverged: origin/main, and why", .timeLimit(.minutes(15)))
    func remoteAheadAndDiverged() throws {
        let s = try Scenario("base-remote")
        defer { s.close() }
        let origin = try s.env.git(["remote", "get-url", "origin"], in: s.repo).trimmingCharacters(in: .whitespacesAndNewlines)
        let other = s.env.root.appendingPathComponent("other")
        try s.env.git(["clone", "-q", origin, other.path], in: s.env.root)
        let remoteTip = try commit(s, "theirs.txt", in: other)
        try s.env.git(["push", "-q", "origin", "HEAD:main"], in: other)
        try s.env.git(["fetch", "-q", "origin"], in: s.repo)

        let newer = try s.ao("spawn", "--no-attach", "--prompt", "task")
        #expect(newer.succeeded, "\(newer)")
        #expect(newer.stderr.contains("base: origin/main (\(remoteTip.prefix(7)))"), "\(newer.stderr)")
        #expect(!newer.stderr.contains("diverged"), "\(newer.stderr)")

        _ = try commit(s, "mine.txt", in: s.repo)
        let diverged = try s.ao("spawn", "--no-attach", "--json", "--prompt", "task")
        #expect(diverged.succeeded, "\(diverged)")
        #expect(diverged.stderr.contains("main and origin/main have diverged"), "\(diverged.stderr)")
        #expect(diverged.stderr.contains("--base main"), "says how to take the other: \(diverged.stderr)")
        let base = try diverged.json()["base"] as? [String: Any]
        #expect(base?["ref"] as? String == "origin/main" && base?["sha"] as? String == remoteTip, "\(String(describing: base))")
        #expect((base?["reason"] as? String)?.contains("diverged") == true, "\(String(describing: base))")
    }

    @Test("spawn from inside a session's worktree bases on that session's branch, and says so", .timeLimit(.minutes(15)))
    func insideSession() throws {
        let s = try Scenario("base-inside")
        defer { s.close() }
        let first = try s.spawn("--prompt", "task")
        let worktree = try s.worktreePath(of: first)
        let tip = try commit(s, "agent.txt", in: worktree)
        let result = try s.ao(arguments: ["spawn", "--no-attach", "--prompt", "stacked"], in: worktree)
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(result.stderr.contains("base: ao/\(first) (\(tip.prefix(7)))"), "\(result.stderr)")
        #expect(result.stderr.contains("session \(first)"), "\(result.stderr)")
        #expect(try s.session(id)["base_ref"] as? String == "ao/\(first)")
        #expect(try s.session(id)["base_sha"] as? String == tip)
    }
}
