import AOTestSupport
import Foundation
import Testing

/// Issue 7, Tests: six processes interleave spawn, kill, signals (`git ao signal` from agents'
/// hooks, and SIGTERM/SIGKILL to spawns in flight), send, observe and status on one repository;
/// afterwards the world is consistent.
@Suite("chaos")
struct ChaosTests {
    /// Shared between the workers.
    final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var commits: Set<String> = []
        private var problems: [String] = []
        private var counts: [String: Int] = [:]

        func commit(_ sha: String) { lock.lock(); commits.insert(sha); lock.unlock() }
        func problem(_ text: String) { lock.lock(); problems.append(text); lock.unlock() }
        func count(_ what: String) { lock.lock(); counts[what, default: 0] += 1; lock.unlock() }
        var allCommits: Set<String> { lock.lock(); defer { lock.unlock() }; return commits }
        var allProblems: [String] { lock.lock(); defer { lock.unlock() }; return problems }
        var allCounts: [String: Int] { lock.lock(); defer { lock.unlock() }; return counts }
    }

    /// A git-ao result no command may ever give, whatever ran beside it.
    static func check(_ result: RunResult, _ shared: Shared) {
        let text = result.stdout + result.stderr
        if result.status > 128 && result.status != 130 { shared.problem("crashed (\(result.status)): \(result)") }
        for forbidden in ["Fatal error", "database is locked\n", "could not be checked", "could not remove"] where text.contains(forbidden) {
            shared.problem("'\(forbidden)': \(result)")
        }
        if result.status != 0 && result.errorCode == nil && !result.stderr.isEmpty && !result.stderr.hasPrefix("Usage") {
            shared.problem("an error without a code: \(result)")
        }
    }

    @Test("six processes at once leave every live session whole, no stray tmux session, no lost commit, an intact database",
          .timeLimit(.minutes(15)))
    func chaos() throws {
        let s = try Scenario("chaos")
        defer { s.close() }
        let shared = Shared()
        let deadline = Date().addingTimeInterval(30)
        let binary = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")

        @Sendable func liveSessions() -> [(id: String, worktree: String)] {
            guard let result = try? s.ao("status", "--json") else { return [] }
            ChaosTests.check(result, shared)
            let list = ((try? result.json())?["sessions"] as? [[String: Any]]) ?? []
            return list.compactMap { entry in
                guard let id = entry["id"] as? String, let worktree = entry["worktree"] as? String else { return nil }
                return (id, worktree)
            }
        }

        // Six real threads (concurrentPerform would run only as many as there are cores).
        let group = DispatchGroup()
        for worker in 0..<6 {
          group.enter()
          Thread.detachNewThread {
            defer { group.leave() }
            var random = SystemRandomNumberGenerator()
            while Date() < deadline {
                do {
                    switch worker {
                    case 0:  // spawn, then work in the new worktree (commits that must never be lost)
                        if liveSessions().count >= 6 { Thread.sleep(forTimeInterval: 0.2); continue }
                        let agent = Bool.random(using: &random) ? "fake" : "hooked"
                        let result = try s.ao("spawn", "--no-attach", "--agent", agent, "--prompt", "task \(Int.random(in: 0..<1000, using: &random))")
                        ChaosTests.check(result, shared)
                        shared.count("spawn \(result.status)")
                        for session in liveSessions().shuffled(using: &random).prefix(2) {
                            let worktree = URL(fileURLWithPath: session.worktree)
                            // The worktree may be removed by a kill at any moment: then there is nothing to commit.
                            guard let commit = try? s.env.run(["git", "commit", "-q", "--allow-empty", "-m", "work in \(session.id)"], in: worktree) else { continue }
                            // A worktree removed between the two commands answers with an error
                            // (and prints "HEAD"): only a real sha counts.
                            if commit.succeeded, let read = try? s.env.run(["git", "rev-parse", "--verify", "-q", "HEAD"], in: worktree), read.succeeded {
                                let sha = read.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                                if sha.count == 40 { shared.commit(sha) }
                            }
                        }
                    case 1:  // kill, sometimes cleanup
                        if let victim = liveSessions().randomElement(using: &random) {
                            let result = try s.ao("kill", victim.id)
                            ChaosTests.check(result, shared)
                            if result.stdout.contains("could not be") {
                                shared.problem("events of \(victim.id): " + ((try? s.ao("events", "--session", victim.id, "-n", "100").stdout) ?? ""))
                            }
                            shared.count("kill \(result.status)")
                        }
                        if Int.random(in: 0..<4, using: &random) == 0 {
                            let result = try s.ao("cleanup", "-y")
                            ChaosTests.check(result, shared)
                            shared.count("cleanup \(result.status)")
                        }
                        Thread.sleep(forTimeInterval: Double.random(in: 0.1...0.6, using: &random))
                    case 2:  // a spawn cut short by SIGTERM or SIGKILL, and agents' hook signals
                        let process = Process()
                        process.executableURL = binary
                        process.arguments = ["spawn", "--no-attach", "--prompt", "cut short"]
                        process.environment = s.env.environment
                        process.currentDirectoryURL = s.repo
                        process.standardInput = FileHandle.nullDevice
                        process.standardOutput = FileHandle.nullDevice
                        process.standardError = FileHandle.nullDevice
                        try process.run()
                        Thread.sleep(forTimeInterval: Double.random(in: 0...0.5, using: &random))
                        let signal = Bool.random(using: &random) ? SIGKILL : SIGTERM
                        kill(process.processIdentifier, signal)
                        process.waitUntilExit()
                        shared.count(signal == SIGKILL ? "spawn SIGKILL" : "spawn SIGTERM")
                        if let target = liveSessions().randomElement(using: &random) {
                            let result = try? s.env.run(["git-ao", "signal", "hooked", ["active", "idle", "waiting_input"].randomElement(using: &random)!],
                                                       in: URL(fileURLWithPath: target.worktree), input: "{}",
                                                       environment: ["AO_SESSION_ID": target.id, "AO_REPO": s.repo.appendingPathComponent(".git").path])
                            shared.count("signal \(result.map { String($0.status) } ?? "no worktree")")
                        }
                    case 3:  // send
                        if let target = liveSessions().randomElement(using: &random) {
                            let result = try s.ao(arguments: ["send"] + (Bool.random(using: &random) ? ["--queue"] : []) + [target.id, "message \(Int.random(in: 0..<100, using: &random))"])
                            ChaosTests.check(result, shared)
                            shared.count("send \(result.status)")
                        } else {
                            Thread.sleep(forTimeInterval: 0.2)
                        }
                    case 4:  // observe
                        let result = try s.ao("observe")
                        ChaosTests.check(result, shared)
                        shared.count("observe \(result.status)")
                        Thread.sleep(forTimeInterval: 0.3)
                    default:  // status
                        let result = try s.ao("status", "--all", "-v")
                        ChaosTests.check(result, shared)
                        shared.count("status \(result.status)")
                        Thread.sleep(forTimeInterval: 0.2)
                    }
                } catch {
                    shared.problem("worker \(worker): \(error)")
                }
            }
          }
        }
        group.wait()

        // Spawns cut short are abandoned: a pass after the grace period undoes them.
        Thread.sleep(forTimeInterval: 5.5)
        try s.observe()
        try s.observe()

        let problems = shared.allProblems
        #expect(problems.isEmpty, "\(problems.prefix(5).joined(separator: "\n---\n"))")
        let counts = shared.allCounts
        #expect(counts.keys.contains { $0.hasPrefix("spawn 0") }, "no spawn succeeded: \(counts)")

        // Every live session has its worktree and its tmux session; no ao-* tmux session without one.
        let sessions = try s.sessions()
        let live = sessions.filter { ($0.value["terminated"] as? Bool) == false }
        let tmux = Set(try s.tmuxSessions())
        for (id, session) in live {
            #expect(FileManager.default.fileExists(atPath: session["worktree"] as? String ?? "/nonexistent"), "live session \(id) lost its worktree: \(session)")
            #expect(tmux.contains("ao-\(id)"), "live session \(id) has no tmux session: \(session)")
        }
        let stray = tmux.filter { name in name.hasPrefix("ao-") && !live.keys.contains { "ao-\($0)" == name } }
        #expect(stray.isEmpty, "tmux sessions without a live session: \(stray)")

        // No commit that was reachable became unreachable.
        let reachable = Set(try s.env.git(["rev-list", "--all"], in: s.repo).split(separator: "\n").map(String.init))
        let lost = shared.allCommits.subtracting(reachable)
        #expect(lost.isEmpty, "unreachable commits: \(lost)")

        #expect(try s.sql("PRAGMA integrity_check;").trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        // Worktrees git knows are all present (no half-made admin entries).
        let prune = try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo)
        let adminRoot = s.repo.appendingPathComponent(".git/worktrees").path
        let admins = ((try? FileManager.default.contentsOfDirectory(atPath: adminRoot)) ?? []).map { name in
            "\(name): \((FileManager.default.enumerator(atPath: adminRoot + "/" + name)?.allObjects as? [String]) ?? [])"
        }
        #expect(prune.stdout.isEmpty && prune.stderr.isEmpty, "git would prune: \(prune.stdout) \(prune.stderr); git's entries: \(admins)")
        print("chaos: \(counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")); \(shared.allCommits.count) commits")
    }
}
