import AOTestSupport
import Foundation
import Testing

/// What an adversarial tester found in worktree and file handling.
@Suite("worktree hardening")
struct WorktreeHardeningTests {
    @Test("eight spawns at once all succeed: no false 'already checked out', no orphan branch, no row without worktree")
    func parallelSpawns() throws {
        // Enough files that a checkout takes a while: libgit2's half-made admin folder lives that long.
        var files: [String: String] = ["README.md": "hello\n"]
        for n in 0..<1500 { files["src/d\(n % 30)/f\(n).txt"] = "line \(n)\n" }
        let s = try Scenario("par-spawn", files: files)
        defer { s.close() }
        _ = try s.spawn("--prompt", "first") // the database and <common-dir>/worktrees exist
        let binary = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        var processes: [(Process, Pipe, Pipe)] = []
        for n in 0..<8 {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["spawn", "--no-attach", "-q", "--prompt", "task \(n)"]
            process.environment = s.env.environment
            process.currentDirectoryURL = s.repo
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            processes.append((process, out, err))
        }
        for (process, _, _) in processes { try process.run() }
        var failures: [String] = []
        for (process, _, err) in processes {
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus != 0 { failures.append(stderr) }
        }
        #expect(failures.isEmpty, "\(failures)")
        let sessions = try s.sessions()
        #expect(sessions.count == 9 - failures.count)
        let branches = try s.branches().filter { $0.hasPrefix("refs/heads/ao/") }
        #expect(Set(branches) == Set(sessions.keys.map { "refs/heads/ao/\($0)" }))
        let worktrees = try s.worktrees()
        #expect(worktrees.count == sessions.count + 1)
        for (id, _) in sessions {
            #expect(FileManager.default.fileExists(atPath: try s.worktreePath(of: id).appendingPathComponent(".git").path))
        }
    }
}
