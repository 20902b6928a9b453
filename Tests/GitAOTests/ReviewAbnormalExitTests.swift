import AOTestSupport
import Foundation
import Testing

/// Only an exit status the command reviewer chose is a verdict. A reviewer killed by a signal
/// (kill -9, the OOM killer, or its own shell reporting 128+N), one that could not run (126,
/// 127) fails: the run says why, and nothing reaches the worker or counts toward the cap.
@Suite("review: a command reviewer that ends abnormally gives no verdict")
struct ReviewAbnormalExitTests {
    /// Hangs (recording its own pid and its child's) with REVIEW_HANG; runs a program that is
    /// not there with REVIEW_MISSING, one that is not executable with REVIEW_NOEXEC; has its
    /// shell report a SIGKILL (137) with REVIEW_WRAPPED; requests changes with REVIEW_FAIL.
    static let reviewer = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/review-$AO_REVIEW_RUN"
        if [ -f REVIEW_HANG ]; then
            sleep 300 &
            echo $! > "$out.child"
            echo $$ > "$out.pid.tmp" && mv "$out.pid.tmp" "$out.pid"
            wait
        fi
        if [ -f REVIEW_MISSING ]; then no-such-review-tool-4711 "$@"; exit $?; fi
        if [ -f REVIEW_NOEXEC ]; then ./REVIEW_NOEXEC; exit $?; fi
        if [ -f REVIEW_WRAPPED ]; then sh -c 'kill -9 $$'; exit $?; fi
        if [ -f REVIEW_FAIL ]; then echo "checking..."; cat REVIEW_FAIL; exit 1; fi
        echo "all good"
        """

    @Test("kill -9, 127, 126 and a shell's 137 fail the run with why, are never sent or counted; a later real verdict is delivered", .timeLimit(.minutes(15)))
    func abnormalEndsAreNotVerdicts() throws {
        let s = try Scenario("review-abnormal-exit")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try s.env.installScript("abnormal-reviewer", ReviewAbnormalExitTests.reviewer)
        try s.env.git(["config", "ao.review.command", "abnormal-reviewer {sha}"], in: s.repo)
        try s.env.git(["config", "ao.review.agent", "none"], in: s.repo)
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let worktree = try s.worktreePath(of: id)

        /// Commits with only `file` among the switches, triggers the command reviewer, returns the run.
        func trigger(_ file: String) throws -> String {
            var change: [String: String?] = [:]
            for name in ["REVIEW_HANG", "REVIEW_MISSING", "REVIEW_NOEXEC", "REVIEW_WRAPPED", "REVIEW_FAIL"]
            where name != file && FileManager.default.fileExists(atPath: worktree.appendingPathComponent(name).path) {
                change.updateValue(nil, forKey: name)
            }
            change[file] = file == "REVIEW_FAIL" ? "lint: real complaint\n" : "echo never\n"
            try ReviewFixtures.commit(s, in: worktree, change, message: file)
            let result = try s.ao("review", "trigger", id, "--command")
            let run = try #require(result.stdout.split(separator: "\n").first.map(String.init), "\(result)")
            #expect(Int(run) != nil, "\(result)")
            return run
        }
        func failed(_ run: String) throws -> [String: Any] {
            try s.env.eventually("run \(run) to end", timeout: 30) { try ReviewFixtures.run(s, run)["status"] as? String != "running" }
            return try ReviewFixtures.run(s, run)
        }

        // Killed with SIGKILL while it runs, as kill -9 or the OOM killer would.
        let killed = try trigger("REVIEW_HANG")
        let pidFile = s.env.outputDirectory.appendingPathComponent("review-\(killed).pid")
        try s.env.eventually("the reviewer to run", timeout: 30) { FileManager.default.fileExists(atPath: pidFile.path) }
        let pid = try #require(pid_t(s.env.read(pidFile)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        let child = try #require(pid_t(s.env.read(s.env.outputDirectory.appendingPathComponent("review-\(killed).child"))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        #expect(kill(pid, SIGKILL) == 0)
        var run = try failed(killed)
        #expect(run["status"] as? String == "failed" && run["verdict"] == nil, "\(run)")
        #expect((run["note"] as? String)?.contains("signal 9 (SIGKILL)") == true, "\(run)")
        try s.env.eventually("what it left running is ended") { kill(child, 0) != 0 }

        // A program that is not there (127), one that cannot be executed (126), and a shell
        // reporting that its child was killed (128 + 9).
        let missing = try trigger("REVIEW_MISSING")
        run = try failed(missing)
        #expect(run["status"] as? String == "failed" && run["verdict"] == nil, "\(run)")
        #expect((run["note"] as? String)?.contains("127") == true, "\(run)")
        let noexec = try trigger("REVIEW_NOEXEC")
        run = try failed(noexec)
        #expect(run["status"] as? String == "failed" && (run["note"] as? String)?.contains("126") == true, "\(run)")
        let wrapped = try trigger("REVIEW_WRAPPED")
        run = try failed(wrapped)
        #expect(run["status"] as? String == "failed" && (run["note"] as? String)?.contains("SIGKILL") == true, "\(run)")

        // People see each failure and why: in the list and in show.
        let list = try s.ao("review", "list")
        for failedRun in [killed, missing, noexec, wrapped] {
            let line = list.stdout.split(separator: "\n").first { $0.hasPrefix(failedRun + " ") }
            #expect(line?.contains("failed") == true && line?.contains("not a verdict") == true, "\(list)")
        }
        let shown = try s.ao("review", "show", killed)
        #expect(shown.stdout.contains("failed") && shown.stdout.contains("SIGKILL"), "\(shown)")

        // Nothing was queued, recorded as a verdict event or typed to the worker.
        try s.observe()
        #expect(try s.sql("SELECT count(*) FROM outbox WHERE reason LIKE 'review:%'").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        #expect(try !s.eventKinds(id).contains("review"))
        #expect(FakeAgents.received(by: id, in: s.env).isEmpty)

        // Four abnormal ends counted toward nothing: the next real request for changes is sent.
        let real = try trigger("REVIEW_FAIL")
        try s.env.eventually("the real verdict", timeout: 30) { try ReviewFixtures.run(s, real)["verdict"] as? String == "changes_requested" }
        #expect(try ReviewFixtures.run(s, real)["status"] as? String == "delivered")
        try s.env.eventually("the nudge", timeout: 20) {
            try s.observe()
            return FakeAgents.received(by: id, in: s.env).contains { $0.contains("lint: real complaint") }
        }
        let received = FakeAgents.received(by: id, in: s.env).joined(separator: "\n")
        #expect(!received.contains("status 137") && !received.contains("status 127") && !received.contains("status 126"), "\(received)")
    }
}
