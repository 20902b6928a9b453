import Foundation

/// A repository with an `origin`, the fake agents installed and registered, and a private tmux
/// server: the starting point of most end-to-end tests.
public final class Scenario: @unchecked Sendable {
    public let env: TestEnvironment
    public let repo: URL

    public init(_ label: String, origin: Bool = true, files: [String: String] = ["README.md": "hello\n"]) throws {
        env = try TestEnvironment(label)
        repo = try env.makeRepository("repo", files: files)
        try FakeAgents.install(in: env)
        try FakeAgents.register(in: env, repository: repo)
        if origin { try env.addOrigin(to: repo) }
    }

    public func close() { env.close() }

    /// `git ao <arguments>` in the repository.
    @discardableResult
    public func ao(_ arguments: String..., input: String? = nil, environment: [String: String] = [:]) throws -> RunResult {
        try env.ao(arguments, in: repo, input: input, environment: environment)
    }

    @discardableResult
    public func ao(arguments: [String], in directory: URL? = nil, input: String? = nil, environment: [String: String] = [:]) throws -> RunResult {
        try env.ao(arguments, in: directory ?? repo, input: input, environment: environment)
    }

    /// Spawns with `--no-attach` and returns the id; throws with the output when spawn fails.
    public func spawn(_ arguments: String..., environment: [String: String] = [:]) throws -> String {
        let result = try ao(arguments: ["spawn", "--no-attach"] + arguments, environment: environment)
        guard result.succeeded else { throw TestFailure("spawn failed: \(result)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `git ao status --all --json` sessions, by id.
    public func sessions() throws -> [String: [String: Any]] {
        let result = try ao("status", "--all", "--json")
        guard result.succeeded else { throw TestFailure("status failed: \(result)") }
        let list = try result.json()["sessions"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["id"] as! String, $0) })
    }

    /// The session as `status --all --json` lists it, or as `show --json` gives it once cleaned
    /// (cleaned sessions are no longer listed).
    public func session(_ id: String) throws -> [String: Any] {
        if let session = try sessions()[id] { return session }
        let shown = try ao("show", "--json", "--events", "0", id)
        guard shown.succeeded, let session = try shown.json()["session"] as? [String: Any] else { throw TestFailure("no session \(id)") }
        return session
    }

    public func tmuxSessions() throws -> [String] {
        let result = try env.run(["tmux", "list-sessions", "-F", "#{session_name}"])
        return result.succeeded ? result.stdout.split(separator: "\n").map(String.init).sorted() : []
    }

    /// `git worktree list --porcelain`, as (path, branch) pairs.
    public func worktrees() throws -> [(path: String, branch: String?)] {
        let text = try env.git(["worktree", "list", "--porcelain"], in: repo)
        var result: [(String, String?)] = []
        for block in text.components(separatedBy: "\n\n") where !block.isEmpty {
            let lines = block.split(separator: "\n")
            guard let path = lines.first(where: { $0.hasPrefix("worktree ") })?.dropFirst("worktree ".count) else { continue }
            let branch = lines.first(where: { $0.hasPrefix("branch refs/heads/") })?.dropFirst("branch refs/heads/".count)
            result.append((String(path), branch.map(String.init)))
        }
        return result
    }

    public func branches() throws -> [String] {
        try env.git(["for-each-ref", "--format=%(refname)", "refs/heads", "refs/ao"], in: repo).split(separator: "\n").map(String.init).sorted()
    }

    public func worktreePath(of id: String) throws -> URL {
        URL(fileURLWithPath: try session(id)["worktree"] as! String)
    }

    /// Everything a failed spawn must leave exactly as it was.
    public struct World: Equatable, CustomStringConvertible {
        public let worktrees: [String]
        public let branches: [String]
        public let tmux: [String]
        public let status: String
        public let worktreeRootEntries: [String]
        /// `.git/worktrees/*` and `.git/ao/run/*`: leftovers a failed add or launch could leave.
        public let adminEntries: [String]

        public var description: String {
            "worktrees=\(worktrees)\nbranches=\(branches)\ntmux=\(tmux)\nstatus=\(status)\nroot=\(worktreeRootEntries)\nadmin=\(adminEntries)"
        }
    }

    public func world() throws -> World {
        let status = try ao("status", "--all", "--porcelain")
        let root = repo.deletingLastPathComponent().appendingPathComponent("repo.ao")
        let list = { (path: String) in (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? [] }
        let git = repo.appendingPathComponent(".git").path
        let admin = list(git + "/worktrees").map { "worktrees/" + $0 } + list(git + "/ao/run").map { "run/" + $0 }
        return World(worktrees: try worktrees().map { "\($0.path) \($0.branch ?? "-")" }, branches: try branches(),
                     tmux: try tmuxSessions(), status: status.stdout, worktreeRootEntries: list(root.path), adminEntries: admin)
    }

    /// Runs SQL against the real state database with the sqlite3 program (for injecting faults).
    @discardableResult
    public func sql(_ statement: String) throws -> String {
        let db = repo.appendingPathComponent(".git/ao/state.db").path
        let result = try env.run(["sqlite3", db, statement])
        guard result.succeeded else { throw TestFailure("sqlite3 failed: \(result)") }
        return result.stdout
    }

    /// Runs `git ao signal <agent> <event>` the way an agent's hook does: in the worktree, with
    /// the session's environment, the payload on stdin.
    @discardableResult
    public func signal(_ id: String, _ event: String, agent: String = "hooked", payload: String = "{}") throws -> RunResult {
        let worktree = try worktreePath(of: id)
        return try env.run(["git-ao", "signal", agent, event], in: worktree, input: payload,
                           environment: ["AO_SESSION_ID": id, "AO_REPO": repo.appendingPathComponent(".git").path])
    }

    /// The session's change-log kinds, oldest first.
    public func eventKinds(_ id: String) throws -> [String] {
        let result = try ao("events", "--json", "--session", id, "-n", "1000000")
        return result.stdout.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["kind"] as? String
        }
    }

    /// The lifecycle axes of a session as JSON reports them.
    public func axes(_ id: String) throws -> (status: String, state: String, runtime: String, activity: String?) {
        let s = try session(id)
        return (s["status"] as! String, s["state"] as! String, s["runtime"] as! String, s["activity"] as? String)
    }

    /// Runs `git ao observe`.
    @discardableResult
    public func observe(_ arguments: String...) throws -> RunResult {
        let result = try ao(arguments: ["observe"] + arguments)
        guard result.succeeded else { throw TestFailure("observe failed: \(result)") }
        return result
    }

    /// Holds the state database's write lock from another process (sqlite3) until released.
    public func holdDatabaseLock() throws -> DatabaseLockHolder {
        try DatabaseLockHolder(database: repo.appendingPathComponent(".git/ao/state.db"))
    }
}

/// Another process in the middle of a write transaction on the state database.
public final class DatabaseLockHolder {
    private let process = Process()
    private let input = Pipe()

    init(database: URL) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [database.path]
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE; UPDATE sessions SET name = name;\n".utf8))
        // Give sqlite3 time to take the lock.
        Thread.sleep(forTimeInterval: 0.5)
    }

    /// Ends the transaction. Said explicitly rather than by closing sqlite3's input: processes
    /// started meanwhile (git hooks' background processes) may have inherited the pipe's write
    /// end, and sqlite3 would wait for their end-of-file.
    public func release() {
        // sqlite3 may have exited already: a write must not end the test process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        try? input.fileHandleForWriting.write(contentsOf: Data("ROLLBACK;\n.quit\n".utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { if process.isRunning { release() } }
}
