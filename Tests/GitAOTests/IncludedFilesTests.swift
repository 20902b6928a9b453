import AOTestSupport
import Foundation
import Platform
import Testing

/// Ignored files of the main worktree copied into new session worktrees (.worktreeinclude, ao.spawn.include).
@Suite("included files")
struct IncludedFilesTests: WorktreePreparationFixtures {
    @Test("ignored files named by .worktreeinclude and ao.spawn.include are copied with their mode; tracked and untracked-but-not-ignored files are left alone")
    func copiesIgnoredFiles() throws {
        let s = try scenario("inc-copy")
        defer { s.close() }
        let main = s.repo
        try s.env.write("SECRET=1\n", to: main.appendingPathComponent(".env"))
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: main.appendingPathComponent(".env").path)
        try s.env.write("#!/bin/sh\n", to: main.appendingPathComponent(".env.local"))
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: main.appendingPathComponent(".env.local").path)
        try s.env.write("key-material\n", to: main.appendingPathComponent("config/master.key"))
        try s.env.write("not for others\n", to: main.appendingPathComponent("private/.env"))
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: main.appendingPathComponent("private").path)
        try s.env.write("changed in the main worktree\n", to: main.appendingPathComponent("config/settings.yml"))
        try s.env.write("untracked, not ignored\n", to: main.appendingPathComponent("notes.txt"))
        try s.env.write("log line\n", to: main.appendingPathComponent("server.log"))
        try s.env.write("scratch\n", to: main.appendingPathComponent("scratch.tmp"))
        #expect(mkfifo(main.appendingPathComponent(".env.pipe").path, 0o600) == 0)
        try s.env.git(["config", "--add", "ao.spawn.include", "*.log"], in: main)
        // A name with a space and non-ASCII letters, ignored through info/exclude.
        try s.env.write("*.schlüssel\n", to: main.appendingPathComponent(".git/info/exclude"))
        try s.env.write("geheim\n", to: main.appendingPathComponent("mon fichier.schlüssel"))
        try s.env.git(["config", "--add", "ao.spawn.include", "*.schlüssel"], in: main)

        let result = try s.ao("spawn", "--no-attach", "-v", "--prompt", "task")
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worktree = try s.worktreePath(of: id)
        #expect(s.env.read(worktree.appendingPathComponent(".env")) == "SECRET=1\n")
        #expect(try mode(worktree.appendingPathComponent(".env")) == 0o640)
        #expect(try mode(worktree.appendingPathComponent(".env.local")) == 0o755)
        #expect(s.env.read(worktree.appendingPathComponent("config/master.key")) == "key-material\n")
        #expect(s.env.read(worktree.appendingPathComponent("private/.env")) == "not for others\n")
        #expect(try mode(worktree.appendingPathComponent("private")) == 0o700, "a directory made for a copy keeps its permissions")
        #expect(s.env.read(worktree.appendingPathComponent("server.log")) == "log line\n", "ao.spawn.include adds patterns")
        #expect(s.env.read(worktree.appendingPathComponent("mon fichier.schlüssel")) == "geheim\n")
        #expect(s.env.read(worktree.appendingPathComponent("config/settings.yml")) == "committed: true\n", "a tracked file is never touched")
        #expect(!exists(worktree.appendingPathComponent("notes.txt")), "an untracked file that is not ignored is not copied")
        #expect(!exists(worktree.appendingPathComponent("scratch.tmp")), "an ignored file no pattern names is not copied")
        #expect(!exists(worktree.appendingPathComponent(".env.pipe")), "a FIFO is never copied")
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "", "the copies must not make the worktree dirty")
        #expect(result.stderr.contains("copied .env"), "\(result.stderr)")
        #expect(result.stderr.contains("copied config/master.key"))
        let copied = try events(s, id, kind: "files_copied").first?["copied"]?.split(separator: "\n").map(String.init).sorted()
        #expect(copied == [".env", ".env.local", "config/master.key", "mon fichier.schlüssel", "private/.env", "server.log"])

        // Without -v spawn says nothing about the copies.
        let quiet = try s.ao("spawn", "--no-attach")
        #expect(quiet.succeeded && !quiet.stderr.contains("copied"), "\(quiet)")

        // init shows every value of the multi-valued key.
        try s.env.git(["config", "--add", "ao.spawn.include", "tmp/cache/"], in: main)
        let summary = try s.ao("init").stdout
        #expect(summary.contains("ao.spawn.include = *.log (local)\n  ao.spawn.include = *.schlüssel (local)\n  ao.spawn.include = tmp/cache/ (local)\n"), "\(summary)")
    }

    @Test("a symbolic link out of the repository is refused; one inside it is copied as the same link")
    func symlinkEscapeRefused() throws {
        let s = try scenario("inc-symlink", include: ".env\n.env.local\nsecrets\nconfig/master.key\n")
        defer { s.close() }
        let outside = s.env.root.appendingPathComponent("outside")
        try s.env.write("stolen\n", to: outside.appendingPathComponent("secret.env"))
        try FileManager.default.createSymbolicLink(atPath: s.repo.appendingPathComponent(".env").path, withDestinationPath: outside.appendingPathComponent("secret.env").path)
        try FileManager.default.createSymbolicLink(atPath: s.repo.appendingPathComponent("secrets").path, withDestinationPath: outside.path)
        try s.env.write("inside\n", to: s.repo.appendingPathComponent("config/master.key"))
        try FileManager.default.createSymbolicLink(atPath: s.repo.appendingPathComponent(".env.local").path, withDestinationPath: "config/master.key")

        let result = try s.ao("spawn", "--no-attach", "-v")
        #expect(result.succeeded, "\(result)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let worktree = try s.worktreePath(of: id)
        #expect(!exists(worktree.appendingPathComponent(".env")), "a link out of the repository is not followed")
        #expect(!exists(worktree.appendingPathComponent("secrets")))
        #expect(result.stderr.contains("warning: did not copy .env: a symbolic link leads out of the repository"), "\(result.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: worktree.appendingPathComponent(".env.local").path) == "config/master.key")
        #expect(s.env.read(worktree.appendingPathComponent(".env.local")) == "inside\n")
        let skipped = try events(s, id, kind: "files_copied").first?["skipped"] ?? ""
        #expect(skipped.contains(".env: a symbolic link leads out of the repository"))
        #expect(try s.env.git(["status", "--porcelain"], in: worktree) == "")

        // The other way round: the session's branch tracks a symbolic link out of the repository
        // where the main worktree has a folder; nothing is written through it.
        try s.env.git(["switch", "-q", "-c", "linky"], in: s.repo)
        try FileManager.default.moveItem(at: s.repo.appendingPathComponent("config"), to: s.env.root.appendingPathComponent("config-aside"))
        try FileManager.default.createSymbolicLink(atPath: s.repo.appendingPathComponent("config").path, withDestinationPath: outside.path)
        try s.env.git(["add", "config"], in: s.repo)
        try s.env.git(["commit", "-q", "-m", "config is a link"], in: s.repo)
        try s.env.git(["switch", "-q", "main"], in: s.repo)
        try FileManager.default.removeItem(at: s.repo.appendingPathComponent("config"))
        try FileManager.default.moveItem(at: s.env.root.appendingPathComponent("config-aside"), to: s.repo.appendingPathComponent("config"))
        let linked = try s.ao("spawn", "--no-attach", "--base", "linky")
        #expect(linked.succeeded, "\(linked)")
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("master.key").path), "nothing is written through a link")
        #expect(linked.stderr.contains("did not copy config/master.key: a symbolic link is in the way in the worktree"), "\(linked.stderr)")
    }

    @Test("restore copies again only the included files that are missing, and does not rerun the setup step in a kept worktree")
    func restoreRecopies() throws {
        let s = try scenario("inc-restore")
        defer { s.close() }
        try s.env.write("SECRET=1\n", to: s.repo.appendingPathComponent(".env"))
        try s.env.write("key-material\n", to: s.repo.appendingPathComponent("config/master.key"))
        try s.env.installScript("ao-setup", Self.setupScript)
        try s.env.git(["config", "ao.spawn.setup", "ao-setup ok"], in: s.repo)
        let id = try s.spawn("--prompt", "task")
        let worktree = try s.worktreePath(of: id)
        // Work in progress keeps the worktree when the session is killed.
        try s.env.write("work in progress\n", to: worktree.appendingPathComponent("README.md"))
        #expect(try s.ao("kill", id).succeeded)
        #expect(exists(worktree.appendingPathComponent(".env")))
        try FileManager.default.removeItem(at: worktree.appendingPathComponent(".env"))
        try s.env.write("edited in the session\n", to: worktree.appendingPathComponent("config/master.key"))

        let restored = try s.ao("restore", "-v", id)
        #expect(restored.succeeded, "\(restored)")
        #expect(s.env.read(worktree.appendingPathComponent(".env")) == "SECRET=1\n")
        #expect(s.env.read(worktree.appendingPathComponent("config/master.key")) == "edited in the session\n", "a file already there is kept")
        #expect(restored.stderr.contains("copied .env") && restored.stderr.contains("kept config/master.key"), "\(restored.stderr)")
        let copies = try events(s, id, kind: "files_copied")
        #expect(copies.count == 2 && copies.last?["copied"] == ".env")
        #expect(s.env.read(s.env.outputDirectory.appendingPathComponent("setup-runs")) == "run\n", "setup ran once, at spawn")

        // A worktree that had to be recreated gets its files and its setup step again.
        try s.env.git(["checkout", "--", "README.md"], in: worktree)
        #expect(try s.ao("kill", id).succeeded)
        #expect(!exists(worktree))
        let recreated = try s.ao("restore", id)
        #expect(recreated.succeeded, "\(recreated)")
        #expect(s.env.read(worktree.appendingPathComponent(".env")) == "SECRET=1\n")
        #expect(s.env.read(s.env.outputDirectory.appendingPathComponent("setup-runs")) == "run\nrun\n")
    }
}
