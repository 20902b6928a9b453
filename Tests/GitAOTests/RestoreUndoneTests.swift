import AOTestSupport
import Foundation
import Testing

/// A restore that is undone leaves the session's change log as it was.
@Suite("restore rollback")
struct RestoreUndoneTests: WorktreePreparationFixtures {
    @Test("no port_assigned or files_copied event is left by a restore that was rolled back", .timeLimit(.minutes(15)))
    func noEventsLeft() throws {
        let s = try scenario("restore-undone")
        defer { s.close() }
        try s.env.write("SECRET=1\n", to: s.repo.appendingPathComponent(".env"))
        let base = Int.random(in: 20000...60000)
        try s.env.git(["config", "ao.portRange", "\(base)-\(base + 9)"], in: s.repo)
        let id = try s.spawn("--prompt", "task")
        #expect(try s.ao("kill", id).succeeded)
        let before = try s.eventKinds(id)
        // Its old port is outside the new range: the restore must assign another one.
        try s.env.git(["config", "ao.portRange", "\(base + 10)-\(base + 19)"], in: s.repo)
        // The agent exits at once when resumed: the restore fails at its last steps and is undone.
        try s.env.installScript("dies-at-once", "#!/bin/sh\necho 'cannot resume' >&2\nexit 4\n")
        try s.env.git(["config", "ao.agent.fake.resume", "dies-at-once {session}"], in: s.repo)
        let restore = try s.ao("restore", id)
        #expect(!restore.succeeded, "\(restore)")
        let after = try s.eventKinds(id)
        #expect(after.filter { $0 == "port_assigned" || $0 == "files_copied" } == before.filter { $0 == "port_assigned" || $0 == "files_copied" },
                "before: \(before)\nafter: \(after)")

        // A restore that succeeds records both.
        try s.env.git(["config", "--unset", "ao.agent.fake.resume"], in: s.repo)
        let restored = try s.ao("restore", id)
        #expect(restored.succeeded, "\(restored)")
        let kinds = try s.eventKinds(id)
        #expect(kinds.filter { $0 == "port_assigned" }.count == 1 && kinds.filter { $0 == "files_copied" }.count == before.filter { $0 == "files_copied" }.count + 1,
                "\(kinds)")
    }
}
