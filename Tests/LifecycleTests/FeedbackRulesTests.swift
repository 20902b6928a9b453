import Testing
@testable import Lifecycle

private let headA = String(repeating: "a", count: 40)
private let headB = String(repeating: "b", count: 40)

private func pr(_ number: Int, head: String = headA, state: PRStatus.State = .open, merge: Mergeability = .mergeable,
                checks: [FeedbackFacts.Check] = [], threadsKnown: Bool = true, threads: [FeedbackFacts.Thread] = [],
                bodies: [Int64] = []) -> FeedbackFacts.PullRequest {
    FeedbackFacts.PullRequest(number: number, state: state, head: head, mergeability: merge, checks: checks, threadsKnown: threadsKnown,
                              threads: threads, changeRequests: bodies)
}

private func failed(_ name: String, _ conclusion: String = "failure", job: Int64? = nil) -> FeedbackFacts.Check {
    .init(name: name, outcome: .failed, conclusion: conclusion, job: job)
}

private func passed(_ name: String) -> FeedbackFacts.Check { .init(name: name, outcome: .passed, conclusion: "success") }
private func running(_ name: String) -> FeedbackFacts.Check { .init(name: name, outcome: .inProgress, conclusion: "in_progress") }

private func pending(_ id: Int64, _ topics: NudgeTopic...) -> PendingNudge { PendingNudge(id: id, reason: NudgeReason(topics)) }

/// One named rule: given facts, memory and waiting nudges, what is decided.
struct FeedbackCase: CustomTestStringConvertible, Sendable {
    let name: String
    var session: Session = feedbackSession()
    let facts: FeedbackFacts
    var memory = FeedbackMemory()
    var pending: [PendingNudge] = []
    var logs: [Int64: LogFetch] = [:]
    var now = at(0)
    var scope = FeedbackRules.Scope.all
    let check: @Sendable (FeedbackDecision) -> Bool
    var testDescription: String { name }
}

private func feedbackSession(_ state: SessionState = .working, reason: TerminalReason? = nil) -> Session {
    session(state, runtime: state == .terminated ? .dead : .alive, reason: reason)
}

@Suite("feedback rules: named cases")
struct FeedbackRulesTests {
    static let cases: [FeedbackCase] = [
        // CI
        FeedbackCase(name: "a failed check -> one CI nudge about its head, remembered with its conclusion",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("test")])])) { d in
            d.nudges == [.ciFailure(head: headA, prs: [1], checks: [.init(name: "test", conclusion: "failure", job: nil, withLog: false)])]
                && d.memory.failures[CheckKey(head: headA, check: "test")] == "failure"
        },
        FeedbackCase(name: "the same failure already told -> nothing",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("test")])]),
                     memory: FeedbackMemory(failures: [CheckKey(head: headA, check: "test"): "failure"])) { d in d.nudges.isEmpty && d.supersede.isEmpty },
        FeedbackCase(name: "the same check failing with another conclusion -> told again",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("test", "timed_out")])]),
                     memory: FeedbackMemory(failures: [CheckKey(head: headA, check: "test"): "failure"])) { d in d.nudges.count == 1 },
        FeedbackCase(name: "two open PRs sharing a head and a failing check -> one nudge naming both",
                     facts: FeedbackFacts(pullRequests: [pr(2, checks: [failed("test")]), pr(1, checks: [failed("test")])])) { d in
            d.nudges == [.ciFailure(head: headA, prs: [1, 2], checks: [.init(name: "test", conclusion: "failure", job: nil, withLog: false)])]
        },
        FeedbackCase(name: "a check that passes re-arms its failure",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [passed("test")])]),
                     memory: FeedbackMemory(failures: [CheckKey(head: headA, check: "test"): "failure"])) { d in d.memory.failures.isEmpty },
        FeedbackCase(name: "a check running again keeps its failure and its waiting nudge",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [running("test")])]),
                     memory: FeedbackMemory(failures: [CheckKey(head: headA, check: "test"): "failure"]),
                     pending: [pending(5, .ciFailure(head: headA, check: "test"))]) { d in
            d.memory.failures.count == 1 && d.supersede.isEmpty && d.nudges.isEmpty
        },
        FeedbackCase(name: "a waiting CI nudge whose check now passes -> withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [passed("test")])]),
                     pending: [pending(5, .ciFailure(head: headA, check: "test"))]) { d in d.supersede == [5] && d.nudges.isEmpty },
        FeedbackCase(name: "a waiting CI nudge about an older head -> withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1, head: headB, checks: [passed("test")])]),
                     pending: [pending(5, .ciFailure(head: headA, check: "test"))]) { d in d.supersede == [5] },
        FeedbackCase(name: "a new failure while one waits -> the waiting one is replaced by one telling both",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("lint"), failed("test")])]),
                     memory: FeedbackMemory(failures: [CheckKey(head: headA, check: "test"): "failure"]),
                     pending: [pending(5, .ciFailure(head: headA, check: "test"))]) { d in
            d.supersede == [5] && d.nudges.count == 1 && d.nudges[0].reason.topics.count == 2
        },
        FeedbackCase(name: "a failed Actions check whose log failed -> held, waiting since now",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("build", job: 9)])]), logs: [9: .failed]) { d in
            d.nudges.isEmpty && d.memory.logWaits[CheckKey(head: headA, check: "build")] == at(0) && d.memory.failures.isEmpty
        },
        FeedbackCase(name: "its log loads at a later poll -> sent with the log",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("build", job: 9)])]),
                     memory: FeedbackMemory(logWaits: [CheckKey(head: headA, check: "build"): at(0)]), logs: [9: .fetched], now: at(60)) { d in
            d.nudges == [.ciFailure(head: headA, prs: [1], checks: [.init(name: "build", conclusion: "failure", job: 9, withLog: true)])]
                && d.memory.logWaits.isEmpty
        },
        FeedbackCase(name: "its log still fails after logWait -> sent without it",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("build", job: 9)])]),
                     memory: FeedbackMemory(logWaits: [CheckKey(head: headA, check: "build"): at(0)]), logs: [9: .failed], now: at(180)) { d in
            d.nudges == [.ciFailure(head: headA, prs: [1], checks: [.init(name: "build", conclusion: "failure", job: 9, withLog: false)])]
        },
        FeedbackCase(name: "a non-Actions check never waits for a log",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("ext")])]), logs: [:]) { d in d.nudges.count == 1 },
        FeedbackCase(name: "a closed PR's failing check -> nothing",
                     facts: FeedbackFacts(pullRequests: [pr(1, state: .closed, checks: [failed("test")])])) { d in d.nudges.isEmpty },

        // Review feedback
        FeedbackCase(name: "an unresolved thread -> one review nudge, counted",
                     facts: FeedbackFacts(pullRequests: [pr(1, threads: [.init(id: "T1", newestComment: 10)])])) { d in
            d.nudges == [.reviewFeedback(pr: 1, threads: ["T1"], bodies: [])] && d.memory.reviewNudges[1] == 1 && d.memory.threads["T1"] == 10
        },
        FeedbackCase(name: "a change-request body -> told once, with the threads",
                     facts: FeedbackFacts(pullRequests: [pr(1, bodies: [77])])) { d in
            d.nudges == [.reviewFeedback(pr: 1, threads: [], bodies: [77])] && d.memory.reviewBodies == [77]
        },
        FeedbackCase(name: "a body already told -> nothing",
                     facts: FeedbackFacts(pullRequests: [pr(1, bodies: [77])]), memory: FeedbackMemory(reviewBodies: [77])) { d in d.nudges.isEmpty },
        FeedbackCase(name: "a thread with a newer comment -> told again",
                     facts: FeedbackFacts(pullRequests: [pr(1, threads: [.init(id: "T1", newestComment: 11)])]),
                     memory: FeedbackMemory(threads: ["T1": 10], reviewNudges: [1: 1])) { d in d.nudges.count == 1 && d.memory.reviewNudges[1] == 2 },
        FeedbackCase(name: "over the cap -> the human is told once, the agent nothing",
                     facts: FeedbackFacts(pullRequests: [pr(1, threads: [.init(id: "T1", newestComment: 12)])]),
                     memory: FeedbackMemory(threads: ["T1": 10], reviewNudges: [1: 3])) { d in
            d.nudges.isEmpty && d.notices.count == 1 && d.notices[0].kind == .needsInput && d.memory.reviewCapped == [1]
        },
        FeedbackCase(name: "over the cap, human already told -> nothing",
                     facts: FeedbackFacts(pullRequests: [pr(1, threads: [.init(id: "T1", newestComment: 12)])]),
                     memory: FeedbackMemory(threads: ["T1": 10], reviewNudges: [1: 3], reviewCapped: [1])) { d in d.nudges.isEmpty && d.notices.isEmpty },
        FeedbackCase(name: "a newer comment while a review nudge waits -> replaced, not counted again",
                     facts: FeedbackFacts(pullRequests: [pr(1, threads: [.init(id: "T1", newestComment: 11), .init(id: "T2", newestComment: 5)])]),
                     memory: FeedbackMemory(threads: ["T1": 10, "T2": 5], reviewNudges: [1: 1]),
                     pending: [pending(8, .reviewThread(pr: 1, id: "T1"), .reviewThread(pr: 1, id: "T2"))]) { d in
            d.supersede == [8] && d.nudges == [.reviewFeedback(pr: 1, threads: ["T1", "T2"], bodies: [])] && d.memory.reviewNudges[1] == 1
        },
        FeedbackCase(name: "the waiting thread was resolved -> withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1)]), memory: FeedbackMemory(threads: ["T1": 10], reviewNudges: [1: 1]),
                     pending: [pending(8, .reviewThread(pr: 1, id: "T1"))]) { d in d.supersede == [8] },
        FeedbackCase(name: "the thread query failed -> a waiting nudge is kept",
                     facts: FeedbackFacts(pullRequests: [pr(1, threadsKnown: false)]),
                     pending: [pending(8, .reviewThread(pr: 1, id: "T1"))]) { d in d.supersede.isEmpty },
        FeedbackCase(name: "the PR was merged -> its waiting review nudge is withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1, state: .merged)]),
                     pending: [pending(8, .reviewBody(pr: 1, id: 4))]) { d in d.supersede == [8] },

        // Conflict
        FeedbackCase(name: "GitHub says dirty -> one episode, one nudge",
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .conflicting)])) { d in
            d.nudges == [.conflict(prs: [1], source: .github)] && d.memory.conflict == .github
        },
        FeedbackCase(name: "one PR dirty, the other clean -> the episode stays open, nothing withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .mergeable), pr(2, merge: .conflicting)]),
                     memory: FeedbackMemory(conflict: .github), pending: [pending(3, .conflictEpisode)]) { d in d.nudges.isEmpty && d.supersede.isEmpty },
        FeedbackCase(name: "the local prediction conflicts -> an episode, though GitHub says clean",
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .mergeable)], localConflict: true)) { d in d.nudges == [.conflict(prs: [], source: .local)] },
        FeedbackCase(name: "GitHub still computing -> the episode neither starts nor ends",
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .unknown)], localConflict: false), memory: FeedbackMemory(conflict: .github)) { d in
            d.memory.conflict == .github && d.nudges.isEmpty
        },
        FeedbackCase(name: "every source clean -> the episode ends, re-armed, its waiting nudge withdrawn",
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .mergeable)], localConflict: false),
                     memory: FeedbackMemory(conflict: .local), pending: [pending(3, .conflictEpisode)]) { d in d.memory.conflict == nil && d.supersede == [3] },
        FeedbackCase(name: "no source says anything -> an open episode stays open",
                     facts: FeedbackFacts(), memory: FeedbackMemory(conflict: .local)) { d in d.memory.conflict == .local },

        // Scope and the session
        FeedbackCase(name: "a local-prediction pass -> CI and reviews are left to the next poll",
                     facts: FeedbackFacts(pullRequests: [pr(1, checks: [failed("test")], threads: [.init(id: "T1", newestComment: 1)])], localConflict: true),
                     scope: .conflict) { d in d.nudges == [.conflict(prs: [], source: .local)] },
        FeedbackCase(name: "a terminated session -> nothing at all",
                     session: feedbackSession(.terminated, reason: .killed),
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .conflicting, checks: [failed("test")])])) { d in d == FeedbackDecision(memory: FeedbackMemory()) },
        FeedbackCase(name: "a session parked as done -> nothing at all",
                     session: feedbackSession(.done),
                     facts: FeedbackFacts(pullRequests: [pr(1, merge: .conflicting, checks: [failed("test")])])) { d in d.nudges.isEmpty },
    ]

    @Test("named feedback rules", arguments: cases)
    func rule(_ c: FeedbackCase) {
        let d = FeedbackRules.decide(session: c.session, facts: c.facts, memory: c.memory, pending: c.pending, logs: c.logs, now: c.now, scope: c.scope)
        #expect(c.check(d), "\(c.name): \(d)")
    }

    @Test("logs are wanted for every failed Actions check on a commit with news, and only then")
    func logsWanted() {
        let facts = FeedbackFacts(pullRequests: [pr(1, checks: [failed("a", job: 1), failed("b", job: 2), passed("c")]),
                                                 pr(2, head: headB, checks: [failed("d", job: 3)])])
        #expect(FeedbackRules.logsWanted(facts, memory: FeedbackMemory()) == [1, 2, 3])
        let told = FeedbackMemory(failures: [CheckKey(head: headA, check: "a"): "failure", CheckKey(head: headB, check: "d"): "failure"])
        #expect(FeedbackRules.logsWanted(facts, memory: told) == [1, 2])
    }

    @Test("topics and reasons have one text form each, which reads back", arguments: [
        NudgeTopic.reviewRun(12), .ciFailure(head: headA, check: "build: linux x64 %d 日本"), .reviewThread(pr: 3, id: "PRRT_kw:1 2"),
        .reviewBody(pr: 3, id: 991), .conflictEpisode, .message,
    ])
    func encoding(_ topic: NudgeTopic) {
        #expect(NudgeTopic(encoded: topic.encoded) == topic)
        #expect(!topic.encoded.contains(" ") && !topic.encoded.contains("\n"))
        let reason = NudgeReason([topic, .conflictEpisode])
        #expect(NudgeReason.decode(reason.encoded) == reason)
    }

    @Test("a review verdict stored before topics is still read as its run; other old reasons have no topic")
    func legacyReasons() {
        #expect(NudgeReason.decode("review:42").reviewRun == 42)
        #expect(NudgeReason.decode("forge:ci:#3:abc").topics.isEmpty)
        #expect(NudgeReason.decode(nil).topics.isEmpty)
    }

    @Test("delivery: stale first, then held, else typed")
    func delivery() {
        let working = session(.working)
        #expect(DeliveryRules.verdict(NudgeReason([.reviewRun(1)]), session: working, reviewTarget: headA, workerHead: headB) ==
                .withdraw("HEAD moved on to bbbbbbbbbbbb before delivery"))
        let blocked = session(.needsInput, activity: .blocked)
        #expect(DeliveryRules.verdict(NudgeReason([.reviewRun(1)]), session: blocked, reviewTarget: headA, workerHead: headA) == .hold("a permission dialog is open"))
        let merged = session(.working, pr: PRStatus(number: 4, state: .merged))
        #expect(DeliveryRules.verdict(NudgeReason([.conflictEpisode]), session: merged, reviewTarget: nil, workerHead: nil) == .withdraw("pull request #4 is merged"))
        #expect(DeliveryRules.verdict(NudgeReason([.message]), session: merged, reviewTarget: nil, workerHead: nil) == .deliver)
    }

    @Test("review verdicts: an ended session, a moved HEAD, the cap, else delivered; older waiting verdicts withdrawn")
    func verdicts() {
        #expect(ReviewVerdictRules.changesRequested(sessionAlive: false, workerHead: headA, target: headA, branch: "b", delivered: 0, cap: 3) ==
                .keep(note: "not delivered: the session has ended"))
        #expect(ReviewVerdictRules.changesRequested(sessionAlive: true, workerHead: headB, target: headA, branch: "b", delivered: 0, cap: 3)
                != .deliver)
        if case .capped = ReviewVerdictRules.changesRequested(sessionAlive: true, workerHead: headA, target: headA, branch: "b", delivered: 3, cap: 3) {} else {
            Issue.record("three delivered verdicts reach the cap")
        }
        #expect(ReviewVerdictRules.changesRequested(sessionAlive: true, workerHead: nil, target: headA, branch: "b", delivered: 2, cap: 3) == .deliver)
        #expect(ReviewVerdictRules.withdrawnByNewer(waiting: [(5, headB), (4, headA), (3, headB)], target: headA) == [3, 5])
    }
}

/// Every combination of a small world of facts, memories and waiting nudges through the rules:
/// they always return, and never break what the store and the agent rely on.
@Suite("feedback rules: totality")
struct FeedbackTotalityTests {
    static let checkSets: [[FeedbackFacts.Check]] = [[], [failed("t")], [failed("t", job: 1)], [passed("t")], [running("t")],
                                                     [failed("t", "timed_out"), failed("u", job: 2)]]
    static let merges: [Mergeability] = [.unknown, .mergeable, .conflicting]
    static let threadSets: [[FeedbackFacts.Thread]] = [[], [.init(id: "T1", newestComment: 2)]]

    static var factSets: [FeedbackFacts] {
        var result: [FeedbackFacts] = [FeedbackFacts()]
        for checks in checkSets {
            for merge in merges {
                for threads in threadSets {
                    for local in [nil, true, false] as [Bool?] {
                        for state in [PRStatus.State.open, .merged] {
                            result.append(FeedbackFacts(pullRequests: [pr(1, state: state, merge: merge, checks: checks, threads: threads, bodies: threads.isEmpty ? [] : [7])],
                                                        localConflict: local))
                        }
                        // Two pull requests sharing the head, the second clean.
                        result.append(FeedbackFacts(pullRequests: [pr(1, merge: merge, checks: checks, threads: threads), pr(2, checks: checks)], localConflict: local))
                    }
                }
            }
        }
        return result
    }

    static let memories: [FeedbackMemory] = [
        FeedbackMemory(),
        FeedbackMemory(failures: [CheckKey(head: headA, check: "t"): "failure"], threads: ["T1": 1], reviewBodies: [7], reviewNudges: [1: 1], conflict: .github),
        FeedbackMemory(logWaits: [CheckKey(head: headA, check: "t"): at(0), CheckKey(head: headA, check: "u"): at(0)], reviewNudges: [1: 3], conflict: .local),
        FeedbackMemory(failures: [CheckKey(head: headB, check: "t"): "failure"], reviewNudges: [1: 3], reviewCapped: [1]),
    ]

    static let pendings: [[PendingNudge]] = [
        [], [pending(1, .ciFailure(head: headA, check: "t"))], [pending(2, .reviewThread(pr: 1, id: "T1")), pending(3, .conflictEpisode)],
        [pending(4, .ciFailure(head: headB, check: "t")), pending(5, .reviewBody(pr: 1, id: 7)), pending(6, .message), pending(7, .reviewRun(1))],
    ]

    @Test("every (session, facts, memory, waiting, logs, time) combination keeps the invariants")
    func total() {
        var checked = 0
        var problems: [String] = []
        let sessions = [session(.working), session(.done), session(.terminated, runtime: .dead, reason: .killed)]
        for s in sessions {
            for facts in Self.factSets {
                for memory in Self.memories {
                    for waiting in Self.pendings {
                        for logs in [[:], [1: LogFetch.failed, 2: .failed], [1: .fetched, 2: .fetched]] as [[Int64: LogFetch]] {
                            for now in [at(0), at(180)] {
                                for scope in FeedbackRules.Scope.allCases {
                                    let d = FeedbackRules.decide(session: s, facts: facts, memory: memory, pending: waiting, logs: logs, now: now, scope: scope)
                                    checked += 1
                                    problems += Self.violations(s, facts, memory, waiting, d, scope)
                                    if problems.count > 20 { Issue.record("\(problems.joined(separator: "\n"))"); return }
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(checked > 100_000)
    }

    static func violations(_ s: Session, _ facts: FeedbackFacts, _ memory: FeedbackMemory, _ waiting: [PendingNudge],
                           _ d: FeedbackDecision, _ scope: FeedbackRules.Scope) -> [String] {
        var problems: [String] = []
        let where_ = "\(facts) \(memory) \(waiting)"
        if !Set(d.supersede).isSubset(of: Set(waiting.map(\.id))) { problems.append("withdrew a nudge that was not waiting: \(where_)") }
        if Set(d.supersede).count != d.supersede.count { problems.append("withdrew one nudge twice: \(where_)") }
        if waiting.contains(where: { $0.reason.topics.contains(.message) || $0.reason.reviewRun != nil }),
           d.supersede.contains(where: { id in waiting.first { $0.id == id }!.reason.topics.contains { $0 == .message || $0.family == .review } }) {
            problems.append("withdrew a person's message or a review verdict: \(where_)")
        }
        if s.isTerminated || s.state == .done, d != FeedbackDecision(memory: memory) { problems.append("decided for an ended session: \(where_)") }
        let open = Set(facts.open.map(\.number))
        let openHeads = Set(facts.open.map(\.head))
        var topics = Set<NudgeTopic>()
        for nudge in d.nudges {
            for topic in nudge.reason.topics {
                if !topics.insert(topic).inserted { problems.append("one topic in two nudges: \(topic) \(where_)") }
                switch topic {
                case .ciFailure(let head, _): if !openHeads.contains(head) { problems.append("CI nudge about a head no open PR has: \(where_)") }
                case .reviewThread(let pr, _), .reviewBody(let pr, _): if !open.contains(pr) { problems.append("review nudge about a PR not open: \(where_)") }
                default: break
                }
                // A topic told before is told again only to replace a waiting nudge that carried it.
                let replaced = waiting.filter { d.supersede.contains($0.id) }.flatMap(\.reason.topics)
                if case .ciFailure(let head, let check) = topic, memory.failures[CheckKey(head: head, check: check)] != nil,
                   !replaced.contains(topic), facts.open.first(where: { $0.head == head })?.checks.first(where: { $0.name == check })?.conclusion == memory.failures[CheckKey(head: head, check: check)] {
                    problems.append("the same failure told twice: \(where_)")
                }
            }
            if nudge.reason.topics.isEmpty { problems.append("a nudge about nothing: \(where_)") }
        }
        if d.nudges.filter({ if case .conflict = $0 { return true } else { return false } }).count > 1 { problems.append("two conflict nudges") }
        if memory.conflict != nil, d.nudges.contains(where: { if case .conflict = $0 { return true } else { return false } }) {
            problems.append("a second conflict nudge in one episode: \(where_)")
        }
        if scope == .conflict, d.nudges.contains(where: { if case .conflict = $0 { return false } else { return true } }) {
            problems.append("a local-prediction pass sent GitHub feedback: \(where_)")
        }
        for (pr, count) in d.memory.reviewNudges where count > FeedbackRules.reviewNudgeCap { problems.append("review cap passed on #\(pr)") }
        // Deterministic: the same input decides the same.
        return problems
    }
}
