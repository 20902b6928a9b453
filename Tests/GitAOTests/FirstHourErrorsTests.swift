import AOTestSupport
import Foundation
@testable import GitAO
import Lifecycle
import Platform
import Testing

/// Issue 17, section 3: errors and hints that point the right way.
@Suite("first hour: errors and hints")
struct FirstHourErrorsTests {
    @Test("a mistyped command or agent name gets a 'did you mean'; an unknown option with a separate value says what --opt=value says")
    func didYouMean() throws {
        let s = try Scenario("fh-didyoumean", origin: false)
        defer { s.close() }
        expectError(try s.ao("stauts"), "INVALID_ARGUMENT", mentioning: ["'stauts' is not a git ao command", "Did you mean 'git ao status'?"])
        expectError(try s.ao("spwan", "--no-attach"), "INVALID_ARGUMENT", mentioning: ["Did you mean 'git ao spawn'?"])
        // Nothing close: no guess, only the list.
        let far = try s.ao("xyzzy")
        expectError(far, "INVALID_ARGUMENT", mentioning: ["The commands are"])
        #expect(!far.stderr.contains("Did you mean"), "\(far)")

        expectError(try s.ao("spawn", "--no-attach", "--agent", "claude"), "UNKNOWN_AGENT", mentioning: ["Did you mean 'claude-code'?"])
        expectError(try s.ao("spawn", "--no-attach", "--agent", "pastr"), "UNKNOWN_AGENT", mentioning: ["Did you mean 'paster'?"])

        let joined = try s.ao("spawn", "--no-attach", "--promt=x")
        let separate = try s.ao("spawn", "--no-attach", "--promt", "x")
        expectError(joined, "INVALID_ARGUMENT", mentioning: ["Unknown option '--promt'", "--prompt"])
        expectError(separate, "INVALID_ARGUMENT", mentioning: ["Unknown option '--promt'", "--prompt"])
        #expect(separate.stderr == joined.stderr)
        // A real positional error is still reported as it was.
        expectError(try s.ao("spawn", "--no-attach", "x"), "INVALID_ARGUMENT", mentioning: ["Unexpected argument 'x'"])
    }

    @Test("a prefix that matches one live session and ended ones resolves to the live one")
    func ambiguityPrefersLive() throws {
        func session(_ id: String, ended: Bool, cleaned: Bool = false) -> Session {
            Session(id: SessionID(id), branch: BranchName("ao/\(id)"), branchCreated: true, baseRef: "main", baseSHA: CommitSHA("0"),
                    worktreePath: "/nowhere/\(id)", agent: "fake", tmuxName: "ao-\(id)", createdAt: Timestamp(milliseconds: 0),
                    state: ended ? .terminated : .working, terminalReason: ended ? .killed : nil,
                    cleanedAt: cleaned ? Timestamp(milliseconds: 1) : nil)
        }
        let sessions = [session("abc111", ended: true), session("abc222", ended: true, cleaned: true), session("abc333", ended: false),
                        session("xyz111", ended: true), session("xyz222", ended: true),
                        session("liv111", ended: false), session("liv222", ended: false)]
        #expect(try SessionResolver.resolve("abc", among: sessions).id.rawValue == "abc333")
        // Only ended ones: still ambiguous.
        #expect(throws: AOError.self) { try SessionResolver.resolve("xyz", among: sessions) }
        // Several live ones: ambiguous, naming only the live ones.
        do {
            _ = try SessionResolver.resolve("liv", among: sessions + [session("liv333", ended: true)])
            Issue.record("expected SESSION_AMBIGUOUS")
        } catch let error as AOError {
            #expect(error.code == .sessionAmbiguous)
            #expect(error.message.contains("liv111") && error.message.contains("liv222") && !error.message.contains("liv333"), "\(error.message)")
        }
        // An exact id still wins over everything.
        #expect(try SessionResolver.resolve("abc111", among: sessions).id.rawValue == "abc111")
    }

    @Test("an agent that exits at once is never hinted to be run in the worktree the same message reports removed")
    func agentExitedHint() throws {
        let s = try Scenario("fh-exited")
        defer { s.close() }
        try s.env.installScript("quitter", "#!/bin/sh\necho 'quitter: no API key configured'\nexit 3\n")
        try s.env.git(["config", "ao.agent.quitter.command", "quitter"], in: s.repo)
        let result = try s.ao("spawn", "--no-attach", "--agent", "quitter")
        expectError(result, "SPAWN_FAILED", mentioning: ["exited at once", "cause: AGENT_EXITED", "removed worktree"])
        let hint = result.stderr.split(separator: "\n").first { $0.hasPrefix("hint:") } ?? ""
        #expect(!hint.contains("repo.ao"), "the hint names the removed worktree: \(result)")
        #expect(hint.contains("yourself") && hint.contains("removed"), "\(result)")
    }

    @Test("doctor: a missing non-default agent's fix names that agent; missing hooks and nowhere for notifications are warnings with fixes")
    func doctorFirstHour() throws {
        let s = try Scenario("fh-doctor", origin: false)
        defer { s.close() }
        try s.env.git(["config", "ao.agent.ghost.command", "no-such-agent-program {prompt}"], in: s.repo)
        func findings() throws -> [String: [String: Any]] {
            let doctor = try s.ao("doctor", "--json")
            let list = try doctor.json()["findings"] as? [[String: Any]] ?? []
            return Dictionary(list.map { ($0["check"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        }
        var found = try findings()
        let ghost = try #require(found["agent ghost"])
        #expect(ghost["level"] as? String == "problem")
        let fix = ghost["fix"] as? String ?? ""
        #expect(fix.contains("ghost") && fix.contains("no-such-agent-program"), "\(ghost)")
        #expect(!fix.contains("choose another default"), "\(ghost)")

        let hooks = try #require(found["git hooks"], "\(found.keys.sorted())")
        #expect(hooks["level"] as? String == "warning")
        #expect((hooks["detail"] as? String)?.contains("post-commit") == true, "\(hooks)")
        #expect(hooks["fix"] as? String == "git ao hooks install")

        // The test PATH has no notify-send.
        let notify = try #require(found["notifications"], "\(found.keys.sorted())")
        #expect(notify["level"] as? String == "warning")
        #expect((notify["fix"] as? String)?.contains("ao.notify.command") == true, "\(notify)")

        #expect(try s.ao("hooks", "install").succeeded)
        try s.env.git(["config", "ao.notify.command", "true"], in: s.repo)
        found = try findings()
        #expect(found["git hooks"]?["level"] as? String == "ok", "\(found["git hooks"] ?? [:])")
        #expect(found["notifications"]?["level"] as? String == "ok", "\(found["notifications"] ?? [:])")
    }
}
