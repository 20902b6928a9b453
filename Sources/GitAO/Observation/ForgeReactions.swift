import Forge
import Lifecycle
import Platform
import Store

/// Turns what GitHub said, and the local conflict prediction, into nudges for the agent. The
/// rules (what, when, how often) are `FeedbackRules` in Lifecycle; this fetches the job logs they
/// may want, renders the text of what they chose, and has the store persist the decision with
/// the nudges in one transaction. Delivery then goes through the outbox (guarded, confirmed).
struct ForgeReactions {
    let store: StateStore
    /// nil: no GitHub access in this pass (a local prediction): no log can be fetched.
    let client: GitHubClient?
    let repository: RepositorySlug?
    let now: Timestamp
    /// `ao.github.logWait`.
    var logWait = FeedbackRules.logWait

    /// Reacts to the session's pull requests as GitHub reports them now, and to the stored local
    /// prediction. `scope: .conflict` (a pass that learned only a new local prediction) leaves
    /// every other fact to the next GitHub poll.
    func react(_ session: Session, prs: [PullRequestFacts], local: ConflictPrediction?, scope: FeedbackRules.Scope = .all) throws {
        guard !session.isTerminated, session.state != .done else { return }
        let facts = Self.facts(prs, local: local)
        var logs: [Int64: LogFetch] = [:]
        var tails: [Int64: String] = [:]
        if scope == .all, let client, let repository {
            let wanted = FeedbackRules.logsWanted(facts, memory: try store.feedbackMemory(for: session.id))
            if !wanted.isEmpty && !client.stopped {
                tails = client.jobLogTails(repository, jobs: wanted)
                for job in wanted { logs[job] = tails[job] == nil ? .failed : .fetched }
            }
        }
        try store.updateFeedback(for: session.id, at: now) { memory, pending in
            let decision = FeedbackRules.decide(session: session, facts: facts, memory: memory, pending: pending, logs: logs, now: now, scope: scope, logWait: logWait)
            let texts = decision.nudges.map { render($0, session: session, prs: prs, local: local, tails: tails) }
            return (decision, texts)
        }
    }

    /// What the rules need of the facts: ids, outcomes and states.
    static func facts(_ prs: [PullRequestFacts], local: ConflictPrediction?) -> FeedbackFacts {
        FeedbackFacts(pullRequests: prs.map { pr in
            FeedbackFacts.PullRequest(
                number: pr.number, state: pr.state, head: pr.headSHA, mergeability: pr.mergeability,
                checks: pr.checks.map { .init(name: $0.name, outcome: $0.outcome, conclusion: $0.conclusion, job: $0.actionsJobID) },
                threadsKnown: pr.threadsKnown,
                threads: foreignThreads(pr).map { .init(id: $0.id, newestComment: $0.comments.map(\.id).max() ?? 0) },
                changeRequests: pr.changeRequests.map(\.id))
        }, localConflict: local?.conflicting)
    }

    /// Threads without comments carrying git-ao's own marker (a thread left with none is dropped).
    static func foreignThreads(_ pr: PullRequestFacts) -> [ReviewThread] {
        pr.threads.compactMap { thread in
            var thread = thread
            thread.comments = thread.comments.filter { !PullRequestObserver.isOwn($0.body) }
            return thread.comments.isEmpty ? nil : thread
        }
    }

    private func render(_ nudge: FeedbackNudge, session: Session, prs: [PullRequestFacts], local: ConflictPrediction?,
                        tails: [Int64: String]) -> String {
        switch nudge {
        case .ciFailure(let head, let numbers, let checks):
            let known = prs.filter { $0.headSHA == head && numbers.contains($0.number) }.flatMap(\.checks)
            let items = checks.map { failed -> ReactionMessages.FailedCheck in
                let check = known.first { $0.name == failed.name } ?? CheckFact(name: failed.name, outcome: .failed, conclusion: failed.conclusion)
                return ReactionMessages.FailedCheck(check: check, log: failed.withLog ? failed.job.flatMap { tails[$0] } : nil,
                                                    logFailed: failed.job != nil && !failed.withLog)
            }
            return ReactionMessages.ciFailure(prs: numbers, headSHA: head, checks: items, logWait: logWait)
        case .reviewFeedback(let number, let threadIDs, let reviewIDs):
            let pr = prs.first { $0.number == number }
            let threads = pr.map(Self.foreignThreads)?.filter { threadIDs.contains($0.id) } ?? []
            let bodies = (pr?.changeRequests ?? []).filter { reviewIDs.contains($0.id) }.map {
                ReactionMessages.ReviewBody(author: $0.author, isBot: $0.isBot, body: $0.body, url: $0.url)
            }
            return ReactionMessages.review(pr: number, threads: threads, bodies: bodies)
        case .conflict(let numbers, _):
            let base = local?.baseRef ?? session.baseRef
            let shown = numbers.isEmpty ? prs.filter { $0.state == .open || $0.state == .draft }.map(\.number).sorted() : numbers
            return ReactionMessages.conflict(base: base, paths: local?.conflicting == true ? local!.paths : [], prs: shown)
        }
    }
}
