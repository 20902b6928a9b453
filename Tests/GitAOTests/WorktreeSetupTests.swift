import AOTestSupport
import Foundation
import Platform
import Testing

/// Fresh worktrees that can run: ignored files copied in, a setup step, a port per session.
@Suite("worktree preparation")
struct WorktreeSetupTests {
    static let gitignore = ".env*\nconfig/master.key\n*.log\n*.tmp\nsecrets\n"

    /// A scenario whose repository ignores the usual local files and has a `.worktreeinclude`.
    func scenario(_ label: String, include: String = ".env\n/.env.local\nprivate/\nconfig/master.key\nconfig/settings.yml\nnotes.txt\n.env.pipe\n") throws -> Scenario {
        try Scenario(label, files: [
            "README.md": "hello\n",
            ".gitignore": Self.gitignore,
            ".worktreeinclude": include,
            "config/settings.yml": "committed: true\n",
        ])
    }

    func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    func events(_ s: Scenario, _ id: String, kind: String) throws -> [[String: String]] {
        let result = try s.ao("events", "--json", "--session", id, "-n", "1000")
        return result.stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["kind"] as? String == kind else { return nil }
            return object["data"] as? [String: String] ?? [:]
        }
    }

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

    /// A setup script that records its environment and directory, starts a child that lives
    /// as long as it does, prints escape sequences and then acts as `$1` says.
    static let setupScript = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/setup-$AO_SESSION_ID"
        env -0 > "$out.env"
        pwd > "$out.cwd"
        echo run >> "$FAKE_AGENT_OUT/setup-runs"
        sleep 300 &
        echo $! > "$out.child"
        printf '\\033]0;evil title\\007\\033[2Jinstalling dependencies\\n'
        case "$1" in
          ok) kill %1; echo done ;;
          fail) kill %1; printf '\\033[31mboom\\033[0m\\n'; exit 3 ;;
          hang) wait ;;
        esac
        """

    func processGone(_ pidFile: URL, _ s: Scenario) throws {
        let text = s.env.read(pidFile)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let pid = try #require(Int32(text), "no pid in \(pidFile.path)")
        try s.env.eventually("process \(pid) to end", timeout: 15) { kill(pid, 0) != 0 }
    }

    @Test("the setup step runs in the new worktree with the session's variables and logs its output; setupFailure=warn keeps the session")
    func setupRuns() throws {
        let s = try scenario("setup-run")
        defer { s.close() }
        try s.env.installScript("ao-setup", Self.setupScript)
        try s.env.git(["config", "ao.spawn.setup", "ao-setup ok"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--name", "first")
        #expect(result.succeeded, "\(result)")
        #expect(!result.stderr.contains("setup:") && !result.stderr.contains("\r"), "nothing extra without a terminal: \(result.stderr)")
        let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let session = try s.session(id)
        let worktree = try s.worktreePath(of: id)
        let out = s.env.outputDirectory.appendingPathComponent("setup-\(id)")
        #expect(s.env.read(out.appendingPathExtension("cwd")) == worktree.path + "\n")
        let data = try Data(contentsOf: out.appendingPathExtension("env"))
        let environment = Dictionary(data.split(separator: 0).compactMap { entry -> (String, String)? in
            let text = String(decoding: entry, as: UTF8.self)
            guard let eq = text.firstIndex(of: "=") else { return nil }
            return (String(text[..<eq]), String(text[text.index(after: eq)...]))
        }, uniquingKeysWith: { $1 })
        #expect(environment["AO_SESSION_ID"] == id)
        #expect(environment["AO_WORKTREE"] == worktree.path)
        #expect(environment["AO_BRANCH"] == "ao/\(id)")
        #expect(environment["AO_BASE_SHA"] == session["base_sha"] as? String)
        #expect(environment["AO_PORT"] == nil, "without ao.portRange AO_PORT is not set")
        let log = s.repo.appendingPathComponent(".git/ao/logs/\(id)-setup.log")
        #expect(s.env.read(log)?.contains("installing dependencies\ndone\n") == true)
        #expect(try s.eventKinds(id).contains("setup"))
        try FakeAgents.waitForStart(id, in: s.env)
        #expect(FakeAgents.environment(of: id, in: s.env)?["AO_PORT"] == nil)

        try s.env.git(["config", "ao.spawn.setup", "ao-setup fail"], in: s.repo)
        try s.env.git(["config", "ao.spawn.setupFailure", "warn"], in: s.repo)
        let warned = try s.ao("spawn", "--no-attach")
        #expect(warned.succeeded, "\(warned)")
        #expect(warned.stderr.contains("warning: the setup step (ao.spawn.setup) exited with status 3"), "\(warned.stderr)")
        #expect(warned.stderr.contains("| boom") && !warned.stderr.contains("\u{1B}"), "the log's last lines, without escape sequences: \(warned.stderr)")
        let kept = warned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try s.axes(kept).status == "working")
        #expect(try s.eventKinds(kept).contains("setup_failed"))

        // A setup program that is not on PATH fails the spawn before anything is created.
        try s.env.git(["config", "ao.spawn.setup", "no-such-setup-program --frozen"], in: s.repo)
        let before = try s.world()
        expectError(try s.ao("spawn", "--no-attach"), "SETUP_FAILED", mentioning: ["'no-such-setup-program'", "was not found on PATH"])
        #expect(try s.world() == before)
        // One named by a path is looked for in the new worktree, and the spawn rolls back.
        try s.env.git(["config", "ao.spawn.setup", "./scripts/missing-setup.sh"], in: s.repo)
        expectError(try s.ao("spawn", "--no-attach"), "SPAWN_FAILED", mentioning: ["cause: SETUP_FAILED", "is not an executable file in the worktree"])
        #expect(try s.world() == before)
    }

    @Test("on a terminal spawn shows one line naming the setup step and its elapsed time, erased when it ends",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func setupProgressOnTerminal() throws {
        let s = try scenario("setup-tty")
        defer { s.close() }
        try s.env.installScript("slow-setup", "#!/bin/sh\nsleep 1.5\n")
        try s.env.git(["config", "ao.spawn.setup", "slow-setup --quick"], in: s.repo)
        // script(1) gives spawn a terminal; its output is what the terminal received.
        let result = try s.env.run(["script", "-qec", "git ao spawn --no-attach", "/dev/null"], in: s.repo)
        #expect(result.succeeded, "\(result)")
        let line = "\r\u{1B}[2Ksetup: slow-setup --quick  "
        #expect(result.stdout.contains(line + "0s" + line + "1s"), "\(result.stdout.debugDescription)")
        // Erased when the step ends: the last progress line is followed by an erase, then spawn's own output.
        let tail = result.stdout.components(separatedBy: line).last ?? ""
        #expect(tail.contains("s\r\u{1B}[2K") && tail.contains("Spawned"), "\(tail.debugDescription)")
    }

    @Test("a setup step that runs past ao.spawn.setupTimeout is ended with its children and the spawn rolls back")
    func setupTimeout() throws {
        let s = try scenario("setup-timeout")
        defer { s.close() }
        _ = try s.spawn("--prompt", "first")
        try s.env.installScript("ao-setup", Self.setupScript)
        try s.env.git(["config", "ao.spawn.setup", "ao-setup hang"], in: s.repo)
        try s.env.git(["config", "ao.spawn.setupTimeout", "2s"], in: s.repo)
        let before = try s.world()
        let started = Date()
        let result = try s.ao("spawn", "--no-attach", "--prompt", "second")
        #expect(Date().timeIntervalSince(started) < 30)
        expectError(result, "SPAWN_FAILED", mentioning: ["running the setup step", "did not finish within 2s", "cause: SETUP_FAILED",
                                                        "-setup.log", "| installing dependencies", "removed worktree"])
        #expect(!result.stderr.contains("\u{1B}") && !result.stderr.contains("\u{07}"), "no raw escape sequence from the log reaches the terminal: \(result.stderr)")
        #expect(try s.world() == before)
        let child = try #require(try FileManager.default.contentsOfDirectory(atPath: s.env.outputDirectory.path).first { $0.hasSuffix(".child") })
        try processGone(s.env.outputDirectory.appendingPathComponent(child), s)
    }

    @Test("Ctrl-C during the setup step ends its process group, rolls the spawn back and exits 130")
    func setupInterrupted() throws {
        let s = try scenario("setup-sigint")
        defer { s.close() }
        _ = try s.spawn("--prompt", "first")
        try s.env.installScript("ao-setup", Self.setupScript)
        try s.env.git(["config", "ao.spawn.setup", "ao-setup hang"], in: s.repo)
        let before = try s.world()
        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = ["spawn", "--no-attach", "--prompt", "second"]
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var childFile: URL?
        try s.env.eventually("the setup step to start its child", timeout: 30) {
            childFile = try FileManager.default.contentsOfDirectory(atPath: s.env.outputDirectory.path).first { $0.hasSuffix(".child") }
                .map { s.env.outputDirectory.appendingPathComponent($0) }
            return childFile.map { (s.env.read($0) ?? "").hasSuffix("\n") } ?? false
        }
        process.interrupt()
        process.waitUntilExit()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 130, "\(stderr)")
        #expect(stderr.contains("INTERRUPTED") && stderr.contains("running the setup step"), "\(stderr)")
        try processGone(try #require(childFile), s)
        #expect(try s.world() == before)
    }

    @Test("a spawn killed with -9 during its setup step: the next observation pass ends the step's process group")
    func setupAbandoned() throws {
        let s = try scenario("setup-kill9")
        defer { s.close() }
        try s.env.installScript("ao-setup", Self.setupScript)
        try s.env.git(["config", "ao.spawn.setup", "ao-setup hang"], in: s.repo)
        let process = Process()
        process.executableURL = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        process.arguments = ["spawn", "--no-attach"]
        process.environment = s.env.environment
        process.currentDirectoryURL = s.repo
        process.standardError = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var childFile: URL?
        try s.env.eventually("the setup step to start its child", timeout: 30) {
            childFile = try FileManager.default.contentsOfDirectory(atPath: s.env.outputDirectory.path).first { $0.hasSuffix(".child") }
                .map { s.env.outputDirectory.appendingPathComponent($0) }
            return childFile.map { (s.env.read($0) ?? "").hasSuffix("\n") } ?? false
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let text = s.env.read(try #require(childFile))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let child = try #require(Int32(text))
        #expect(kill(child, 0) == 0, "the step outlives its runner until a pass notices")
        // A pass concludes the spawn was abandoned once it is 5 s old, and ends the step with it.
        try s.env.eventually("the abandoned setup step to be ended", timeout: 30) {
            try s.observe()
            return kill(child, 0) != 0
        }
        let sessions = try s.sessions()
        #expect(sessions.count == 1 && sessions.values.first?["terminal_reason"] as? String == "spawn_failed", "\(sessions)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.repo.appendingPathComponent(".git/ao/run").path).isEmpty)
    }

    @Test("six concurrent spawns get six different ports from ao.portRange; a port is freed when its session ends")
    func uniquePorts() throws {
        let s = try scenario("ports")
        defer { s.close() }
        let base = Int.random(in: 20000...60000)
        try s.env.git(["config", "ao.portRange", "\(base)-\(base + 19)"], in: s.repo)
        let results = ConcurrentResults()
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            results.add(Result { try s.ao("spawn", "--no-attach", "--prompt", "task \(index)") })
        }
        let ids = try results.all.map { result -> String in
            let run = try result.get()
            guard run.succeeded else { throw TestFailure("spawn failed: \(run)") }
            return run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(ids.count == 6)
        let sessions = try s.sessions()
        let ports = ids.compactMap { sessions[$0]?["port"] as? Int }
        #expect(ports.count == 6 && Set(ports).count == 6, "ports: \(ports)")
        #expect(ports.allSatisfy { (base...(base + 19)).contains($0) })
        for id in ids {
            try FakeAgents.waitForStart(id, in: s.env)
            #expect(FakeAgents.environment(of: id, in: s.env)?["AO_PORT"] == (sessions[id]?["port"] as? Int).map(String.init))
        }
        let shown = try s.ao("show", ids[0])
        #expect(shown.stdout.contains("port:      \(sessions[ids[0]]?["port"] as? Int ?? -1) (AO_PORT)"), "\(shown.stdout)")

        // The database itself refuses a second live session on a port.
        let duplicate = try s.env.run(["sqlite3", s.repo.appendingPathComponent(".git/ao/state.db").path,
                                       "UPDATE sessions SET port = \(ports[0]) WHERE id = '\(ids[1])'"])
        #expect(!duplicate.succeeded && duplicate.stderr.contains("UNIQUE"), "\(duplicate)")

        // Ending a session frees its port; a later spawn may take it.
        let freed = try #require(sessions[ids[0]]?["port"] as? Int)
        #expect(try s.ao("kill", ids[0]).succeeded)
        #expect(try s.session(ids[0])["port"] is NSNull || s.session(ids[0])["port"] == nil)
        try s.env.git(["config", "ao.portRange", "\(freed)"], in: s.repo)
        let reused = try s.spawn()
        #expect(try s.session(reused)["port"] as? Int == freed)

        // A range with no free port left fails before anything is created.
        let before = try s.world()
        let exhausted = try s.ao("spawn", "--no-attach")
        expectError(exhausted, "PORT_RANGE_EXHAUSTED", mentioning: ["\(freed)-\(freed)"])
        #expect(try s.world() == before)

        // Restore gives an ended session a port again: none is free in this range...
        expectError(try s.ao("restore", ids[0]), "PORT_RANGE_EXHAUSTED")
        #expect(try s.world() == before)
        // ...and in the wider one, a port no live session holds.
        try s.env.git(["config", "ao.portRange", "\(base)-\(base + 19)"], in: s.repo)
        let restored = try s.ao("restore", ids[0])
        #expect(restored.succeeded, "\(restored)")
        let live = try s.sessions().values.filter { $0["terminated"] as? Bool == false }.compactMap { $0["port"] as? Int }
        #expect(live.count == 7 && Set(live).count == 7, "live ports: \(live)")
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

/// Results gathered from concurrent work.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<RunResult, Error>] = []

    func add(_ result: Result<RunResult, Error>) {
        lock.lock(); defer { lock.unlock() }
        results.append(result)
    }

    var all: [Result<RunResult, Error>] {
        lock.lock(); defer { lock.unlock() }
        return results
    }
}
