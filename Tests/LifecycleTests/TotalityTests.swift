import Testing
@testable import Lifecycle

/// Every (state, observation) pair through `decide`: it always returns, and never breaks the
/// invariants the rest of git-ao relies on.
@Suite("lifecycle reducer: totality")
struct TotalityTests {
    /// Every session shape that satisfies the invariants.
    static var states: [Session] {
        var result: [Session] = []
        let prs: [PRStatus?] = [nil, PRStatus(number: 1, state: .open), PRStatus(number: 1, state: .merged), Self.readyPR]
        let activities: [Activity?] = [nil] + Activity.allCases
        for state in SessionState.allCases {
            let reasons: [TerminalReason?] = state == .terminated ? TerminalReason.allCases : [nil]
            let runtimes: [RuntimeState] = state == .detecting ? [.dead, .probeFailed] : RuntimeState.allCases
            for reason in reasons {
                for runtime in runtimes {
                    for activity in activities {
                        for pr in prs {
                            for hooks in [true, false] {
                                for prompt in [nil, "task"] {
                                    let memory = state == .detecting ? DetectingMemory(startedAt: at(0), evidenceHash: "h", attempts: 1) : nil
                                    result.append(session(state, runtime: runtime, activity: activity, hooks: hooks, detecting: memory,
                                                          reason: reason, prompt: prompt, pr: pr))
                                }
                            }
                        }
                    }
                }
            }
        }
        return result
    }

    static let observations: [Observation] = {
        var all: [Observation] = [
            .spawnCompleted(agentHasHooks: true), .spawnCompleted(agentHasHooks: false),
            .restored(agentHasHooks: true), .restored(agentHasHooks: false),
            .spawnAbandoned, .killRequested,
            .runtime(.alive), .runtime(.missing(evidence: "e")), .runtime(.failed(reason: "r")), .runtime(.indeterminate(reason: "r")),
            .scm(nil), .scm(PRStatus(number: 2, state: .open)), .scm(PRStatus(number: 2, state: .merged)),
            .scm(PRStatus(number: 1, state: .closed)), .scm(readyPR),
            .scm(PRStatus(number: 1, state: .open, ci: .failing, mergeability: .conflicting, humanThreads: 2)),
            .head(CommitSHA("abc"), cause: .commit), .head(CommitSHA("abc"), cause: .rewrite), .tick(EscalationPolicy(stuckAfter: .minutes(10))), .tick(EscalationPolicy(stuckAfter: .seconds(0))),
        ]
        for activity in Activity.allCases {
            all.append(.activity(ActivitySignal(activity, source: "t")))
            all.append(.activity(ActivitySignal(activity, source: "t", agentSessionID: "agent-1")))
        }
        return all
    }()

    static let readyPR = PRStatus(number: 1, state: .open, ci: .passing, review: .approved, mergeability: .mergeable)

    static let times = [at(0), at(5), at(11), at(3600)]

    static func invariantViolations(before: Session?, after: Session?, observation: Observation, decision: Decision) -> [String] {
        var problems: [String] = []
        if decision.rejection != nil && !decision.patch.isEmpty { problems.append("a rejected observation changed the session") }
        if decision.patch.isEmpty && !decision.effects.isEmpty { problems.append("effects without a change") }
        guard let after else { return problems }
        if (after.state == .terminated) != (after.terminalReason != nil) { problems.append("terminated <=> terminal reason") }
        if (after.state == .detecting) != (after.detecting != nil) { problems.append("detecting <=> detecting memory") }
        if (after.activity == nil) != (after.activitySince == nil) { problems.append("activity <=> activity time") }
        if after.state == .detecting && after.runtime == .alive { problems.append("detecting while alive") }
        if let before, before.isTerminated {
            if case .restored = observation {} else if !after.isTerminated { problems.append("resurrected without restore") }
            if case .runtime = observation {} else if case .scm = observation {} else if case .head = observation {} else if case .restored = observation {} else if !decision.patch.isEmpty {
                problems.append("a terminated session changed by \(observation)")
            }
        }
        for effect in decision.effects {
            if case .notify(.needsInput, _) = effect, after.state != .needsInput { problems.append("needs_input notified outside needs_input") }
            if case .notify(.stuck, _) = effect, after.state != .stuck { problems.append("stuck notified outside stuck") }
        }
        // Applying a decision and then the same observation again never flips the state back.
        return problems
    }

    @Test("every state x observation x time: no crash, no broken invariant")
    func total() {
        var checked = 0
        var failures: [String] = []
        let sessions: [Session?] = [nil] + Self.states
        for before in sessions {
            for observation in Self.observations {
                for now in Self.times {
                    let decision = Lifecycle.decide(before, observation, now)
                    let after = before.map { decision.patch.applied(to: $0) }
                    let problems = Self.invariantViolations(before: before, after: after, observation: observation, decision: decision)
                    if !problems.isEmpty && failures.count < 20 {
                        failures.append("\(problems) for \(String(describing: before?.state)) / \(observation) @ \(now)")
                    }
                    checked += 1
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(checked > 100_000)
    }
}
