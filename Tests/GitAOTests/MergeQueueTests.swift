import AOTestSupport
import Foundation
import Testing

/// Issue 21: `git ao merge --ready`, the queue.
@Suite("git ao merge --ready")
struct MergeQueueTests {
    @Test("a queue of three where the second conflicts once the first has landed: first and third land, the second's agent is told once")
    func queueOfThree() throws {
        let s = try Scenario("merge-queue")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useCommand(s)
        var ids: [String] = []
        var tips: [String] = []
        for (n, files) in [["shared.txt": "first\n"], ["shared.txt": "second\n"], ["third.txt": "third\n"]].enumerated() {
            let id = try s.spawn("--agent", "hooked", "--prompt", "task \(n)")
            #expect(try s.signal(id, "idle").succeeded)
            tips.append(try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), files, message: "work \(n)"))
            let trigger = try s.ao("review", "trigger", id, "--command")
            #expect(trigger.succeeded, "\(trigger)")
            ids.append(id)
        }
        try s.env.eventually("three approvals", timeout: 60) {
            try ids.enumerated().allSatisfy { n, id in
                try ReviewFixtures.runs(s, session: id).contains { $0["sha"] as? String == tips[n] && $0["verdict"] as? String == "approved" }
            }
        }
        let unready = try s.spawn("--agent", "hooked", "--prompt", "unreviewed")
        #expect(try s.signal(unready, "idle").succeeded)
        _ = try ReviewFixtures.commit(s, in: try s.worktreePath(of: unready), ["u.txt": "u\n"], message: "unreviewed work")

        let dry = try s.ao("merge", "--ready", "--dry-run", "--json")
        #expect(dry.succeeded, "\(dry)")
        #expect(try (dry.json()["landed"] as? [[String: Any]])?.count == 3, "a dry run computes each on today's base: \(dry.stdout)")

        let result = try s.ao("merge", "--ready", "--json")
        #expect(result.succeeded, "\(result)")
        let summary = try result.json()
        let landed = (summary["landed"] as? [[String: Any]] ?? []).compactMap { $0["session"] as? String }
        let skipped = summary["skipped"] as? [[String: Any]] ?? []
        #expect(landed == [ids[0], ids[2]], "\(result.stdout)")
        #expect(skipped.first { $0["session"] as? String == ids[1] }?["code"] as? String == "MERGE_CONFLICT", "\(result.stdout)")
        #expect(skipped.first { $0["session"] as? String == unready }?["reason"] as? String == "no review has approved it", "\(result.stdout)")
        #expect(try s.env.git(["log", "--format=%s", "-2", "main"], in: s.repo).split(separator: "\n") == ["work 2", "work 0"])
        // The landed ones were tested again on the base as the previous landing left it.
        #expect(s.env.read(s.repo.appendingPathComponent("shared.txt")) == "first\n")

        func conflictMessages() -> Int { FakeAgents.received(by: ids[1], in: s.env).filter { $0.contains("Your branch conflicts with") }.count }
        try s.env.eventually("the second's agent to be told") { conflictMessages() == 1 }
        // Again: still skipped, never told twice (the conflict episode's one nudge).
        let again = try s.ao("merge", "--ready")
        #expect(again.succeeded && again.stdout.contains("Skipped session \(ids[1])"), "\(again)")
        expectError(try s.ao("merge", ids[1], "--nudge"), "MERGE_CONFLICT", mentioning: ["shared.txt"])
        #expect(conflictMessages() == 1)
        #expect(try s.session(ids[1])["terminated"] as? Bool == false)
    }

    @Test("a session that fails the reviewer on the base the queue left is skipped, and its agent is told once")
    func failsOnNewBase() throws {
        let s = try Scenario("merge-queue-review")
        defer { s.close() }
        // Each branch alone passes; both together do not.
        let reviewer = try s.env.installScript("pair-check", "#!/bin/sh\nif [ -f a.txt ] && [ -f b.txt ]; then echo 'a and b clash'; exit 1; fi\n")
        try s.env.git(["config", "ao.review.command", reviewer.path], in: s.repo)
        try s.env.git(["config", "ao.review.agent", "none"], in: s.repo)
        try s.env.git(["config", "ao.review.debounce", "0s"], in: s.repo)
        var ids: [String] = []
        var tips: [String] = []
        for name in ["a", "b"] {
            let id = try s.spawn("--agent", "hooked", "--prompt", "task \(name)")
            #expect(try s.signal(id, "idle").succeeded)
            tips.append(try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["\(name).txt": "\(name)\n"], message: "add \(name)"))
            #expect(try s.ao("review", "trigger", id, "--command").succeeded)
            ids.append(id)
        }
        try s.env.eventually("two approvals", timeout: 60) {
            try ids.enumerated().allSatisfy { n, id in
                try ReviewFixtures.runs(s, session: id).contains { $0["sha"] as? String == tips[n] && $0["verdict"] as? String == "approved" }
            }
        }
        let result = try s.ao("merge", "--ready", "--json")
        #expect(result.succeeded, "\(result)")
        let skipped = try result.json()["skipped"] as? [[String: Any]] ?? []
        #expect(skipped.first?["session"] as? String == ids[1] && skipped.first?["code"] as? String == "REVIEW_FAILED", "\(result.stdout)")
        #expect(try s.env.git(["log", "--format=%s", "-1", "main"], in: s.repo) == "add a\n")
        func told() -> Int { FakeAgents.received(by: ids[1], in: s.env).filter { $0.contains("could not land your work") }.count }
        try s.env.eventually("b's agent to be told") { told() == 1 }
        let again = try s.ao("merge", "--ready")
        #expect(again.succeeded && again.stdout.contains("Skipped session \(ids[1])"), "\(again)")
        #expect(told() == 1, "told once per commit")
    }
}
