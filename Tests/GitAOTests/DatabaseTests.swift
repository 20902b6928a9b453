import AOTestSupport
import Foundation
import Platform
import Testing

/// The shared database, from the outside: concurrency, refusal of newer schemas, damage.
@Suite("state database")
struct DatabaseTests {
    @Test("two spawns started at the same moment both succeed, with distinct ids, and the database is intact")
    func concurrentSpawns() throws {
        let s = try Scenario("concurrent")
        defer { s.close() }
        // No database yet: both processes race to create it as well.
        #expect(!FileManager.default.fileExists(atPath: s.repo.appendingPathComponent(".git/ao").path))
        let binary = TestEnvironment.productsDirectory.appendingPathComponent("git-ao")
        var processes: [(Process, Pipe, Pipe)] = []
        for n in 0..<2 {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["spawn", "--no-attach", "--prompt", "task \(n)"]
            process.environment = s.env.environment
            process.currentDirectoryURL = s.repo
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            processes.append((process, out, err))
        }
        for (process, _, _) in processes { try process.run() }
        var ids: [String] = []
        for (process, out, err) in processes {
            process.waitUntilExit()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(stderr)")
            ids.append(stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(Set(ids).count == 2)
        #expect(Set(try s.sessions().keys) == Set(ids))
        #expect(try s.sql("PRAGMA integrity_check") == "ok\n")
        #expect(try s.tmuxSessions() == ids.map { "ao-\($0)" }.sorted())
        #expect(try s.worktrees().count == 3)
    }

    @Test("a database written by a newer git-ao is refused with DATABASE_TOO_NEW and not modified")
    func tooNew() throws {
        let s = try Scenario("db-new")
        defer { s.close() }
        _ = try s.spawn()
        try s.sql("INSERT INTO schema_migrations VALUES ('9999_future', 0); PRAGMA user_version = 9999; PRAGMA wal_checkpoint(TRUNCATE);")
        let db = s.repo.appendingPathComponent(".git/ao/state.db")
        let before = try Data(contentsOf: db)
        for command in [["status"], ["spawn", "--no-attach"], ["show", "x"]] {
            expectError(try s.ao(arguments: command), "DATABASE_TOO_NEW", mentioning: ["newer git-ao", "left untouched"])
        }
        #expect(try Data(contentsOf: db) == before)
    }

    @Test("a damaged database is reported as DATABASE_CORRUPT, and doctor says what to do")
    func corrupt() throws {
        let s = try Scenario("db-corrupt")
        defer { s.close() }
        _ = try s.spawn()
        try s.env.run(["tmux", "kill-server"])
        let ao = s.repo.appendingPathComponent(".git/ao")
        for file in ["state.db-wal", "state.db-shm"] { try? FileManager.default.removeItem(at: ao.appendingPathComponent(file)) }
        try Data(repeating: 0x42, count: 8192).write(to: ao.appendingPathComponent("state.db"))
        expectError(try s.ao("status"), "DATABASE_CORRUPT")
        let doctor = try s.ao("doctor")
        #expect(doctor.status == 2)
        #expect(doctor.stdout.contains("problem  database"))
    }

    @Test("a writer that holds the database too long gives DATABASE_BUSY, not a raw 'database is locked'", .timeLimit(.minutes(15)))
    func busy() throws {
        let s = try Scenario("db-busy")
        defer { s.close() }
        let id = try s.spawn()
        let holder = try s.holdDatabaseLock()
        let result = try s.ao("kill", id)
        holder.release()
        expectError(result, "DATABASE_BUSY", mentioning: ["another process"])
        // Nothing was touched: the agent still runs.
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
        #expect(!result.stderr.contains("database is locked\n"))
    }

    @Test("the ao folder is private: 0700, files 0600")
    func permissions() throws {
        let s = try Scenario("db-perms")
        defer { s.close() }
        _ = try s.spawn()
        let ao = s.repo.appendingPathComponent(".git/ao")
        func mode(_ url: URL) throws -> Int { (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(ao) == 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: ao.path) {
            let url = ao.appendingPathComponent(name)
            var isDir: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir)
            #expect(try mode(url) == (isDir.boolValue ? 0o700 : 0o600), "\(name)")
        }
    }

    @Test("status stays quick when another process holds the database: it shows what tmux said without storing it")
    func statusWhileBusy() throws {
        let s = try Scenario("db-busy-status")
        defer { s.close() }
        let id = try s.spawn()
        _ = try s.spawn()
        try s.env.run(["tmux", "kill-session", "-t", "=ao-\(id)"])
        let holder = try s.holdDatabaseLock()
        let started = Date()
        let status = try s.ao("status", "--porcelain")
        let elapsed = Date().timeIntervalSince(started)
        holder.release()
        #expect(status.succeeded, "\(status)")
        #expect(status.stdout.contains("s \(id) detecting "))
        #expect(elapsed < 5)
        #expect(try s.sql("SELECT state FROM sessions WHERE id = '\(id)'") == "working\n", "not stored while busy")
    }
}
