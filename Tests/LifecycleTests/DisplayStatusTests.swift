import Testing
@testable import Lifecycle

@Suite("display status rows")
struct DisplayStatusTests {
    func display(_ s: Session, now: Timestamp = at(30)) -> String { DisplayStatus.of(s, now: now).status.name }

    @Test("row 1: terminated + merged -> merged")
    func merged() { #expect(display(session(.terminated, runtime: .dead, reason: .prMerged, pr: PRStatus(number: 1, state: .merged))) == "merged") }

    @Test("row 2: terminated -> terminated (even with an open PR)")
    func terminated() { #expect(display(session(.terminated, runtime: .dead, reason: .killed, pr: PRStatus(number: 1, state: .open))) == "terminated") }

    @Test("row 3: working")
    func working() { #expect(display(session(.working)) == "working") }

    @Test("row 4: needs_input, for a question and for a permission dialog")
    func needsInput() {
        #expect(display(session(.needsInput, activity: .waitingInput)) == "needs_input")
        #expect(display(session(.needsInput, activity: .blocked)) == "needs_input")
    }

    @Test("row 5: stuck")
    func stuck() { #expect(display(session(.stuck)) == "stuck") }

    @Test("row 6: detecting")
    func detecting() {
        let memory = DetectingMemory(startedAt: at(0), evidenceHash: "h", attempts: 1)
        #expect(display(session(.detecting, runtime: .dead, detecting: memory)) == "detecting")
    }

    @Test("row 7: the PR status comes before idle")
    func prStatus() {
        #expect(display(session(.idle, activity: .idle, pr: PRStatus(number: 4, state: .open))) == "pr_open")
        #expect(display(session(.idle, activity: .idle, pr: PRStatus(number: 4, state: .open, summary: "ci_failed"))) == "ci_failed")
        // ...but never before working.
        #expect(display(session(.working, pr: PRStatus(number: 4, state: .open))) == "working")
    }

    @Test("row 8: idle")
    func idle() { #expect(display(session(.idle, activity: .idle)) == "idle") }

    @Test("row 9: no_signal, for an agent with hooks silent 90 s after launch")
    func noSignal() {
        let silent = session(.notStarted, runtime: .alive, activity: nil, hooks: true)
        #expect(display(silent, now: at(89)) == "starting")
        #expect(display(silent, now: at(90)) == "no_signal")
        // An agent without hooks is judged by its screen and never shows no_signal.
        let screenJudged = session(.notStarted, runtime: .alive, activity: nil, hooks: false)
        #expect(display(screenJudged, now: at(3600)) == "starting")
    }

    @Test("an unanswerable probe is shown as unreachable rather than claiming the agent works")
    func unreachable() {
        #expect(display(session(.working, runtime: .probeFailed)) == "unreachable")
        #expect(DisplayStatus.of(session(.working, runtime: .probeFailed), now: at(30)).reason.contains("last known: working"))
    }

    @Test("a seeded session whose spawn is running, and an agent whose session ended")
    func fallbacks() {
        #expect(display(session(.notStarted, runtime: .unknown, activity: nil)) == "spawning")
        #expect(display(session(.done, activity: .exited)) == "done")
    }

    @Test("every status has a reason")
    func reasons() {
        for state in SessionState.allCases {
            for runtime in RuntimeState.allCases {
                let (_, reason) = DisplayStatus.of(session(state, runtime: runtime, reason: state == .terminated ? .killed : nil), now: at(100))
                #expect(!reason.isEmpty)
            }
        }
    }
}

@Suite("pull request display status")
struct PRDisplayStatusTests {
    @Test("the issue's table, the most pressing first", arguments: [
        (PRStatus(number: 1, state: .open, ci: .failing, review: .changesRequested, mergeability: .conflicting), "conflicting"),
        (PRStatus(number: 1, state: .open, ci: .failing, review: .changesRequested), "ci_failed"),
        (PRStatus(number: 1, state: .draft, review: .changesRequested), "changes_requested"),
        (PRStatus(number: 1, state: .open, ci: .passing, botThreads: 1), "changes_requested"),
        (PRStatus(number: 1, state: .draft, review: .reviewRequired), "draft"),
        (PRStatus(number: 1, state: .open, review: .reviewRequired, mergeability: .mergeable), "review_pending"),
        (PRStatus(number: 1, state: .open, ci: .pending, review: .approved), "approved"),
        (PRStatus(number: 1, state: .open, ci: .passing, mergeability: .mergeable), "mergeable"),
        (PRStatus(number: 1, state: .open), "pr_open"),
        (PRStatus(number: 1, state: .merged, ci: .failing), "merged"),
    ])
    func table(_ pr: PRStatus, _ expected: String) {
        #expect(pr.displaySummary == expected)
    }

    @Test("severity orders worst first")
    func severity() {
        #expect(PRStatus(number: 1, state: .open, mergeability: .conflicting).severity < PRStatus(number: 2, state: .open).severity)
        #expect(PRStatus(number: 1, state: .open, ci: .failing).severity < PRStatus(number: 2, state: .draft).severity)
    }
}
