import AOTestSupport
import Foundation
import Testing

/// Two `spawn --issue N` at once: whatever step the loser was at when the winner made its
/// worktree, it is told ISSUE_HAS_LIVE_SESSION with the winner's id, and leaves nothing behind.
@Suite("spawn --issue: the loser of a race", .timeLimit(.minutes(15)))
struct IssueSpawnRaceTests {
    typealias World = ForgeObservationTests.World

    func world(_ label: String) throws -> World {
        let w = try World(label)
        try w.s.env.git(["config", "ao.intake.enabled", "true"], in: w.s.repo)
        try w.s.env.git(["config", "ao.intake.labels", "ai"], in: w.s.repo)
        return w
    }

    /// Processes whose command line holds every one of `words`.
    static func processes(with words: [String]) -> [pid_t] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return all.compactMap { name -> pid_t? in
            guard let pid = pid_t(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline") else { return nil }
            let line = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\0", with: " ")
            return words.allSatisfy { line.contains($0) } ? pid : nil
        }
    }

    @Test("the loser past the issue check when the winner (spawn --issue, or intake) makes its worktree gets ISSUE_HAS_LIVE_SESSION, not BRANCH_CHECKED_OUT_ELSEWHERE",
          arguments: ["spawn", "intake"])
    func loserAfterWinnersWorktree(winnerKind: String) throws {
        let w = try world("issue-race-\(winnerKind)")
        defer { w.close() }
        let issue = GitHubFixtures.issue(number: 24, title: "Race me", labels: ["ai"])
        w.server.expect("/repos/acme/widgets/issues/24", times: winnerKind == "spawn" ? 2 : 1, .json(issue))
        if winnerKind == "intake" { w.server.expect("/repos/acme/widgets/issues?state=open&labels=ai&per_page=100", .json([issue])) }

        // The barrier: the loser's tmux server (a real one, on a socket of its own) is stopped,
        // so the loser waits in its first tmux query, which comes after the issue check and
        // before it plans its branch and worktree. The winner runs whole meanwhile.
        let loserTmux = w.s.env.root.appendingPathComponent("loser-tmux")
        let socket = loserTmux.appendingPathComponent("tmux-\(getuid())/default").path
        // git-ao starts that server (a test never starts one itself: see ProcessRunner).
        let bystander = try w.s.spawn("--name", "bystander", environment: ["TMUX_TMPDIR": loserTmux.path])
        let serverPID = try #require(pid_t(try w.s.env.run(["tmux", "-S", socket, "display-message", "-p", "#{pid}"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        kill(serverPID, SIGSTOP)
        defer {
            kill(serverPID, SIGCONT)
            _ = try? w.s.ao("kill", bystander)
        }

        let loser = ResultBox()
        let done = DispatchSemaphore(value: 0)
        let environment = w.github.merging(["TMUX_TMPDIR": loserTmux.path]) { _, new in new }
        Thread.detachNewThread {
            loser.append(try? w.s.ao(arguments: ["spawn", "--no-attach", "--issue", "24"], environment: environment))
            done.signal()
        }
        try w.s.env.eventually("the loser to wait in its tmux query", timeout: 30) {
            !IssueSpawnRaceTests.processes(with: [socket, "list-sessions"]).isEmpty
        }
        let winnerID: String
        if winnerKind == "spawn" {
            let winner = try w.s.ao(arguments: ["spawn", "--no-attach", "--json", "--issue", "24"], environment: w.github)
            #expect(winner.succeeded, "\(winner)")
            winnerID = try #require(try winner.json()["id"] as? String)
        } else {
            let intake = try w.s.ao(arguments: ["intake", "--json"], environment: w.github)
            let spawned = (try intake.json()["issues"] as? [[String: Any]])?.first { $0["number"] as? Int == 24 }
            winnerID = try #require(spawned?["session"] as? String, "\(intake)")
        }
        kill(serverPID, SIGCONT)
        #expect(done.wait(timeout: .now() + 90) == .success, "the loser never finished")

        let result = try #require(loser.all.first ?? nil)
        expectError(result, "ISSUE_HAS_LIVE_SESSION", mentioning: [winnerID, "#24"])
        // No orphan: one row, one session worktree and branch, the winner's tmux session only.
        #expect(try w.s.sql("SELECT count(*) FROM sessions").trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        let worktrees = try w.s.worktrees()
        #expect(worktrees.count == 3 && worktrees.contains { $0.branch == "ao/issue-24-race-me" }, "\(worktrees)")
        let branches = try w.s.branches().filter { $0.hasPrefix("refs/heads/ao/") }
        #expect(branches == ["refs/heads/ao/\(bystander)", "refs/heads/ao/issue-24-race-me"].sorted(), "\(branches)")
        #expect(try w.s.tmuxSessions() == ["ao-\(winnerID)"])
        let loserSessions = try w.s.env.run(["tmux", "-S", socket, "list-sessions", "-F", "#{session_name}"]).stdout
        #expect(loserSessions.trimmingCharacters(in: .whitespacesAndNewlines) == "ao-\(bystander)", "\(loserSessions)")
        try w.server.verify()
    }

    @Test("two spawn --issue started together, several times: one wins, the other names it, nothing is left behind")
    func startedTogether() throws {
        let w = try world("issue-race-together")
        defer { w.close() }
        let rounds = 4
        for round in 0..<rounds {
            let number = 40 + round
            w.server.expect("/repos/acme/widgets/issues/\(number)", times: 2, .json(GitHubFixtures.issue(number: number, title: "Round \(round)", labels: ["ai"])))
            let results = ResultBox()
            DispatchQueue.concurrentPerform(iterations: 2) { _ in
                results.append(try? w.s.ao(arguments: ["spawn", "--no-attach", "--json", "--issue", String(number)], environment: w.github))
            }
            let all = results.all.compactMap { $0 }
            let won = all.filter(\.succeeded), lost = all.filter { !$0.succeeded }
            #expect(won.count == 1 && lost.count == 1, "round \(round): \(all)")
            guard let winner = won.first, let loser = lost.first, let id = try winner.json()["id"] as? String else { continue }
            expectError(loser, "ISSUE_HAS_LIVE_SESSION", mentioning: [id, "#\(number)"])
        }
        #expect(try w.s.sql("SELECT count(*) FROM sessions").trimmingCharacters(in: .whitespacesAndNewlines) == String(rounds))
        #expect(try w.s.worktrees().count == rounds + 1)
        #expect(try w.s.branches().filter { $0.hasPrefix("refs/heads/ao/") }.count == rounds)
        #expect(try w.s.tmuxSessions().count == rounds)
        try w.server.verify()
    }
}
