import AOTestSupport
import Foundation
import Glibc
import Testing
@testable import Worktree

/// Removal through the trash beside the worktree: rename, prune, delete; and sweeps that delete
/// only what git-ao put there.
@Suite("worktree trash")
struct WorktreeTrashTests {
    let env: TestEnvironment
    let repoURL: URL
    /// Where the tests' worktrees go (a session's worktree root).
    let root: URL
    let fm = FileManager.default

    init() throws {
        env = try TestEnvironment("trash")
        repoURL = try env.makeRepository("repo", files: ["README.md": "hello\n", "src/a.txt": "a\n"])
        root = env.root.appendingPathComponent("repo.ao")
        try fm.createDirectory(at: root, withIntermediateDirectories: true)
    }

    func open() throws -> Repository { try Repository.open(at: repoURL.path) }

    var trash: WorktreeTrash { WorktreeTrash(directory: root.appendingPathComponent(".ao-trash").path) }

    /// A worktree made by git in the root.
    func addWorktree(_ name: String) throws -> String {
        let path = root.appendingPathComponent(name).path
        try env.git(["worktree", "add", "-q", "-b", name, path], in: repoURL)
        return path
    }

    func listed(_ path: String) throws -> Bool {
        try env.git(["worktree", "list", "--porcelain"], in: repoURL).contains(path)
    }

    func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    @Test("the trash is beside the worktree; entry names are <label>.<16 hex digits>")
    func names() {
        defer { env.close() }
        #expect(WorktreeTrash.beside("/a/b.ao/ao-x1").directory == "/a/b.ao/.ao-trash")
        #expect(WorktreeTrash.beside("/a/b.ao/ao-x1/").directory == "/a/b.ao/.ao-trash")
        let made = WorktreeTrash.entryName(for: "/r.ao/ánï-x y")
        #expect(WorktreeTrash.isEntryName(made), "\(made)")
        #expect(made.hasPrefix("-n--x-y."), "\(made)")
        #expect(WorktreeTrash.isEntryName(WorktreeTrash.entryName(for: "/r.ao/..." + String(repeating: "z", count: 300))))
        for name in ["ao-x.0123456789abcdef", "a.b.ffffffffffffffff"] { #expect(WorktreeTrash.isEntryName(name), "\(name)") }
        for name in ["README", ".0123456789abcdef", ".x.0123456789abcdef", "x.0123456789ABCDEF", "x.0123456789abcde",
                     "x-0123456789abcdef", "x y.0123456789abcdef", "ü.0123456789abcdef", "x.0123456789abcdefa"] {
            #expect(!WorktreeTrash.isEntryName(name), "\(name)")
        }
    }

    @Test("a removal leaves no folder, no git entry and no trash; libgit2 prunes the entry once the folder has moved")
    func removal() throws {
        defer { env.close() }
        let repo = try open()
        let path = try addWorktree("one")
        try env.write("x\n", to: URL(fileURLWithPath: path).appendingPathComponent("deep/er/file.txt"))
        try repo.removeWorktree(at: path)
        #expect(!exists(path))
        #expect(try !listed(path))
        #expect(!exists(repoURL.appendingPathComponent(".git/worktrees/one").path))
        #expect(!exists(trash.directory), "the trash folder stays: \((try? fm.contentsOfDirectory(atPath: trash.directory)) ?? [])")
        let prune = try env.run(["git", "worktree", "prune", "-n", "-v"], in: repoURL)
        #expect(prune.stdout.isEmpty && prune.stderr.isEmpty, "\(prune)")
        #expect(try env.git(["branch", "--list", "one"], in: repoURL).contains("one"), "the branch is not the worktree's to delete")
    }

    @Test("moving in is one rename into the trash beside the worktree, locked until the entry is deleted")
    func moveIn() throws {
        defer { env.close() }
        let path = try addWorktree("six")
        let moved = try #require(trash.moveIn(path))
        #expect(!exists(path))
        #expect(moved.path.hasPrefix(trash.directory + "/six."))
        #expect(exists(moved.path + "/src/a.txt"))
        #expect(env.read(URL(fileURLWithPath: trash.directory + "/README"))?.contains("git ao cleanup") == true)
        #expect(trash.contents().busy == [moved.path])
        #expect(trash.sweep().isEmpty)
        #expect(exists(moved.path + "/src/a.txt"))
        moved.delete()
        #expect(!exists(moved.path))
        #expect(trash.sweep().isEmpty)
        #expect(!exists(trash.directory))
        // Not a directory: nothing moves.
        let file = root.appendingPathComponent("file").path
        try env.write("x", to: URL(fileURLWithPath: file))
        #expect(trash.moveIn(file) == nil)
        #expect(exists(file))
        #expect(trash.moveIn(root.appendingPathComponent("missing").path) == nil)
    }

    @Test("killed after the rename, before the prune: git's entry names a missing folder, the next removal prunes it and sweeps the trash")
    func killedAfterRename() throws {
        defer { env.close() }
        let repo = try open()
        let path = try addWorktree("two")
        try fm.createDirectory(atPath: trash.directory, withIntermediateDirectories: true)
        let entry = trash.directory + "/two.00000000deadbeef"
        #expect(rename(path, entry) == 0)
        #expect(try env.git(["worktree", "list", "--porcelain"], in: repoURL).contains("prunable"))
        #expect(try repo.worktrees().first { $0.name == "two" }?.isValid == false)
        #expect(trash.contents().leftovers == [entry])

        try repo.removeWorktree(at: path)
        #expect(try !listed(path))
        #expect(!exists(entry))
        #expect(!exists(trash.directory))
    }

    @Test("a sweep deletes only git-ao's entries, and never follows a symbolic link out of the trash")
    func sweepTouchesOnlyItsOwn() throws {
        defer { env.close() }
        let outside = env.root.appendingPathComponent("outside")
        try env.write("precious\n", to: outside.appendingPathComponent("precious.txt"))
        try env.write("mine\n", to: root.appendingPathComponent("user-file.txt"))
        let folder = URL(fileURLWithPath: trash.directory)
        try env.write("notes\n", to: folder.appendingPathComponent("notes.txt"))
        try env.write("readme\n", to: folder.appendingPathComponent("README"))
        try env.write("upper\n", to: folder.appendingPathComponent("UPPER.0123456789ABCDEF/file"))
        let linked = folder.appendingPathComponent("linked.0123456789abcdef").path
        try fm.createSymbolicLink(atPath: linked, withDestinationPath: outside.path)
        let plain = folder.appendingPathComponent("plain.0123456789abcdef").path
        try env.write("a file, not a folder\n", to: URL(fileURLWithPath: plain))
        let ours = folder.appendingPathComponent("left.fedcba9876543210")
        try env.write("c\n", to: ours.appendingPathComponent("a/b/c.txt"))
        try fm.createSymbolicLink(atPath: ours.appendingPathComponent("escape").path, withDestinationPath: outside.path)
        try fm.createSymbolicLink(atPath: ours.appendingPathComponent("a/up").path, withDestinationPath: "../../../../outside/precious.txt")

        let contents = trash.contents()
        #expect(contents.leftovers == [ours.path])
        #expect(Set(contents.foreign) == Set([folder.appendingPathComponent("notes.txt").path, folder.appendingPathComponent("UPPER.0123456789ABCDEF").path, linked, plain]))

        #expect(trash.sweep() == [ours.path])
        #expect(!exists(ours.path))
        #expect(env.read(outside.appendingPathComponent("precious.txt")) == "precious\n")
        #expect(env.read(root.appendingPathComponent("user-file.txt")) == "mine\n")
        #expect(env.read(folder.appendingPathComponent("notes.txt")) == "notes\n")
        #expect(env.read(folder.appendingPathComponent("UPPER.0123456789ABCDEF/file")) == "upper\n")
        #expect(try fm.destinationOfSymbolicLink(atPath: linked) == outside.path)
        #expect(exists(plain))
        #expect(exists(folder.appendingPathComponent("README").path), "the folder still holds the user's files, so it says what it is")
    }

    @Test("a trash folder that is a symbolic link is never entered: the removal deletes in place and the link's target is untouched")
    func trashThatIsALink() throws {
        defer { env.close() }
        let repo = try open()
        let elsewhere = env.root.appendingPathComponent("elsewhere")
        try env.write("keep\n", to: elsewhere.appendingPathComponent("x.0123456789abcdef/file"))
        try fm.createSymbolicLink(atPath: trash.directory, withDestinationPath: elsewhere.path)
        let path = try addWorktree("three")
        try repo.removeWorktree(at: path)
        #expect(!exists(path))
        #expect(try !listed(path))
        #expect(trash.sweep().isEmpty)
        #expect(trash.contents() == WorktreeTrash.Contents())
        #expect(env.read(elsewhere.appendingPathComponent("x.0123456789abcdef/file")) == "keep\n")
        #expect(try fm.destinationOfSymbolicLink(atPath: trash.directory) == elsewhere.path)
        #expect((try fm.contentsOfDirectory(atPath: elsewhere.path)) == ["x.0123456789abcdef"])
    }

    @Test("a trash that is a file is left alone: the removal deletes in place")
    func trashThatIsAFile() throws {
        defer { env.close() }
        let repo = try open()
        try env.write("not a folder\n", to: URL(fileURLWithPath: trash.directory))
        let path = try addWorktree("four")
        try repo.removeWorktree(at: path)
        #expect(!exists(path))
        #expect(try !listed(path))
        #expect(env.read(URL(fileURLWithPath: trash.directory)) == "not a folder\n")
    }

    @Test("an entry a live removal holds (locked) is left to it; once let go, a sweep deletes it and the empty trash")
    func busyEntry() throws {
        defer { env.close() }
        let entry = trash.directory + "/busy.0123456789abcdef"
        try env.write("x\n", to: URL(fileURLWithPath: entry + "/file"))
        try env.write("readme\n", to: URL(fileURLWithPath: trash.directory + "/README"))
        let fd = Glibc.open(entry, O_RDONLY | O_DIRECTORY)
        #expect(fd >= 0)
        #expect(flock(fd, LOCK_EX) == 0)
        #expect(trash.contents().busy == [entry])
        #expect(trash.sweep().isEmpty)
        #expect(exists(entry + "/file"))
        close(fd)
        #expect(trash.contents().leftovers == [entry])
        #expect(trash.sweep() == [entry])
        #expect(!exists(trash.directory))
    }

    @Test("a worktree holding names that are not UTF-8, and links out of it, is removed whole without touching the links' targets")
    func oddNames() throws {
        defer { env.close() }
        let repo = try open()
        let path = try addWorktree("five")
        try env.write("ignored/\n", to: repoURL.appendingPathComponent(".git/info/exclude"))
        let outside = env.root.appendingPathComponent("outside")
        try env.write("precious\n", to: outside.appendingPathComponent("precious.txt"))
        try fm.createDirectory(atPath: path + "/ignored", withIntermediateDirectories: true)
        var name: [CChar] = Array((path + "/ignored/").utf8CString.dropLast()) + [0x66, -1, 0x2e, 0]  // "f\xff."
        let fd = Glibc.open(&name, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        close(fd)
        var dir: [CChar] = Array((path + "/ignored/").utf8CString.dropLast()) + [-2, 0]  // "\xfe"
        #expect(mkdir(&dir, 0o755) == 0)
        try fm.createSymbolicLink(atPath: path + "/ignored/out", withDestinationPath: outside.path)
        try repo.removeWorktree(at: path)
        #expect(!exists(path))
        #expect(!exists(trash.directory), "left in the trash: \((try? fm.contentsOfDirectory(atPath: trash.directory)) ?? [])")
        #expect(env.read(outside.appendingPathComponent("precious.txt")) == "precious\n")
    }
}
