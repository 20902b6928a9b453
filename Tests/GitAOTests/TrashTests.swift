import AOTestSupport
import Foundation
import Glibc
import Testing

/// A worktree removal that is killed half-way leaves nothing behind: the worktree is moved into
/// `.ao-trash` in the worktree root first, and what a kill -9 leaves there is cleanup's to delete.
@Suite("removal cut short")
struct TrashTests {
    let fm = FileManager.default

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Writes `count` small files under `directory`, 200 to a folder.
    func writeFiles(_ count: Int, under directory: String) {
        for n in 0..<count {
            let folder = directory + "/d\(n / 200)"
            if n % 200 == 0 { mkdir(directory, 0o755); mkdir(folder, 0o755) }
            let fd = open(folder + "/f\(n)", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = write(fd, "x\n", 2)
            close(fd)
        }
    }

    func doctorFindings(_ s: Scenario) throws -> [[String: Any]] {
        try s.ao("doctor", "--json").json()["findings"] as? [[String: Any]] ?? []
    }

    @Test("SIGKILL of git ao kill while it deletes a 20,000-file worktree: nothing at its path, git has no entry, the next cleanup deletes the rest",
          .timeLimit(.minutes(15)))
    func killedWhileDeleting() throws {
        let s = try Scenario("trash-kill9", files: ["README.md": "hello\n", ".gitignore": "build/\n"])
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id).path
        // Ignored files keep the worktree clean (kill removes it) and take a while to delete.
        writeFiles(20_000, under: worktree + "/build")
        let admins = try fm.contentsOfDirectory(atPath: s.repo.appendingPathComponent(".git/worktrees").path)
        #expect(admins.count == 1)
        let admin = s.repo.appendingPathComponent(".git/worktrees/\(admins[0])").path
        let trash = URL(fileURLWithPath: worktree).deletingLastPathComponent().appendingPathComponent(".ao-trash").path

        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = ["kill", id]
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Git's entry is pruned only once the worktree is out of the way: the delete has begun
        // (libgit2's own prune deletes the entry first, then the files, at the worktree's path).
        var killed = false
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            if !exists(admin) {
                kill(process.processIdentifier, SIGKILL)
                killed = true
                break
            }
            usleep(200)
        }
        process.waitUntilExit()
        try #require(killed, "the removal finished before it could be cut short (status \(process.terminationStatus))")
        #expect(process.terminationReason == .uncaughtSignal)

        #expect(!exists(worktree), "a folder is left at the worktree's path: \((try? fm.contentsOfDirectory(atPath: worktree)) ?? [])")
        #expect(try !s.env.git(["worktree", "list", "--porcelain"], in: s.repo).contains(worktree))
        let name = try #require((try? fm.contentsOfDirectory(atPath: trash))?.first { $0 != "README" }, "nothing in the trash: the kill came after the delete")
        let cut = trash + "/" + name
        let left = (fm.enumerator(atPath: cut)?.allObjects.count) ?? 0
        #expect(left > 0 && left < 20_000 + 200, "\(left) entries left in the trash")

        // doctor: a leftover cleanup deletes, not a problem.
        let findings = try doctorFindings(s)
        let trashFindings = findings.filter { ($0["check"] as? String) == "worktree trash" }
        #expect(trashFindings.count == 1 && trashFindings.first?["level"] as? String == "note", "\(findings)")
        #expect((trashFindings.first?["detail"] as? String)?.contains((cut as NSString).lastPathComponent) == true, "\(trashFindings)")
        #expect(!findings.contains { ($0["level"] as? String) == "problem" && "\($0)".contains(worktree) }, "\(findings)")

        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.succeeded, "\(cleanup)")
        #expect(!cleanup.stdout.contains("not a worktree"), "\(cleanup)")
        #expect(cleanup.stdout.contains("deleted \(cut)"), "\(cleanup)")
        #expect(!exists(trash), "trash left: \((try? fm.contentsOfDirectory(atPath: trash)) ?? [])")
        #expect(try s.session(id)["cleaned_at"] is String)
        let prune = try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo)
        #expect(prune.stdout.isEmpty && prune.stderr.isEmpty, "\(prune)")
        #expect(try s.ao("cleanup", "-y").stdout.contains("Nothing to clean up"))
        #expect(!(try doctorFindings(s)).contains { ($0["check"] as? String) == "worktree trash" })
    }

    @Test("killed after the rename, before the prune: git lists the entry as prunable, and the next cleanup prunes it and deletes the trash")
    func killedAfterRename() throws {
        let s = try Scenario("trash-renamed")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        // An untracked file keeps the worktree through kill; then it is put where a removal
        // killed right after its rename leaves it.
        try s.env.write("draft\n", to: worktree.appendingPathComponent("draft.txt"))
        let kill = try s.ao("kill", id)
        #expect(kill.stdout.contains("Kept its worktree"), "\(kill)")
        let trash = worktree.deletingLastPathComponent().appendingPathComponent(".ao-trash").path
        #expect(mkdir(trash, 0o700) == 0)
        let entry = trash + "/" + worktree.lastPathComponent + ".00c0ffee00c0ffee"
        #expect(rename(worktree.path, entry) == 0)
        #expect(try s.env.git(["worktree", "list", "--porcelain"], in: s.repo).contains("prunable"))

        let cleanup = try s.ao("cleanup", "-y")
        #expect(cleanup.succeeded, "\(cleanup)")
        #expect(!cleanup.stdout.contains("not a worktree"), "\(cleanup)")
        #expect(cleanup.stdout.contains("removed \(id)"), "\(cleanup)")
        #expect(cleanup.stdout.contains("deleted \(entry)"), "\(cleanup)")
        #expect(try !s.env.git(["worktree", "list", "--porcelain"], in: s.repo).contains(worktree.path))
        #expect(!exists(trash))
        let prune = try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo)
        #expect(prune.stdout.isEmpty && prune.stderr.isEmpty, "\(prune)")
    }

    @Test("restore after a removal killed right after its rename: the worktree comes back at its path, git's stale entry goes")
    func restoreAfterRename() throws {
        let s = try Scenario("trash-restore")
        defer { s.close() }
        let id = try s.spawn()
        let worktree = try s.worktreePath(of: id)
        try s.env.write("draft\n", to: worktree.appendingPathComponent("draft.txt"))
        #expect(try s.ao("kill", id).stdout.contains("Kept its worktree"))
        let trash = worktree.deletingLastPathComponent().appendingPathComponent(".ao-trash").path
        #expect(mkdir(trash, 0o700) == 0)
        #expect(rename(worktree.path, trash + "/" + worktree.lastPathComponent + ".00c0ffee00c0ffee") == 0)

        let restore = try s.ao("restore", id)
        #expect(restore.succeeded, "\(restore)")
        #expect(exists(worktree.appendingPathComponent(".git").path))
        let listed = try s.worktrees().filter { $0.path == worktree.path }
        let list = try s.env.git(["worktree", "list", "--porcelain"], in: s.repo)
        #expect(listed.count == 1, "\(list)")
        let prune = try s.env.run(["git", "worktree", "prune", "-n", "-v"], in: s.repo)
        #expect(prune.stdout.isEmpty && prune.stderr.isEmpty, "\(prune)")
    }

    @Test("cleanup's sweep deletes only git-ao's entries: a user's files beside the trash and in it, and links' targets, stay")
    func sweepSparesTheUser() throws {
        let s = try Scenario("trash-user")
        defer { s.close() }
        let id = try s.spawn()
        let root = try s.worktreePath(of: id).deletingLastPathComponent()
        #expect(try s.ao("kill", id).succeeded)
        let outside = s.env.root.appendingPathComponent("outside")
        try s.env.write("precious\n", to: outside.appendingPathComponent("precious.txt"))
        // Beside the trash, in the worktree root: even a name shaped like a trash entry.
        try s.env.write("notes\n", to: root.appendingPathComponent("notes.txt"))
        try s.env.write("mine\n", to: root.appendingPathComponent("build.0123456789abcdef/file"))
        // In the trash: a user's file, a link named like an entry, and a real leftover with links out.
        let trash = root.appendingPathComponent(".ao-trash")
        try s.env.write("mine\n", to: trash.appendingPathComponent("mine.txt"))
        let link = trash.appendingPathComponent("link.0123456789abcdef").path
        try fm.createSymbolicLink(atPath: link, withDestinationPath: outside.path)
        let ours = trash.appendingPathComponent("ao-x.fedcba9876543210")
        try s.env.write("rest\n", to: ours.appendingPathComponent("src/rest.txt"))
        try fm.createSymbolicLink(atPath: ours.appendingPathComponent("escape").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(atPath: ours.appendingPathComponent("src/up").path, withDestinationPath: outside.appendingPathComponent("precious.txt").path)

        let dryRun = try s.ao("cleanup", "--dry-run")
        #expect(dryRun.stdout.contains("would delete \(ours.path)"), "\(dryRun)")
        #expect(exists(ours.path))
        let notes = try doctorFindings(s).filter { ($0["check"] as? String) == "worktree trash" }.compactMap { $0["detail"] as? String }
        #expect(notes.contains { $0.contains("ao-x.fedcba9876543210") }, "\(notes)")
        #expect(notes.contains { $0.contains("git-ao did not put there") && $0.contains("mine.txt") && $0.contains("link.0123456789abcdef") }, "\(notes)")

        let cleanup = try s.ao("cleanup", "-y", "--json")
        #expect(cleanup.succeeded, "\(cleanup)")
        let swept = try cleanup.json()["trash"] as? [[String: String]]
        #expect(swept == [["path": ours.path, "action": "deleted"]], "\(cleanup)")
        #expect(!exists(ours.path))
        #expect(s.env.read(outside.appendingPathComponent("precious.txt")) == "precious\n")
        #expect(s.env.read(root.appendingPathComponent("notes.txt")) == "notes\n")
        #expect(s.env.read(root.appendingPathComponent("build.0123456789abcdef/file")) == "mine\n")
        #expect(s.env.read(trash.appendingPathComponent("mine.txt")) == "mine\n")
        #expect(try fm.destinationOfSymbolicLink(atPath: link) == outside.path)
    }
}
