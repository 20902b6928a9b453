import AOTestSupport
import Foundation
import Platform
import Testing

/// A port per live session (ao.portRange).
@Suite("session ports")
struct PortTests: WorktreePreparationFixtures {
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
}
