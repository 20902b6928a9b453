import Forge
import Lifecycle
import Platform
import Store

/// Turns what GitHub said into nudges for the agent, through the outbox (so the NudgeGuard,
/// delivery confirmation and at-least-once delivery apply), each at most once per fact:
///
/// - CI failure: per failed check, signature (head sha, conclusion); a re-run failing the same
///   way on the same commit is not sent again;
/// - review threads: per thread, the newest comment delivered; at most `reviewNudgeCap` nudges
///   per pull request, then one needs_input notification for the human instead;
/// - merge conflict: once per episode; the episode ends (and re-arms) when GitHub reports the
///   branch mergeable again.
///
/// A nudge still waiting (the agent is blocked, asking, or exited) is superseded when its fact
/// changes: replaced by one that says what is true now, or dropped when nothing is left to say.
struct ForgeReactions {
    let store: StateStore
    let client: GitHubClient
    let repository: RepositorySlug
    let now: Timestamp

    static let reviewNudgeCap = 3
    /// Every reaction's outbox reason starts with this (`forge:ci:#<n>:…`, `forge:review:#<n>`, …).
    static let reasonPrefix = "forge:"

    func react(_ session: Session, prs: [PullRequestFacts]) throws {
        guard !session.isTerminated, session.state != .done else { return }
        for pr in prs where pr.state == .open || pr.state == .draft {
            try reactToCI(session.id, pr)
            try reactToReviews(session.id, pr)
            try reactToConflict(session, pr)
        }
    }

    // MARK: CI

    private func reactToCI(_ id: SessionID, _ pr: PullRequestFacts) throws {
        let prefix = "forge:ci:#\(pr.number):"
        let topic = prefix + pr.headSHA
        // A nudge about an earlier commit is stale.
        try store.supersedePendingNudges(for: id, reasonPrefix: prefix, except: topic, at: now)
        // A check that passed ends its failure: failing again later is news. A check still
        // running (a re-run) keeps it, so a re-run failing the same way is not sent twice.
        for check in pr.checks where check.outcome == .passed || check.outcome == .skipped {
            try store.clearReaction("ci", subject: "#\(pr.number):\(check.name)", for: id)
        }
        let failed = pr.checks.filter { $0.outcome == .failed }
        guard !failed.isEmpty else {
            if pr.ci == .passing || pr.ci == .none { try store.supersedePendingNudges(for: id, reasonPrefix: topic, at: now) }
            return
        }
        let fresh = try failed.filter { try store.reaction("ci", subject: "#\(pr.number):\($0.name)", for: id)?.signature != signature(pr, $0) }
        guard !fresh.isEmpty else { return }
        let superseded = try store.supersedePendingNudges(for: id, reasonPrefix: topic, at: now)
        let send = superseded > 0 ? failed : fresh
        let jobs = send.compactMap(\.actionsJobID)
        let tails = client.stopped || jobs.isEmpty ? [:] : client.jobLogTails(repository, jobs: jobs)
        let items = send.map { check in
            ReactionMessages.FailedCheck(check: check, log: check.actionsJobID.flatMap { tails[$0] }, logFailed: check.actionsJobID != nil)
        }
        try store.enqueueReaction(ReactionMessages.ciFailure(pr: pr.number, headSHA: pr.headSHA, checks: items), reason: topic,
                                  records: send.map { ("ci", "#\(pr.number):\($0.name)", signature(pr, $0)) }, for: id, at: now)
    }

    private func signature(_ pr: PullRequestFacts, _ check: CheckFact) -> String { "\(pr.headSHA)|\(check.conclusion)" }

    // MARK: Reviews

    private func reactToReviews(_ id: SessionID, _ pr: PullRequestFacts) throws {
        let topic = "forge:review:#\(pr.number)"
        let threads = pr.threads.compactMap { thread -> ReviewThread? in
            var thread = thread
            thread.comments = thread.comments.filter { !PullRequestObserver.isOwn($0.body) }
            return thread.comments.isEmpty ? nil : thread
        }
        guard !threads.isEmpty else {
            // Only when GitHub answered the thread query: a failed query is not "resolved".
            if pr.threadsKnown { try store.supersedePendingNudges(for: id, reasonPrefix: topic, at: now) }
            return
        }
        let fresh = try threads.filter { try store.reaction("thread", subject: "#\(pr.number):\($0.id)", for: id)?.signature != newest($0) }
        guard !fresh.isEmpty else { return }
        let sent = try store.reaction("review-count", subject: "#\(pr.number)", for: id)?.sentCount ?? 0
        if sent >= Self.reviewNudgeCap {
            if try store.reaction("review-capped", subject: "#\(pr.number)", for: id) == nil {
                try store.enqueueNotification(.needsInput, message: "pull request #\(pr.number) of session \(id) has more review feedback after \(Self.reviewNudgeCap) nudges to the agent: please look at it",
                                              for: id, at: now)
                try store.recordReaction("review-capped", subject: "#\(pr.number)", signature: "capped", for: id, at: now)
            }
            return
        }
        let superseded = try store.supersedePendingNudges(for: id, reasonPrefix: topic, at: now)
        let send = superseded > 0 ? threads : fresh
        var records = send.map { (kind: "thread", subject: "#\(pr.number):\($0.id)", signature: newest($0)) }
        if superseded == 0 { records.append(("review-count", "#\(pr.number)", "\(sent + 1)")) }
        try store.enqueueReaction(ReactionMessages.review(pr: pr.number, threads: send), reason: topic, records: records, for: id, at: now)
    }

    /// A thread's signature: its newest comment. A thread is sent again only when it has a
    /// comment newer than the last one delivered.
    private func newest(_ thread: ReviewThread) -> String {
        String(thread.comments.map(\.id).max() ?? 0)
    }

    // MARK: Conflicts

    private func reactToConflict(_ session: Session, _ pr: PullRequestFacts) throws {
        let local = try store.conflictPredictions()[session.id]
        try ConflictEpisode(store: store, now: now).update(session, local: local, github: pr.mergeability)
    }
}
