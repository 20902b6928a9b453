import Foundation

/// A hermetic world for one test: its own temporary directory, HOME, git configuration, clock
/// values for commits, and tmux server (through TMUX_TMPDIR, the ordinary tmux setting).
/// Nothing from the developer's own environment leaks in, and `close()` kills the tmux server.
public final class TestEnvironment: @unchecked Sendable {
    public let root: URL
    public let home: URL
    public let binDirectory: URL
    public let outputDirectory: URL
    public var environment: [String: String]

    public init(_ label: String = "test") throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ao-\(label)-\(UUID().uuidString.prefix(8))")
        root = URL(fileURLWithPath: TestEnvironment.realPath(try TestEnvironment.makeDirectory(base).path))
        home = try TestEnvironment.makeDirectory(root.appendingPathComponent("home"))
        binDirectory = try TestEnvironment.makeDirectory(root.appendingPathComponent("bin"))
        outputDirectory = try TestEnvironment.makeDirectory(root.appendingPathComponent("out"))
        let tmuxDirectory = try TestEnvironment.makeDirectory(root.appendingPathComponent("tmux"))
        let globalConfig = home.appendingPathComponent(".gitconfig")
        try "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n".write(to: globalConfig, atomically: true, encoding: .utf8)
        environment = [
            "HOME": home.path,
            "PATH": "\(binDirectory.path):\(TestEnvironment.productsDirectory.path):/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "TERM": "xterm-256color",
            "SHELL": "/bin/sh",
            "TMUX_TMPDIR": tmuxDirectory.path,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": globalConfig.path,
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
            "GIT_COMMITTER_NAME": "Test Committer",
            "GIT_COMMITTER_EMAIL": "committer@example.com",
            "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
            "FAKE_AGENT_OUT": outputDirectory.path,
        ]
    }

    /// Kills this test's tmux server and removes the directory.
    public func close() {
        _ = try? run(["tmux", "kill-server"])
        // Every other tmux server a test started under this root (another user's, one named by
        // -S): a test must leave no server running.
        if let sockets = FileManager.default.enumerator(atPath: root.path) {
            for case let relative as String in sockets {
                let path = root.appendingPathComponent(relative).path
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
                      attributes[.type] as? FileAttributeType == .typeSocket else { continue }
                _ = try? run(["tmux", "-S", path, "kill-server"], timeout: 5)
            }
        }
        try? FileManager.default.removeItem(at: root)
    }

    // MARK: Running programs

    /// Runs a program (looked up on this environment's PATH) and returns what it did.
    @discardableResult
    public func run(_ argv: [String], in directory: URL? = nil, input: String? = nil,
                    environment extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> RunResult {
        var env = environment
        for (key, value) in extra { env[key] = value }
        return try ProcessRunner.run(argv, environment: env, directory: directory ?? root, input: input.map { Data($0.utf8) }, timeout: timeout)
    }

    /// Runs `git ao <arguments>` through git, as a user would.
    @discardableResult
    public func ao(_ arguments: [String], in directory: URL, input: String? = nil,
                   environment extra: [String: String] = [:], timeout: TimeInterval = 60) throws -> RunResult {
        try run(["git", "ao"] + arguments, in: directory, input: input, environment: extra, timeout: timeout)
    }

    /// Runs git and fails the test on a non-zero exit.
    @discardableResult
    public func git(_ arguments: [String], in directory: URL) throws -> String {
        let result = try run(["git"] + arguments, in: directory)
        guard result.status == 0 else {
            throw TestFailure("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }

    // MARK: Fixtures

    /// A new repository with one commit on main, in `<root>/<name>`.
    public func makeRepository(_ name: String = "repo", files: [String: String] = ["README.md": "hello\n"]) throws -> URL {
        let url = root.appendingPathComponent(name)
        try git(["init", "-q", "-b", "main", url.path], in: root)
        for (path, content) in files { try write(content, to: url.appendingPathComponent(path)) }
        try git(["add", "-A"], in: url)
        try git(["commit", "-q", "-m", "initial"], in: url)
        return url
    }

    /// A bare "remote" cloned from `repository`, added to it as `origin` and fetched.
    @discardableResult
    public func addOrigin(to repository: URL, name: String = "origin") throws -> URL {
        let remote = root.appendingPathComponent("\(name)-\(repository.lastPathComponent).git")
        try git(["clone", "-q", "--bare", repository.path, remote.path], in: root)
        try git(["remote", "add", name, remote.path], in: repository)
        try git(["fetch", "-q", name], in: repository)
        if name == "origin" { try git(["remote", "set-head", "origin", "main"], in: repository) }
        return remote
    }

    /// Writes an executable script into this environment's `bin` directory.
    @discardableResult
    public func installScript(_ name: String, _ body: String) throws -> URL {
        let url = binDirectory.appendingPathComponent(name)
        try write(body, to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    public func write(_ content: String, to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try content.write(to: url, atomically: true, encoding: .utf8)
    }

    public func read(_ url: URL) -> String? { try? String(contentsOf: url, encoding: .utf8) }

    /// Waits until `condition` holds (polling), or fails after `timeout`.
    public func eventually(_ what: String, timeout: TimeInterval = 10, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("timed out waiting for \(what)")
    }

    // MARK: Paths

    /// The directory holding the built products (`git-ao` among them): next to the test bundle,
    /// unless AO_TEST_BINARY_DIR names another (to test an installed binary).
    public static var productsDirectory: URL {
        if let override = ProcessInfo.processInfo.environment["AO_TEST_BINARY_DIR"] { return URL(fileURLWithPath: override) }
        let exe = URL(fileURLWithPath: realPath("/proc/self/exe"))
        var dir = exe.deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("git-ao").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return exe.deletingLastPathComponent()
    }

    /// The package's root directory.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func makeDirectory(_ url: URL) throws -> URL {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    public static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
