import Testing
@testable import Lifecycle

private let old = String(repeating: "a", count: 40)
private let new = String(repeating: "b", count: 40)
private let tip = String(repeating: "c", count: 40)
private let other = String(repeating: "d", count: 40)

private func facts(ahead: Int = 2, activity: Activity? = .idle, terminated: Bool = false, force: Bool = false,
                   base: (String, Int)? = nil) -> LandingFacts {
    LandingFacts(commitsAhead: ahead, activity: activity, terminated: terminated, force: force, baseWorktree: base.map { (path: $0.0, modified: $0.1) })
}

private func journal(_ step: LandingJournal.Step) -> LandingJournal {
    LandingJournal(session: "s1", base: "main", oldBase: old, newTip: new, sessionTip: tip, method: .rebase, step: step, keep: false)
}

struct RefusalCase: CustomTestStringConvertible, Sendable {
    let name: String
    let facts: LandingFacts
    let expected: LandingRefusal?
    var testDescription: String { name }
}

struct ResumeCase: CustomTestStringConvertible, Sendable {
    let name: String
    let journal: LandingJournal?
    let base: String?
    let sessionTip: String?
    let expected: LandingResume
    var testDescription: String { name }
}

struct QueueCase: CustomTestStringConvertible, Sendable {
    let name: String
    var terminated = false
    var activity: Activity? = .idle
    var review: String? = "approved"
    var conflict = false
    var ahead = 1
    let expected: QueueVerdict
    var testDescription: String { name }
}

@Suite("landing rules")
struct LandingRulesTests {
    @Test("what refuses a landing before anything is computed", arguments: [
        RefusalCase(name: "idle agent, clean base worktree -> lands", facts: facts(base: ("/repo", 0)), expected: nil),
        RefusalCase(name: "no base worktree -> lands", facts: facts(), expected: nil),
        RefusalCase(name: "no commit ahead -> NOTHING_TO_MERGE", facts: facts(ahead: 0, activity: .active, base: ("/repo", 3)), expected: .nothingToMerge),
        RefusalCase(name: "agent working -> SESSION_BUSY", facts: facts(activity: .active), expected: .sessionBusy),
        RefusalCase(name: "agent working, --force -> lands", facts: facts(activity: .active, force: true), expected: nil),
        RefusalCase(name: "ended session whose last activity was active -> lands", facts: facts(activity: .active, terminated: true), expected: nil),
        RefusalCase(name: "agent waiting for input -> lands (it is not changing files)", facts: facts(activity: .waitingInput), expected: nil),
        RefusalCase(name: "base worktree with tracked changes -> BASE_DIRTY", facts: facts(base: ("/repo", 2)), expected: .baseDirty(worktree: "/repo", modified: 2)),
        RefusalCase(name: "busy before dirty: the agent's state is said first", facts: facts(activity: .active, base: ("/repo", 2)), expected: .sessionBusy),
    ])
    func refusal(_ c: RefusalCase) {
        #expect(LandingRules.refusal(c.facts) == c.expected)
    }

    @Test("what a run after a kill does", arguments: [
        ResumeCase(name: "no journal -> start", journal: nil, base: old, sessionTip: tip, expected: .start),
        ResumeCase(name: "computed, base untouched -> restart", journal: journal(.computed), base: old, sessionTip: tip,
                   expected: .restart(reason: "the landing was interrupted before the base moved")),
        ResumeCase(name: "computed, base at the new tip (killed right after the move) -> finish", journal: journal(.computed), base: new, sessionTip: tip,
                   expected: .finish(journal(.computed))),
        ResumeCase(name: "base moved, base at the new tip -> finish", journal: journal(.baseMoved), base: new, sessionTip: tip, expected: .finish(journal(.baseMoved))),
        ResumeCase(name: "base moved, base moved on since -> finish the clean-up", journal: journal(.baseMoved), base: other, sessionTip: tip,
                   expected: .finish(journal(.baseMoved))),
        ResumeCase(name: "computed, base moved by someone else -> restart", journal: journal(.computed), base: other, sessionTip: tip,
                   expected: .restart(reason: "the base moved since the interrupted landing")),
        ResumeCase(name: "computed, agent committed since -> restart", journal: journal(.computed), base: old, sessionTip: other,
                   expected: .restart(reason: "the session's branch moved since the interrupted landing")),
    ])
    func resume(_ c: ResumeCase) {
        #expect(LandingRules.resume(c.journal, baseNow: c.base, sessionTipNow: c.sessionTip) == c.expected)
    }

    @Test("which sessions the queue takes", arguments: [
        QueueCase(name: "approved, idle, no conflict -> ready", expected: .ready),
        QueueCase(name: "ended and approved -> ready", terminated: true, activity: .exited, expected: .ready),
        QueueCase(name: "working -> not ready", activity: .active, expected: .notReady(reason: "the agent is working")),
        QueueCase(name: "predicted conflict -> not ready", conflict: true, expected: .notReady(reason: "a conflict with the base is predicted")),
        QueueCase(name: "never reviewed -> not ready", review: nil, expected: .notReady(reason: "no review has approved it")),
        QueueCase(name: "changes requested -> not ready", review: "changes_requested", expected: .notReady(reason: "its latest review is changes requested")),
        QueueCase(name: "nothing to land -> not ready", ahead: 0, expected: .notReady(reason: "nothing to merge")),
    ])
    func queue(_ c: QueueCase) {
        #expect(LandingRules.queueVerdict(terminated: c.terminated, activity: c.activity, latestReview: c.review,
                                          predictedConflict: c.conflict, commitsAhead: c.ahead) == c.expected)
    }

    @Test("when an open pull request is not even asked to merge")
    func pullRequestGate() {
        let cases: [(String, PRStatus.State, Mergeability, CIState, ReviewDecision, String?)] = [
            ("open, green, mergeable -> merge", .open, .mergeable, .passing, .none, nil),
            ("open, no checks, approved -> merge", .open, .unknown, .none, .approved, nil),
            ("draft -> refused", .draft, .mergeable, .passing, .none, "it is a draft"),
            ("CI red -> refused", .open, .mergeable, .failing, .approved, "its CI is failing"),
            ("CI running -> refused", .open, .mergeable, .pending, .approved, "its CI is still running"),
            ("changes requested -> refused", .open, .mergeable, .passing, .changesRequested, "a reviewer requested changes"),
            ("conflicting -> refused", .open, .conflicting, .passing, .none, "it conflicts with its base"),
            ("behind its base -> left to GitHub", .open, .behind, .passing, .none, nil),
        ]
        for (name, state, mergeability, ci, review, expected) in cases {
            #expect(LandingRules.pullRequestRefusal(state: state, mergeability: mergeability, ci: ci, review: review) == expected, "\(name)")
        }
    }

    @Test("the queue tells a review failure on the new base once per commit, and never to an ended session")
    func reviewFailureOnce() {
        #expect(LandingRules.tellsReviewFailure(tip: "c1", alreadyToldTips: [], terminated: false))
        #expect(!LandingRules.tellsReviewFailure(tip: "c1", alreadyToldTips: ["c1"], terminated: false))
        #expect(LandingRules.tellsReviewFailure(tip: "c2", alreadyToldTips: ["c1"], terminated: false))
        #expect(!LandingRules.tellsReviewFailure(tip: "c2", alreadyToldTips: [], terminated: true))
    }
}
