import AOTestSupport
import Foundation
import Platform
import Testing

@Suite("signal concurrency")
struct SignalConcurrencyTests {
    @Test("8 processes sending 200 signals each to one session: nothing lost, never 'database is locked'", .timeLimit(.minutes(15)))
    func eightBySixHundred() throws {
        let s = try Scenario("concurrency")
        defer { s.close() }
        let id = try s.spawn("--agent", "hooked")
        let before = try s.session(id)["revision"] as! Int
        let eventsBefore = try s.eventKinds(id).count
        // Every signal carries a new agent session id, so every one of them is a change that
        // must be stored: a lost update would show as a missing revision or event.
        let script = """
            for n in $(seq 1 200); do
              printf '{"session_id":"p%s-%s"}' "$1" "$n" | git-ao signal claude-code SessionStart || echo "exit $? at $n" >&2
            done
            """
        var processes: [(Process, Pipe)] = []
        for worker in 1...8 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script, "worker", "\(worker)"]
            var environment = s.env.environment
            environment["AO_SESSION_ID"] = id
            environment["AO_REPO"] = s.repo.appendingPathComponent(".git").path
            process.environment = environment
            process.currentDirectoryURL = try s.worktreePath(of: id)
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            processes.append((process, err))
        }
        for (process, _) in processes { try process.run() }
        for (process, err) in processes {
            process.waitUntilExit()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 0 && stderr.isEmpty, "\(stderr)")
        }
        let after = try s.session(id)
        let log = s.env.read(s.repo.appendingPathComponent(".git/ao/hooks.log")) ?? ""
        #expect(after["revision"] as? Int == before + 1600, "hooks.log: \(log.suffix(2000))")
        let kinds = try s.eventKinds(id)
        #expect(kinds.count - eventsBefore == 1600)
        #expect(kinds.suffix(1600).allSatisfy { $0 == "activity" })
        #expect(!log.contains("locked") && !log.contains("busy"), "\(log.prefix(500))")
        #expect(try s.sql("PRAGMA integrity_check") == "ok\n")
    }
}
