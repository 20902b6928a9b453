/// What GitHub feedback is typed into an agent, when and how often: pure functions of (session,
/// facts, memory, pending nudges, now). The caller fetches, renders and persists; every rule is
/// here, so one table of cases tests them all.
///
/// - CI: one fact per (head sha, check), whichever pull requests share the head. Sent once per
///   conclusion; a check that passes re-arms it. A failed Actions check waits for its job's log
///   (tried again at each poll) for at most `logWait`, then goes without it and says so.
/// - Review feedback: per pull request, unresolved threads (again only with a newer comment) and
///   the bodies of reviews that request changes (once per review), in one nudge; at most
///   `reviewNudgeCap` such nudges per pull request, then the human is told once.
/// - Conflict: one episode per session while any open pull request or the local prediction says
///   the branch conflicts; it ends (and re-arms) only when one says it is clean and none is still
///   being computed by GitHub.
/// - A pending nudge whose fact changed is replaced by one that says what is true now; one whose
///   fact ended is withdrawn. Replacing a nudge never counts towards a cap.
public enum FeedbackRules {
    public static let reviewNudgeCap = 3
    /// How long a CI nudge waits for a job log that failed to load (`ao.github.logWait`).
    public static let logWait = TimeSpan.minutes(3)

    /// The Actions jobs whose logs the next `decide` may carry: those of every failed check on a
    /// commit with a failure not yet told.
    public static func logsWanted(_ facts: FeedbackFacts, memory: FeedbackMemory) -> [Int64] {
        let checks = currentChecks(facts)
        let heads = Set(checks.filter { $0.value.outcome == .failed && memory.failures[$0.key] != $0.value.conclusion }.map(\.key.head))
        return Array(Set(checks.filter { heads.contains($0.key.head) && $0.value.outcome == .failed }.compactMap(\.value.job))).sorted()
    }

    /// Which rules a pass applies: a pass that learned only a new local conflict prediction (no
    /// GitHub poll) leaves CI and reviews to the next poll.
    public enum Scope: Sendable, CaseIterable { case all, conflict }

    public static func decide(session: Session, facts: FeedbackFacts, memory: FeedbackMemory, pending: [PendingNudge],
                              logs: [Int64: LogFetch], now: Timestamp, scope: Scope = .all, logWait: TimeSpan = logWait) -> FeedbackDecision {
        var decision = FeedbackDecision(memory: memory)
        // An ended or finished session asks for nothing; what waits is judged at delivery.
        guard !session.isTerminated, session.state != .done else { return decision }
        if scope == .all {
            ci(&decision, facts, pending, logs, now, logWait)
            reviews(&decision, facts, pending, session.id)
        }
        conflict(&decision, facts, pending)
        decision.supersede = Array(Set(decision.supersede)).sorted()
        return decision
    }

    // MARK: CI

    /// Each open pull request's checks by (head, check); pull requests sharing a head report the
    /// same checks, so the first one's view stands.
    static func currentChecks(_ facts: FeedbackFacts) -> [CheckKey: FeedbackFacts.Check] {
        var checks: [CheckKey: FeedbackFacts.Check] = [:]
        for pr in facts.open.sorted(by: { $0.number < $1.number }) {
            for check in pr.checks where checks[CheckKey(head: pr.head, check: check.name)] == nil {
                checks[CheckKey(head: pr.head, check: check.name)] = check
            }
        }
        return checks
    }

    private static func ci(_ decision: inout FeedbackDecision, _ facts: FeedbackFacts, _ pending: [PendingNudge],
                           _ logs: [Int64: LogFetch], _ now: Timestamp, _ logWait: TimeSpan) {
        let checks = currentChecks(facts)
        var prsByHead: [String: [Int]] = [:]
        for pr in facts.open.sorted(by: { $0.number < $1.number }) { prsByHead[pr.head, default: []].append(pr.number) }
        // A check that passed ends its failure: failing again later is news. One still running
        // (a re-run) keeps it, so a re-run failing the same way is not told twice.
        for (key, check) in checks where check.outcome == .passed || check.outcome == .skipped {
            decision.memory.failures[key] = nil
        }
        // A wait for a log ends with its commit (no open pull request has it any more).
        decision.memory.logWaits = decision.memory.logWaits.filter { prsByHead[$0.key.head] != nil }

        let pendingCI = pending.filter { $0.reason.topics.contains { $0.family == .ci } }
        func keys(_ nudge: PendingNudge) -> [CheckKey] {
            nudge.reason.topics.compactMap { if case .ciFailure(let head, let check) = $0 { return CheckKey(head: head, check: check) } else { return nil } }
        }
        let failed = checks.filter { $0.value.outcome == .failed }
        let freshHeads = Set(failed.filter { decision.memory.failures[$0.key] != $0.value.conclusion }.map(\.key.head))
        var replaced = Set<Int64>()
        for head in freshHeads.sorted() {
            let waiting = pendingCI.filter { keys($0).contains { $0.head == head } }
            // The new nudge tells every check failing on this commit now: the fresh ones, and
            // those of the nudge it replaces.
            let told = Set(waiting.flatMap(keys))
            let send = failed.keys.filter { $0.head == head && (decision.memory.failures[$0] != failed[$0]!.conclusion || told.contains($0)) }.sorted()
            var items: [FeedbackNudge.FailedCheck] = []
            var holding = false
            for key in send {
                let check = failed[key]!
                var withLog = false
                if let job = check.job {
                    if logs[job] == .fetched {
                        withLog = true
                    } else {
                        let since = decision.memory.logWaits[key] ?? now
                        if now - since < logWait { decision.memory.logWaits[key] = since; holding = true }
                    }
                }
                items.append(.init(name: key.check, conclusion: check.conclusion, job: check.job, withLog: withLog))
            }
            // Hold the whole nudge while a log may still come: the agent gets one message.
            if holding { continue }
            for key in send {
                decision.memory.failures[key] = failed[key]!.conclusion
                decision.memory.logWaits[key] = nil
            }
            replaced.formUnion(waiting.map(\.id))
            decision.nudges.append(.ciFailure(head: head, prs: prsByHead[head] ?? [], checks: items))
        }
        decision.supersede += replaced
        // A waiting nudge none of whose checks still fails (passed, cancelled, gone with its
        // commit) asks for work nobody needs. A check running again may still fail: kept.
        for nudge in pendingCI where !replaced.contains(nudge.id) {
            let live = keys(nudge).contains { key in
                guard let check = checks[key] else { return false }
                return check.outcome == .failed || check.outcome == .queued || check.outcome == .inProgress
            }
            if !live { decision.supersede.append(nudge.id) }
        }
    }

    // MARK: Review feedback

    private static func reviews(_ decision: inout FeedbackDecision, _ facts: FeedbackFacts, _ pending: [PendingNudge], _ id: SessionID) {
        let pendingReviews = pending.filter { $0.reason.topics.contains { $0.family == .githubReview } }
        let open = facts.open.sorted { $0.number < $1.number }
        for pr in open {
            let waiting = pendingReviews.filter { $0.reason.topics.contains { $0.pullRequest == pr.number } }
            let current = Set(pr.threads.map { NudgeTopic.reviewThread(pr: pr.number, id: $0.id) } + pr.changeRequests.map { NudgeTopic.reviewBody(pr: pr.number, id: $0) })
            let freshThreads = pr.threads.filter { decision.memory.threads[$0.id] != $0.newestComment }
            let freshBodies = pr.changeRequests.filter { !decision.memory.reviewBodies.contains($0) }
            guard !freshThreads.isEmpty || !freshBodies.isEmpty else {
                // Resolved since: withdrawn, but only when GitHub answered the thread query (a
                // failed query is not "resolved").
                if pr.threadsKnown {
                    decision.supersede += waiting.filter { !$0.reason.topics.contains(where: current.contains) }.map(\.id)
                }
                continue
            }
            let sent = decision.memory.reviewNudges[pr.number] ?? 0
            if waiting.isEmpty && sent >= reviewNudgeCap {
                if !decision.memory.reviewCapped.contains(pr.number) {
                    decision.memory.reviewCapped.insert(pr.number)
                    decision.notices.append(FeedbackNotice(kind: .needsInput, message:
                        "pull request #\(pr.number) of session \(id) has more review feedback after \(reviewNudgeCap) nudges to the agent: please look at it"))
                }
                continue
            }
            let carried = Set(waiting.flatMap(\.reason.topics)).intersection(current)
            let threads = pr.threads.filter { thread in
                freshThreads.contains(thread) || carried.contains(.reviewThread(pr: pr.number, id: thread.id))
            }
            let bodies = pr.changeRequests.filter { freshBodies.contains($0) || carried.contains(.reviewBody(pr: pr.number, id: $0)) }
            for thread in threads { decision.memory.threads[thread.id] = thread.newestComment }
            decision.memory.reviewBodies.formUnion(bodies)
            if waiting.isEmpty { decision.memory.reviewNudges[pr.number] = sent + 1 }
            decision.supersede += waiting.map(\.id)
            decision.nudges.append(.reviewFeedback(pr: pr.number, threads: threads.map(\.id), bodies: bodies))
        }
        // Feedback on a pull request that is no longer open asks for work nobody needs.
        let openNumbers = Set(open.map(\.number))
        decision.supersede += pendingReviews.filter { !$0.reason.topics.contains { $0.pullRequest.map(openNumbers.contains) ?? false } }.map(\.id)
    }

    // MARK: Conflict

    private static func conflict(_ decision: inout FeedbackDecision, _ facts: FeedbackFacts, _ pending: [PendingNudge]) {
        let open = facts.open.sorted { $0.number < $1.number }
        let conflicting = open.filter { $0.mergeability == .conflicting }.map(\.number)
        // GitHub still computing (`mergeable: null`) neither starts nor ends an episode.
        let computing = open.contains { $0.mergeability == .unknown }
        let githubClean = open.contains { $0.mergeability != .conflicting && $0.mergeability != .unknown }
        let waiting = pending.filter { $0.reason.topics.contains(.conflictEpisode) }
        if facts.localConflict == true || !conflicting.isEmpty {
            guard decision.memory.conflict == nil else { return }
            let source: ConflictSource = facts.localConflict == true ? .local : .github
            decision.memory.conflict = source
            decision.nudges.append(.conflict(prs: conflicting, source: source))
        } else if decision.memory.conflict != nil || !waiting.isEmpty {
            guard !computing, facts.localConflict == false || githubClean else { return }
            decision.memory.conflict = nil
            decision.supersede += waiting.map(\.id)
        }
    }
}
