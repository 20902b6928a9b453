import AOTestSupport
import Foundation
import Glibc
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

    @Test("a long but valid branch gets a worktree folder below NAME_MAX: a readable prefix and a hash")
    func longBranch() throws {
        let s = try Scenario("long-branch")
        defer { s.close() }
        let long = String(repeating: "x", count: 200) + "/" + String(repeating: "y", count: 200)
        let other = String(repeating: "x", count: 200) + "/" + String(repeating: "y", count: 199) + "z"
        let id = try s.spawn("--branch", long)
        let second = try s.spawn("--branch", other)
        let folder = try s.worktreePath(of: id).lastPathComponent
        let folder2 = try s.worktreePath(of: second).lastPathComponent
        #expect(folder.utf8.count <= 100 && folder.hasPrefix(String(repeating: "x", count: 80)), "\(folder)")
        #expect(folder != folder2)
        #expect(try s.session(id)["branch"] as? String == long)
        #expect(try s.worktrees().contains { $0.branch == long })
    }

    @Test("an included absolute symbolic link into the repository points into the NEW worktree, relative, never at the main one")
    func includedAbsoluteLinks() throws {
        let s = try Scenario("inc-abs-link", files: [
            "README.md": "hello\n", ".gitignore": ".env\nlink-*\n", "src/a.txt": "a\n",
            ".worktreeinclude": ".env\nlink-abs\nlink-dir\nsrc/link-up\n",
        ])
        defer { s.close() }
        try s.env.write("SECRET=main\n", to: s.repo.appendingPathComponent(".env"))
        let fm = FileManager.default
        try fm.createSymbolicLink(atPath: s.repo.appendingPathComponent("link-abs").path, withDestinationPath: s.repo.appendingPathComponent(".env").path)
        try fm.createSymbolicLink(atPath: s.repo.appendingPathComponent("link-dir").path, withDestinationPath: s.repo.appendingPathComponent("src").path)
        try s.env.write("src/link-up\n", to: s.repo.appendingPathComponent(".git/info/exclude"))
        try fm.createSymbolicLink(atPath: s.repo.appendingPathComponent("src/link-up").path, withDestinationPath: "../../repo/.env")
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        #expect(try fm.destinationOfSymbolicLink(atPath: worktree.appendingPathComponent("link-abs").path) == ".env")
        #expect(try fm.destinationOfSymbolicLink(atPath: worktree.appendingPathComponent("link-dir").path) == "src")
        #expect(try fm.destinationOfSymbolicLink(atPath: worktree.appendingPathComponent("src/link-up").path) == "../.env")
        let real = TestEnvironment.realPath(worktree.path)
        #expect(TestEnvironment.realPath(worktree.appendingPathComponent("link-abs").path) == real + "/.env")
        #expect(TestEnvironment.realPath(worktree.appendingPathComponent("link-dir").path) == real + "/src")
        #expect(TestEnvironment.realPath(worktree.appendingPathComponent("src/link-up").path) == real + "/.env")
    }

    @Test("a rollback after the setup step ends what the step left running in the background")
    func setupChildrenEndWithRollback() throws {
        let s = try Scenario("setup-bg")
        defer { s.close() }
        let pidFile = s.env.root.appendingPathComponent("bg.pid")
        try s.env.installScript("bg-setup", "#!/bin/sh\nsleep 77 &\necho $! > '\(pidFile.path)'\necho done\n")
        try s.env.git(["config", "ao.spawn.setup", "bg-setup"], in: s.repo)
        try s.env.write("x", to: s.env.root.appendingPathComponent("not-a-dir"))
        // tmux cannot create its socket: the spawn fails after the setup step and rolls back.
        let result = try s.ao(arguments: ["spawn", "--no-attach"], environment: ["TMUX_TMPDIR": s.env.root.appendingPathComponent("not-a-dir").path])
        #expect(!result.succeeded)
        #expect(result.stderr.contains("ended what the setup step left running"), "\(result.stderr)")
        let pid = Int32(s.env.read(pidFile)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect(pid > 1)
        defer { if pid > 1 { kill(pid, SIGKILL) } }
        try s.env.eventually("the background sleep ends") {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return stat.isEmpty || stat.contains(") Z ")
        }
    }

    @Test("cleanup archives a tip only when no ref that stays holds it")
    func cleanupArchivesOnlyWhatWouldBeLost() throws {
        let s = try Scenario("cleanup-archive")
        defer { s.close() }
        try s.env.git(["branch", "feature"], in: s.repo)
        let onBase = try s.spawn()
        let orphaned = try s.spawn("--base", "feature")
        try s.env.git(["branch", "-D", "feature"], in: s.repo) // nothing that stays holds its tip now
        try s.ao("kill", onBase)
        try s.ao("kill", orphaned)
        let result = try s.ao("cleanup", "-y")
        #expect(result.succeeded, "\(result)")
        #expect(result.stdout.contains("no archive: tip"), "\(result.stdout)")
        let archives = try s.env.git(["for-each-ref", "--format=%(refname)", "refs/ao/archive/"], in: s.repo)
        #expect(archives.trimmingCharacters(in: .whitespacesAndNewlines) == "refs/ao/archive/\(orphaned)", "\(archives)")
        #expect(try s.ao("restore", onBase).succeeded)
        #expect(try s.ao("restore", orphaned).succeeded)
    }

    @Test("included files keep their holes, and one over ao.spawn.includeMaxSize is skipped with a warning and an event")
    func sparseAndHugeIncludedFiles() throws {
        let s = try Scenario("inc-sparse", files: ["README.md": "hello\n", ".gitignore": "*.bin\n", ".worktreeinclude": "*.bin\n"])
        defer { s.close() }
        func makeSparse(_ name: String, size: Int64) throws {
            let path = s.repo.appendingPathComponent(name).path
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            #expect(fd >= 0)
            defer { close(fd) }
            #expect(ftruncate(fd, off_t(size)) == 0)
            #expect(pwrite(fd, "middle", 6, off_t(size / 2)) == 6)
        }
        try makeSparse("sparse.bin", size: 64 << 20)
        try makeSparse("huge.bin", size: 200 << 20)
        let result = try s.ao("spawn", "--no-attach")
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worktree = try s.worktreePath(of: id)
        #expect(result.stderr.contains("did not copy huge.bin: it is 200 MiB, over ao.spawn.includeMaxSize (100 MiB)"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: worktree.appendingPathComponent("huge.bin").path))
        let events = try s.ao("events", "--session", id, "--json")
        #expect(events.stdout.contains("huge.bin: it is 200 MiB"), "\(events.stdout)")
        var info = stat()
        #expect(stat(worktree.appendingPathComponent("sparse.bin").path, &info) == 0)
        #expect(info.st_size == 64 << 20)
        #expect(Int64(info.st_blocks) * 512 < 4 << 20, "the copy is dense: \(info.st_blocks) blocks")
        let handle = try FileHandle(forReadingFrom: worktree.appendingPathComponent("sparse.bin"))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(32 << 20))
        #expect(String(decoding: try handle.read(upToCount: 6) ?? Data(), as: UTF8.self) == "middle")

        try s.env.git(["config", "ao.spawn.includeMaxSize", "nonsense"], in: s.repo)
        expectError(try s.ao("spawn", "--no-attach"), "INVALID_CONFIG", mentioning: ["ao.spawn.includeMaxSize"])
    }
}
