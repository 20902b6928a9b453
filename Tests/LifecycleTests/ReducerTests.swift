import Testing
@testable import Lifecycle

let t0 = Timestamp(seconds: 1_800_000_000)

func at(_ seconds: Int64) -> Timestamp { t0 + .seconds(seconds) }

/// A spawned session in a given shape.
func session(_ state: SessionState = .working, runtime: RuntimeState = .alive, activity: Activity? = .active,
             hooks: Bool = true, detecting: DetectingMemory? = nil, reason: TerminalReason? = nil,
             prompt: String? = "do the task", pr: PRStatus? = nil, lastSignal: Timestamp? = t0) -> Session {
    Session(id: SessionID("abc234"), branch: BranchName("ao/abc234"), branchCreated: true, baseRef: "origin/main",
            baseSHA: CommitSHA("0123456789012345678901234567890123456789"), worktreePath: "/w/ao-abc234", agent: "claude-code",
            prompt: prompt, tmuxName: "ao-abc234", createdAt: t0, state: state, terminalReason: reason, runtime: runtime,
            activity: activity, activitySince: activity == nil ? nil : t0, lastSignalAt: activity == nil ? nil : lastSignal,
            launchedAt: t0, detecting: detecting, pr: pr, agentHasHooks: hooks)
}

func applying(_ decision: Decision, to s: Session) -> Session { decision.patch.applied(to: s) }

/// One named rule, one expectation.
struct Case: CustomTestStringConvertible, Sendable {
    let name: String
    let given: Session?
    let observation: Observation
    let now: Timestamp
    let check: @Sendable (Decision, Session?) -> Bool
    var testDescription: String { name }
}

@Suite("lifecycle reducer: named rules")
struct ReducerTableTests {
    static let detectingMemory = DetectingMemory(startedAt: at(0), evidenceHash: evidenceHash("x"), attempts: 1)

    static let cases: [Case] = [
        // A spawn in progress stays one until it completes.
        Case(name: "activity signal during a spawn -> remembered, still spawning", given: session(.notStarted, runtime: .unknown, activity: nil),
             observation: .activity(ActivitySignal(.waitingInput, source: "hooked:waiting_input")), now: at(1)) { d, s in
            s?.state == .notStarted && s?.runtime == .unknown && s?.activity == .waitingInput && d.effects.isEmpty
        },
        Case(name: "spawn completed after an early question -> needs_input, notified", given: {
                 var early = session(.notStarted, runtime: .unknown, activity: .waitingInput)
                 early.launchedAt = nil
                 return early
             }(), observation: .spawnCompleted(agentHasHooks: true), now: at(2)) { d, s in
            s?.state == .needsInput && s?.runtime == .alive && d.effects.contains { if case .notify(.needsInput, _) = $0 { return true } else { return false } }
        },
        // Detecting, not dead.
        Case(name: "runtime missing once -> detecting, not dead", given: session(), observation: .runtime(.missing(evidence: "no ao-abc234")), now: at(1)) { d, s in
            s?.state == .detecting && s?.runtime == .dead && s?.detecting?.attempts == 1 && s?.detecting?.startedAt == at(1) && s?.terminalReason == nil
        },
        Case(name: "runtime missing again under 10 s -> still detecting, attempt counted", given: session(.detecting, runtime: .dead, detecting: detectingMemory),
             observation: .runtime(.missing(evidence: "y")), now: at(9)) { _, s in
            s?.state == .detecting && s?.detecting?.attempts == 2 && s?.detecting?.evidenceHash == evidenceHash("y") && s?.detecting?.startedAt == at(0)
        },
        Case(name: "runtime missing again 10 s after the first -> terminated runtime_lost", given: session(.detecting, runtime: .dead, detecting: detectingMemory),
             observation: .runtime(.missing(evidence: "x")), now: at(10)) { d, s in
            s?.state == .terminated && s?.terminalReason == .runtimeLost && s?.detecting == nil && d.event == .runtimeLost
        },
        Case(name: "runtime probe failed while detecting -> not evidence of death", given: session(.detecting, runtime: .dead, detecting: detectingMemory),
             observation: .runtime(.failed(reason: "timeout")), now: at(60)) { _, s in
            s?.state == .detecting && s?.runtime == .probeFailed && s?.detecting == detectingMemory
        },
        Case(name: "runtime indeterminate on a working session -> only the runtime axis changes", given: session(),
             observation: .runtime(.indeterminate(reason: "?")), now: at(1)) { d, s in
            s?.state == .working && s?.runtime == .probeFailed && d.patch.fieldNames == ["runtime"]
        },
        Case(name: "runtime alive clears the detecting memory and recovers the activity's state", given: session(.detecting, runtime: .dead, activity: .idle, detecting: detectingMemory),
             observation: .runtime(.alive), now: at(5)) { d, s in
            s?.state == .idle && s?.detecting == nil && s?.runtime == .alive && d.event == .recovered
        },
        Case(name: "runtime alive never overwrites needs_input", given: session(.needsInput, runtime: .probeFailed, activity: .blocked),
             observation: .runtime(.alive), now: at(5)) { d, s in
            s?.state == .needsInput && s?.runtime == .alive && d.patch.fieldNames == ["runtime"]
        },
        Case(name: "runtime alive on a healthy session writes nothing", given: session(), observation: .runtime(.alive), now: at(5)) { d, _ in
            d.isEmpty
        },
        Case(name: "runtime missing while the spawn is still running is ignored", given: session(.notStarted, runtime: .unknown, activity: nil),
             observation: .runtime(.missing(evidence: "x")), now: at(1)) { d, _ in d.isEmpty },

        // Activity.
        Case(name: "activity is proof of life and resolves detecting", given: session(.detecting, runtime: .dead, detecting: detectingMemory),
             observation: .activity(ActivitySignal(.active, source: "claude-code:PreToolUse")), now: at(3)) { _, s in
            s?.state == .working && s?.detecting == nil && s?.runtime == .alive
        },
        Case(name: "activity never writes the death axis: exited -> done", given: session(), observation: .activity(ActivitySignal(.exited, source: "x")), now: at(3)) { _, s in
            s?.state == .done && s?.terminalReason == nil
        },
        Case(name: "blocked -> needs_input, with one needs_input notification", given: session(), observation: .activity(ActivitySignal(.blocked, source: "x")), now: at(3)) { d, s in
            s?.state == .needsInput && s?.activity == .blocked && d.effects == [.notify(.needsInput, message: "session abc234 is waiting at a permission dialog")]
        },
        Case(name: "waiting_input while already needing input notifies nothing more", given: session(.needsInput, activity: .blocked),
             observation: .activity(ActivitySignal(.waitingInput, source: "x")), now: at(3)) { d, s in
            s?.state == .needsInput && s?.activity == .waitingInput && d.effects.isEmpty
        },
        Case(name: "leaving needs_input resolves its notification", given: session(.needsInput, activity: .waitingInput),
             observation: .activity(ActivitySignal(.active, source: "x")), now: at(3)) { d, s in
            s?.state == .working && d.effects == [.resolveNotification(.needsInput)]
        },
        Case(name: "the same activity within a minute writes nothing", given: session(lastSignal: at(0)),
             observation: .activity(ActivitySignal(.active, source: "x")), now: at(59)) { d, _ in d.isEmpty },
        Case(name: "the same activity after a minute refreshes the last signal only", given: session(lastSignal: at(0)),
             observation: .activity(ActivitySignal(.active, source: "x")), now: at(60)) { d, s in
            d.patch.fieldNames == ["last_signal_at"] && s?.lastSignalAt == at(60)
        },
        Case(name: "a signal carrying the agent's session id stores it", given: session(.notStarted, activity: nil),
             observation: .activity(ActivitySignal(.idle, source: "claude-code:SessionStart", agentSessionID: "uuid-1")), now: at(2)) { _, s in
            s?.agentSessionID == "uuid-1" && s?.state == .idle
        },

        // Terminal is terminal.
        Case(name: "a signal never resurrects a terminated session", given: session(.terminated, runtime: .dead, reason: .killed),
             observation: .activity(ActivitySignal(.active, source: "x")), now: at(3)) { d, _ in d.isEmpty },
        Case(name: "a probe of a terminated session refreshes only its runtime", given: session(.terminated, runtime: .dead, reason: .runtimeLost),
             observation: .runtime(.alive), now: at(3)) { d, s in
            d.patch.fieldNames == ["runtime"] && s?.state == .terminated && s?.terminalReason == .runtimeLost
        },
        Case(name: "only restore leaves terminated", given: session(.terminated, runtime: .dead, activity: .idle, reason: .killed),
             observation: .restored(agentHasHooks: true), now: at(3)) { d, s in
            s?.state == .notStarted && s?.terminalReason == nil && s?.runtime == .alive && s?.activity == nil && s?.launchedAt == at(3) && d.event == .restored
        },

        // Spawn and kill.
        Case(name: "spawn completion for an unknown session is an error", given: nil, observation: .spawnCompleted(agentHasHooks: true), now: at(1)) { d, _ in
            d.rejection != nil && d.patch.isEmpty
        },
        Case(name: "spawn completion for an ended session is an error", given: session(.terminated, runtime: .dead, reason: .killed),
             observation: .spawnCompleted(agentHasHooks: true), now: at(1)) { d, _ in d.rejection != nil },
        Case(name: "spawn completion of an agent with hooks waits for its first signal", given: session(.notStarted, runtime: .unknown, activity: nil),
             observation: .spawnCompleted(agentHasHooks: true), now: at(1)) { _, s in
            s?.state == .notStarted && s?.runtime == .alive && s?.launchedAt == at(1) && s?.agentHasHooks == true
        },
        Case(name: "spawn completion of an agent without hooks is working at once", given: session(.notStarted, runtime: .unknown, activity: nil, hooks: false),
             observation: .spawnCompleted(agentHasHooks: false), now: at(1)) { _, s in
            s?.state == .working && s?.activity == .active && s?.activitySince == at(1)
        },
        Case(name: "spawn completion twice changes nothing", given: session(), observation: .spawnCompleted(agentHasHooks: true), now: at(1)) { d, _ in
            d.isEmpty && d.rejection == nil
        },
        Case(name: "an abandoned spawn ends as spawn_failed", given: session(.notStarted, runtime: .unknown, activity: nil),
             observation: .spawnAbandoned, now: at(1)) { _, s in s?.terminalReason == .spawnFailed },
        Case(name: "kill of an unknown session is a no-op", given: nil, observation: .killRequested, now: at(1)) { d, _ in d.isEmpty && d.rejection == nil },
        Case(name: "kill of an ended session is a no-op", given: session(.terminated, runtime: .dead, reason: .runtimeLost), observation: .killRequested, now: at(1)) { d, _ in d.isEmpty },
        Case(name: "kill ends the session and resolves its open notification", given: session(.needsInput, activity: .waitingInput), observation: .killRequested, now: at(1)) { d, s in
            s?.terminalReason == .killed && s?.runtime == .dead && d.effects == [.resolveNotification(.needsInput)]
        },

        // Escalation.
        Case(name: "waiting_input is never aged out", given: session(.needsInput, activity: .waitingInput),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(86_400)) { d, _ in d.isEmpty },
        Case(name: "blocked is never aged out", given: session(.needsInput, activity: .blocked),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(86_400)) { d, _ in d.isEmpty },
        Case(name: "active with no signal for stuckAfter -> stuck, notified", given: session(lastSignal: at(0)),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(600)) { d, s in
            s?.state == .stuck && d.effects.count == 1 && { if case .notify(.stuck, _) = d.effects[0] { return true } else { return false } }()
        },
        Case(name: "active under stuckAfter -> not stuck", given: session(lastSignal: at(0)),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(599)) { d, _ in d.isEmpty },
        Case(name: "already stuck -> not notified again", given: session(.stuck, lastSignal: at(0)),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(7200)) { d, _ in d.isEmpty },
        Case(name: "idle with an open task and no PR for stuckAfter -> stuck", given: session(.idle, activity: .idle),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(600)) { _, s in s?.state == .stuck },
        Case(name: "idle without a task is never stuck", given: session(.idle, activity: .idle, prompt: nil),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(86_400)) { d, _ in d.isEmpty },
        Case(name: "idle with a PR is never stuck", given: session(.idle, activity: .idle, pr: PRStatus(number: 7, state: .open)),
             observation: .tick(EscalationPolicy(stuckAfter: .minutes(10))), now: at(86_400)) { d, _ in d.isEmpty },
        Case(name: "a signal gets a stuck session working and resolves the notification", given: session(.stuck),
             observation: .activity(ActivitySignal(.active, source: "x")), now: at(900)) { d, s in
            s?.state == .working && d.effects == [.resolveNotification(.stuck)]
        },

        // SCM and commits.
        Case(name: "scm observation records the PR axis", given: session(), observation: .scm(PRStatus(number: 3, state: .open)), now: at(1)) { d, s in
            s?.pr?.number == 3 && d.patch.fieldNames == ["pr"]
        },
        Case(name: "merged parks a working session as done and tells the human", given: session(.working, pr: PRStatus(number: 3, state: .open)),
             observation: .scm(PRStatus(number: 3, state: .merged)), now: at(1)) { d, s in
            s?.state == .done && s?.pr?.state == .merged && s?.pr?.summary == "merged" && d.reason.hasPrefix("pr_merged")
                && d.effects == [.notify(.prMerged, message: "pull request #3 of session abc234 was merged")]
        },
        Case(name: "merged while stuck resolves the stuck notification", given: session(.stuck, pr: PRStatus(number: 3, state: .open)),
             observation: .scm(PRStatus(number: 3, state: .merged)), now: at(1)) { d, s in
            s?.state == .done && d.effects.first == .resolveNotification(.stuck)
        },
        Case(name: "merged again is not told twice", given: session(.done, pr: PRStatus(number: 3, state: .merged, summary: "merged")),
             observation: .scm(PRStatus(number: 3, state: .merged)), now: at(1)) { d, _ in d.isEmpty },
        Case(name: "merged for a terminated session only records the PR", given: session(.terminated, reason: .killed, pr: PRStatus(number: 3, state: .open)),
             observation: .scm(PRStatus(number: 3, state: .merged)), now: at(1)) { d, s in
            s?.state == .terminated && s?.pr?.state == .merged && d.effects.isEmpty
        },
        Case(name: "closed without merge tells the human and leaves the session as it is", given: session(.idle, activity: .idle, pr: PRStatus(number: 4, state: .open)),
             observation: .scm(PRStatus(number: 4, state: .closed)), now: at(1)) { d, s in
            s?.state == .idle && d.effects == [.notify(.prClosed, message: "pull request #4 of session abc234 was closed without merging")]
        },
        Case(name: "ready to merge is told once", given: session(.idle, activity: .idle, pr: PRStatus(number: 5, state: .open, ci: .pending)),
             observation: .scm(PRStatus(number: 5, state: .open, ci: .passing, review: .approved, mergeability: .mergeable)), now: at(1)) { d, s in
            s?.pr?.summary == "mergeable" && d.effects == [.notify(.readyToMerge, message: "pull request #5 of session abc234 is ready to merge")]
        },
        Case(name: "an unresolved human thread is not ready to merge",
             given: session(.idle, activity: .idle, pr: PRStatus(number: 5, state: .open, ci: .pending)),
             observation: .scm(PRStatus(number: 5, state: .open, ci: .passing, review: .none, mergeability: .mergeable, humanThreads: 1)), now: at(1)) { d, s in
            s?.pr?.summary == "changes_requested" && d.effects.isEmpty
        },
        Case(name: "no longer ready resolves the ready notification",
             given: session(.idle, activity: .idle, pr: PRStatus(number: 5, state: .open, ci: .passing, review: .approved, mergeability: .mergeable)),
             observation: .scm(PRStatus(number: 5, state: .open, ci: .failing, review: .approved, mergeability: .mergeable)), now: at(1)) { d, s in
            s?.pr?.summary == "ci_failed" && d.effects == [.resolveNotification(.readyToMerge)]
        },
        Case(name: "a done session (its PR merged) stays done while its agent idles; new work takes it out",
             given: session(.done, activity: .idle, pr: PRStatus(number: 5, state: .merged)),
             observation: .activity(ActivitySignal(.idle, source: "screen")), now: at(1)) { d, s in
            s?.state == .done
        },
        Case(name: "a done session whose agent starts new work is working again",
             given: session(.done, activity: .idle, pr: PRStatus(number: 5, state: .merged)),
             observation: .activity(ActivitySignal(.active, source: "hook")), now: at(1)) { d, s in
            s?.state == .working
        },
        Case(name: "a commit records the new HEAD", given: session(), observation: .head(CommitSHA("f00d"), cause: .commit), now: at(1)) { d, s in
            s?.headSHA == CommitSHA("f00d") && d.event == .commit
        },
    ]

    @Test("rule", arguments: cases)
    func rule(_ c: Case) {
        let decision = Lifecycle.decide(c.given, c.observation, c.now)
        let after = c.given.map { applying(decision, to: $0) }
        #expect(c.check(decision, after), "\(c.name): \(decision)")
        if decision.patch.isEmpty { #expect(decision.effects.isEmpty, "effects without a change: \(c.name)") }
    }

    @Test("every rule has its own name")
    func uniqueNames() {
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }
}

@Suite("mass-death breaker")
struct MassDeathBreakerTests {
    func probes(missing: Int, alive: Int) -> [SessionID: RuntimeProbe] {
        var result: [SessionID: RuntimeProbe] = [:]
        for i in 0..<missing { result[SessionID("m\(i)")] = .missing(evidence: "gone") }
        for i in 0..<alive { result[SessionID("a\(i)")] = .alive }
        return result
    }

    @Test("5 of 8 missing in one pass: a restarted server, every death becomes a failed probe")
    func trips() {
        let (out, tripped) = MassDeathBreaker.apply(probes(missing: 5, alive: 3))
        #expect(tripped)
        #expect(out.values.allSatisfy { if case .missing = $0 { return false } else { return true } })
        #expect(out.values.filter { $0 == .alive }.count == 3)
    }

    @Test("4 of 4 missing is below the minimum: deaths stand")
    func belowMinimum() { #expect(!MassDeathBreaker.apply(probes(missing: 4, alive: 0)).tripped) }

    @Test("5 of 10 is not more than half: deaths stand")
    func notMoreThanHalf() { #expect(!MassDeathBreaker.apply(probes(missing: 5, alive: 5)).tripped) }

    @Test("6 of 10 trips")
    func moreThanHalf() { #expect(MassDeathBreaker.apply(probes(missing: 6, alive: 4)).tripped) }
}
