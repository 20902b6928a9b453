import AOTestSupport
import Foundation
import Platform
import Testing

/// A database git-ao cannot write (issue 7, item 5). Tests run as root, whom permission bits do
/// not stop, so the user who cannot write is `nobody`, through setpriv.
@Suite("database access")
struct DatabaseAccessTests {
    static let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    func run(as user: [String], _ s: Scenario, _ arguments: [String]) throws -> RunResult {
        let binary = TestEnvironment.productsDirectory.appendingPathComponent("git-ao").path
        return try s.env.run(user + [binary] + arguments, in: s.repo)
    }

    func files(_ s: Scenario) throws -> [String: (owner: Int, mode: Int)] {
        let aoDir = s.repo.appendingPathComponent(".git/ao")
        var result: [String: (Int, Int)] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: aoDir.path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: aoDir.appendingPathComponent(name).path)
            result[name] = ((attributes[.ownerAccountID] as? NSNumber)?.intValue ?? -1, (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1)
        }
        return result
    }

    func prepare(_ label: String) throws -> (Scenario, String) {
        let s = try Scenario(label)
        let id = try s.spawn()
        // Let another user into the test's directories, read-only.
        try s.env.run(["chmod", "-R", "a+rX", s.env.root.path])
        return (s, id)
    }

    @Test("status answers for a user who cannot write the database, and creates nothing")
    func statusReadOnly() throws {
        let (s, id) = try prepare("db-readonly")
        defer { s.close() }
        let before = try files(s)
        let status = try run(as: DatabaseAccessTests.nobody, s, ["status", "--porcelain"])
        #expect(status.succeeded, "\(status)")
        #expect(status.stdout.contains(id))
        #expect(try Set(files(s).keys) == Set(before.keys), "no -wal or -shm left by the reader")
        // A command that must write says so, with the way out.
        let kill = try run(as: DatabaseAccessTests.nobody, s, ["kill", id])
        #expect(kill.status != 0)
        #expect(kill.stderr.contains("git ao doctor"), "\(kill)")
        // doctor names each file and the exact command.
        let doctor = try run(as: DatabaseAccessTests.nobody, s, ["doctor"])
        #expect(doctor.status == 2, "\(doctor)")
        #expect(doctor.stdout.contains("chown -R nobody:nogroup"), "\(doctor)")
        #expect(doctor.stdout.contains("read-only for this user"), "\(doctor)")
    }

    @Test("a database made read-only and writable again works again: no side file stays read-only")
    func modeRestored() throws {
        let (s, id) = try prepare("db-mode")
        defer { s.close() }
        let aoDir = s.repo.appendingPathComponent(".git/ao")
        try s.env.run(["chown", "-R", "nobody:nogroup", aoDir.path])
        try s.env.run(["chmod", "0444", aoDir.appendingPathComponent("state.db").path])
        #expect(try run(as: DatabaseAccessTests.nobody, s, ["status", "--porcelain"]).succeeded)
        // What SQLite left before this fix while the database was read-only: a read-only -shm.
        #expect(try files(s)["state.db-shm"] == nil, "the reader created nothing")
        let shm = aoDir.appendingPathComponent("state.db-shm").path
        try s.env.run(["touch", shm])
        try s.env.run(["chown", "nobody:nogroup", shm])
        try s.env.run(["chmod", "0444", shm])
        try s.env.run(["chmod", "0600", aoDir.appendingPathComponent("state.db").path])
        let observe = try run(as: DatabaseAccessTests.nobody, s, ["observe"])
        #expect(observe.succeeded, "\(observe)")
        let doctor = try run(as: DatabaseAccessTests.nobody, s, ["doctor"])
        #expect(doctor.stdout.contains("state files: ") && !doctor.stdout.contains("problem  state files"), "\(doctor)")
        _ = id
    }

    @Test("files git-ao creates as root in a user's ao/ belong to that user, with the database's mode")
    func rootLeavesNothingOfItsOwn() throws {
        let (s, id) = try prepare("db-owner")
        defer { s.close() }
        let aoDir = s.repo.appendingPathComponent(".git/ao")
        for name in ["observe.lock", "state.db-wal", "state.db-shm", "lock"] { try? FileManager.default.removeItem(at: aoDir.appendingPathComponent(name)) }
        try s.env.run(["chown", "-R", "nobody:nogroup", aoDir.path])
        // root runs a pass (sudo git ao observe): everything it creates or touches stays the user's.
        #expect(try s.observe().succeeded)
        for (name, file) in try files(s) where !name.hasSuffix(".log") {
            #expect(file.owner == 65534, "\(name) is owned by \(file.owner)")
        }
        let observe = try run(as: DatabaseAccessTests.nobody, s, ["observe"])
        #expect(observe.succeeded, "\(observe)")
        // doctor, as root, names a file that belongs to someone else, with the chown to run.
        try s.env.run(["chown", "root:root", aoDir.appendingPathComponent("observe.lock").path])
        let doctor = try s.ao("doctor")
        #expect(doctor.stdout.contains("chown nobody:nogroup '\(aoDir.path)/observe.lock'"), "\(doctor)")
        _ = id
    }
}
