import AOTestSupport
import Foundation
import Lifecycle
import Testing
@testable import Store

@Suite("state store")
struct StoreTests {
    let env: TestEnvironment
    let directory: String

    init() throws {
        env = try TestEnvironment("store")
        directory = env.root.appendingPathComponent("common/ao").path
        try FileManager.default.createDirectory(atPath: env.root.appendingPathComponent("common").path, withIntermediateDirectories: true)
    }

    func makeStore() throws -> StateStore { try #require(try StateStore.open(directory: directory, create: true)) }

    func seed(_ id: String, branch: String? = nil, name: String? = nil) -> Session {
        Session(id: SessionID(id), name: name, branch: BranchName(branch ?? "ao/\(id)"), branchCreated: true, baseRef: "origin/main",
                baseSHA: CommitSHA(String(repeating: "a", count: 40)), worktreePath: "/tmp/\(id)", agent: "fake",
                prompt: "p", tmuxName: "ao-\(id)", createdAt: Timestamp(seconds: 1000))
    }

    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    @Test("the shipped migration names never change")
    func frozenMigrations() {
        defer { env.close() }
        // Append new names; never edit, rename or reorder these.
        #expect(StateStore.migrationNames == ["0001_sessions_and_events", "0002_lifecycle_axes_outbox_notifications",
                                             "0003_worktree_setup_session_port", "0004_forge_github_etags_facts_reactions",
                                             "0005_runtime_identity_tmux_socket", "0006_review_loop_runs", "0007_intake_issue_sessions_backoff",
                                             "0008_forge_last_success_surface", "0009_forge_gaps_review_run_github_post",
                                             "0010_review_run_running_watchdog_index",
                                             "0011_forge_configured_interval_for_status",
                                             "0012_forge_poll_result_at_in_flight"])
    }

    @Test("opening without create does not create anything")
    func noCreateOnRead() throws {
        defer { env.close() }
        #expect(try StateStore.open(directory: directory, create: false) == nil)
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("ao/ is 0700, its files 0600, and the database is in WAL mode with every migration applied")
    func creation() throws {
        defer { env.close() }
        let store = try makeStore()
        try store.insertSeed(seed("aaaaaa"), spawnPID: 1)
        #expect(try mode(directory) == 0o700)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
            #expect(try mode(directory + "/" + file) == 0o600, "\(file)")
        }
        #expect(try store.appliedMigrations() == StateStore.migrationNames)
        #expect(try store.connection.prepare("PRAGMA journal_mode").step())
        let journal = try store.connection.prepare("PRAGMA journal_mode")
        _ = try journal.step()
        #expect(journal.text(0) == "wal")
    }

    @Test("a database from a newer git-ao is refused and left byte for byte as it was")
    func newerDatabaseRefused() throws {
        defer { env.close() }
        _ = try makeStore()
        let path = directory + "/state.db"
        let db = try #require(try StateStore.open(directory: directory, create: false))
        try db.connection.execute("INSERT INTO schema_migrations VALUES ('0099_from_the_future', 0); PRAGMA user_version = 99")
        try db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect {
            _ = try StateStore.open(directory: directory, create: false)
        } throws: { error in
            guard let error = error as? StoreError, case .tooNew = error.kind else { return false }
            return true
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)

        // An unknown migration name is refused even when the version number looks old.
        try db.connection.execute("PRAGMA user_version = 0")
        #expect(throws: StoreError.self) { _ = try StateStore.open(directory: directory, create: false) }
    }

    @Test("updates bump the revision and log one event; an update that changes nothing writes nothing")
    func updatesAndEvents() throws {
        defer { env.close() }
        let store = try makeStore()
        try store.insertSeed(seed("bbbbbb"), spawnPID: 1)
        let id = SessionID("bbbbbb")
        let working = try store.update(id, at: Timestamp(seconds: 2000), event: "spawned") { $0.state = .working }
        #expect(working?.revision == 2)
        #expect(working?.updatedAt == Timestamp(seconds: 2000))
        let same = try store.update(id, at: Timestamp(seconds: 3000), event: "noop") { $0.state = .working }
        #expect(same?.revision == 2)
        #expect(same?.updatedAt == Timestamp(seconds: 2000))
        #expect(try store.events(session: id).map(\.kind) == ["seeded", "spawned"])
        #expect(try store.events(session: id).map(\.revision) == [1, 2])
        #expect(try store.update(SessionID("nobody"), at: Timestamp(seconds: 1), event: "x") { $0.state = .idle } == nil)
    }

    @Test("a write with a stale revision is refused")
    func revisionCheck() throws {
        defer { env.close() }
        let store = try makeStore()
        var session = seed("cccccc")
        try store.insertSeed(session, spawnPID: 1)
        session.state = .working
        session.revision = 2
        #expect {
            try store.connection.immediateTransaction { try store.write(session, expectedRevision: 5) }
        } throws: { ($0 as? StoreError)?.kind == .conflict }
    }

    @Test("seeding refuses a live session's name or branch, and a taken id")
    func seedConflicts() throws {
        defer { env.close() }
        let store = try makeStore()
        try store.insertSeed(seed("dddddd", branch: "topic", name: "login"), spawnPID: 1)
        #expect(throws: SeedConflict.idTaken) { try store.insertSeed(seed("dddddd"), spawnPID: 1) }
        #expect(throws: SeedConflict.nameTaken(SessionID("dddddd"))) { try store.insertSeed(seed("eeeeee", name: "login"), spawnPID: 1) }
        #expect(throws: SeedConflict.branchTaken(SessionID("dddddd"))) { try store.insertSeed(seed("ffffff", branch: "topic"), spawnPID: 1) }
        // Once the first ends, both are free again.
        try store.update(SessionID("dddddd"), at: Timestamp(seconds: 5), event: "killed") {
            $0.state = .terminated
            $0.terminalReason = .killed
        }
        try store.insertSeed(seed("gggggg", branch: "topic", name: "login"), spawnPID: 1)
        try store.deleteSession(SessionID("gggggg"))
        #expect(try store.session(SessionID("gggggg")) == nil)
        #expect(try store.events(session: SessionID("gggggg")).isEmpty)
    }

    @Test("ports: the lowest free one of the range, never one a live session holds or the machine uses; an ended session's port comes back on restore when still free")
    func ports() throws {
        defer { env.close() }
        let store = try makeStore()
        let busy: Set<Int> = [4101]
        let request = PortRequest(range: 4100...4103, isAvailable: { !busy.contains($0) })
        #expect(try store.insertSeed(seed("paaaaa"), spawnPID: 1, port: request) == 4100)
        #expect(try store.insertSeed(seed("pbbbbb"), spawnPID: 1, port: request) == 4102, "4101 is in use on the machine")
        #expect(try store.insertSeed(seed("pccccc"), spawnPID: 1, port: request) == 4103)
        #expect(throws: SeedConflict.noFreePort) { try store.insertSeed(seed("pddddd"), spawnPID: 1, port: request) }
        #expect(try store.session(SessionID("pddddd")) == nil, "a refused seed writes nothing")
        #expect(try store.insertSeed(seed("peeeee"), spawnPID: 1) == nil, "no range, no port")
        #expect(try store.session(SessionID("paaaaa"))?.port == 4100)

        // Ending a session frees its port for the next spawn.
        try store.update(SessionID("paaaaa"), at: Timestamp(seconds: 5), event: "killed") {
            $0.state = .terminated
            $0.terminalReason = .killed
        }
        #expect(try store.session(SessionID("paaaaa"))?.livePort == nil)
        #expect(try store.insertSeed(seed("pfffff"), spawnPID: 1, port: request) == 4100)

        // Restoring it: its old port is taken now, so it gets another, or none when none is left.
        #expect(throws: SeedConflict.noFreePort) { try store.assignPort(to: SessionID("paaaaa"), at: Timestamp(seconds: 6), request) }
        try store.update(SessionID("pbbbbb"), at: Timestamp(seconds: 7), event: "killed") {
            $0.state = .terminated
            $0.terminalReason = .killed
        }
        #expect(try store.assignPort(to: SessionID("paaaaa"), at: Timestamp(seconds: 8), request)?.port == 4102)
        // A session whose port is still free keeps it.
        #expect(try store.assignPort(to: SessionID("pbbbbb"), at: Timestamp(seconds: 9), PortRequest(range: 4100...4110, isAvailable: { _ in true }))?.port == 4102,
                "4102 is recorded on paaaaa, but paaaaa is not live")
        #expect(try store.assignPort(to: SessionID("pccccc"), at: Timestamp(seconds: 9), nil)?.port == nil, "without a range the port is dropped")
    }

    @Test("many threads creating and writing the same fresh database at once all succeed")
    func concurrentCreation() async throws {
        defer { env.close() }
        let directory = self.directory
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    let store = try #require(try StateStore.open(directory: directory, create: true))
                    for n in 0..<25 {
                        let id = "w\(worker)n\(n)"
                        let session = Session(id: SessionID(id), branch: BranchName("b/\(id)"), branchCreated: true, baseRef: "main",
                                              baseSHA: CommitSHA("0"), worktreePath: "/tmp/\(id)", agent: "fake", tmuxName: "ao-\(id)",
                                              createdAt: Timestamp(seconds: 1))
                        try store.insertSeed(session, spawnPID: 1)
                        try store.update(SessionID(id), at: Timestamp(seconds: 2), event: "spawned") { $0.state = .working }
                    }
                }
            }
            try await group.waitForAll()
        }
        let store = try makeStore()
        #expect(try store.sessions().count == 200)
        #expect(try store.events().count == 400)
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test("apply writes the patch, one event and the effects together; an observation that changes nothing writes nothing")
    func applyObservation() throws {
        defer { env.close() }
        let store = try makeStore()
        try store.insertSeed(seed("hhhhhh"), spawnPID: 1)
        let id = SessionID("hhhhhh")
        let rejected = try store.apply(SessionID("nobody"), .spawnCompleted(agentHasHooks: true), at: Timestamp(seconds: 2000))
        #expect(rejected.decision.rejection != nil && !rejected.changed)

        let spawned = try store.apply(id, .spawnCompleted(agentHasHooks: true), at: Timestamp(seconds: 2000)) { "{\"reason\":\"\($0.reason)\"}" }
        #expect(spawned.changed)
        #expect(spawned.session?.runtime == .alive && spawned.session?.revision == 2)

        let blocked = try store.apply(id, .activity(ActivitySignal(.blocked, source: "test")), at: Timestamp(seconds: 2001))
        #expect(blocked.session?.state == .needsInput)
        let outbox = try store.pendingOutbox(session: id)
        #expect(outbox.map(\.kind) == [.notify])
        #expect(outbox.first?.topic == "needs_input")

        let again = try store.apply(id, .activity(ActivitySignal(.blocked, source: "test")), at: Timestamp(seconds: 2002))
        #expect(!again.changed)
        #expect(try store.session(id)?.revision == 3)
        #expect(try store.events(session: id).map(\.kind) == ["seeded", "spawned", "activity"])
        #expect(try store.events(session: id).first { $0.kind == "spawned" }?.data == "{\"reason\":\"agent started; waiting for its first signal\"}")

        try store.markDelivered(outbox[0], at: Timestamp(seconds: 2003), event: SessionEvent(sessionID: id, at: Timestamp(seconds: 2003), kind: "notified", revision: 3))
        #expect(try store.pendingOutbox().isEmpty)
        // Delivering twice records nothing twice.
        try store.markDelivered(outbox[0], at: Timestamp(seconds: 2004), event: SessionEvent(sessionID: id, at: Timestamp(seconds: 2004), kind: "notified", revision: 3))
        #expect(try store.events(session: id).filter { $0.kind == "notified" }.count == 1)
    }

    @Test("open notifications are deduplicated per session and kind")
    func notificationDedupe() throws {
        defer { env.close() }
        let store = try makeStore()
        let id = SessionID("iiiiii")
        #expect(try store.openNotification(.needsInput, for: id, message: "a", at: Timestamp(seconds: 1)))
        #expect(try !store.openNotification(.needsInput, for: id, message: "b", at: Timestamp(seconds: 2)))
        #expect(try store.openNotification(.stuck, for: id, message: "c", at: Timestamp(seconds: 3)))
        #expect(try store.openNotifications(for: id) == [.needsInput, .stuck])
        try store.closeNotification(.needsInput, for: id, at: Timestamp(seconds: 4))
        #expect(try store.openNotification(.needsInput, for: id, message: "d", at: Timestamp(seconds: 5)))
    }

    @Test("a database from the first schema is upgraded in place, and its live sessions count as running")
    func upgradeFromFirstSchema() throws {
        defer { env.close() }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/state.db"
        let old = try Connection(path: path, create: true)
        try old.execute("PRAGMA journal_mode=WAL; CREATE TABLE schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL);")
        try old.execute(Migrations.all[0].sql)
        try old.execute("INSERT INTO schema_migrations VALUES ('0001_sessions_and_events', 0); PRAGMA user_version = 1;")
        try old.execute("INSERT INTO sessions (id, branch, base_ref, base_sha, worktree_path, agent, tmux_name, created_at, updated_at, state) VALUES ('jjjjjj', 'b', 'main', 'x', '/w', 'fake', 'ao-jjjjjj', 1000, 2000, 'working')")
        let store = try makeStore()
        #expect(try store.appliedMigrations() == StateStore.migrationNames)
        let upgraded = try #require(try store.session(SessionID("jjjjjj")))
        #expect(upgraded.runtime == .alive && upgraded.launchedAt == Timestamp(milliseconds: 2000) && upgraded.state == .working)
    }
}
