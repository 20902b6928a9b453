import AOTestSupport
import Foundation
import Platform
import Testing

/// The setup step (ao.spawn.setup): environment, log, progress line, failure, timeout, Ctrl-C, kill -9.
@Suite("setup step")
struct SetupStepTests: WorktreePreparationFixtures {
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
        // The abandoned spawn's row, read from the database: an undone spawn is cleaned, and
        // status --all no longer lists cleaned sessions.
        let rows = try s.sql("SELECT terminal_reason FROM sessions").split(separator: "\n").map(String.init)
        #expect(rows == ["spawn_failed"], "\(rows)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: s.repo.appendingPathComponent(".git/ao/run").path).isEmpty)
    }
}
