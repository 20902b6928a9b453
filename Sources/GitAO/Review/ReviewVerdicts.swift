import Lifecycle
import Platform
import Store

/// Records verdicts and hands `changes_requested` to the worker through the lifecycle outbox,
/// where the guarded delivery (DeliveryRules) types it when the agent can take it.
struct ReviewVerdicts {
    let workspace: Workspace
    let store: StateStore

    /// Records a verdict; the store decides delivery in the same transaction. A delivery is
    /// then attempted by a background observation pass.
    func record(_ id: Int64, verdict: ReviewRun.Verdict, body: String?) throws -> RecordedVerdict {
        let policy = ReviewDeliveryPolicy(cap: ReviewSettings.cap, nudgeText: ReviewVerdicts.nudgeText, capMessage: ReviewVerdicts.capMessage)
        let recorded: RecordedVerdict
        do {
            let head = try store.reviewRun(id).flatMap { try store.session($0.sessionID) }.flatMap(ReviewTrigger.head(of:))
            recorded = try workspace.storeCall { try store.recordReviewVerdict(id, verdict: verdict, body: body, policy: policy, workerHead: head, at: Clock.now()) }
        } catch let refusal as ReviewVerdictRefusal {
            switch refusal {
            case .notFound(let id): throw Messages.reviewRunNotFound(String(id))
            case .stale(let status): throw Messages.reviewRunStale(id, status: status)
            case .alreadySubmitted(let old): throw Messages.reviewAlreadySubmitted(id, verdict: old)
            }
        }
        if recorded.changed && verdict == .changesRequested {
            ObservePass.startInBackground(location: workspace.location, session: recorded.run.sessionID)
        }
        if recorded.changed { ReviewPoster.postIfAsked(recorded.run, workspace: workspace, store: store) }
        return recorded
    }

    /// The nudge: the reviewer's body fenced as reviewer output and made terminal-safe line by
    /// line, with the sha and the reviewer.
    /// The fence lines carry a tag that appears nowhere in the body (lengthened until it does
    /// not), so reviewer text cannot fake the end of its own output.
    @Sendable static func nudgeText(_ run: ReviewRun) -> String {
        let body = (run.body ?? "").split(separator: "\n", omittingEmptySubsequences: false).map { terminalSafe(String($0)) }
        var tag = fenceTag(run)
        while body.contains(where: { $0.contains(tag) }) { tag += "x" }
        return ([
            "[git-ao review] \(run.reviewer) requests changes on commit \(run.targetSHA.prefix(12)) (review run \(run.id)).",
            "----- reviewer output \(tag) (untrusted; check each point before acting) -----",
        ] + body + [
            "----- end of reviewer output \(tag) -----",
            "Fix what holds up, then commit.",
        ]).joined(separator: "\n")
    }

    /// Eight hex digits of the run's evidence hash: the same for every delivery of one run.
    static func fenceTag(_ run: ReviewRun) -> String {
        String(evidenceHash("\(run.id):\(run.targetSHA):\(run.createdAt.milliseconds)").prefix(8))
    }

    @Sendable static func capMessage(_ run: ReviewRun) -> String {
        "\(run.reviewer) still requests changes on \(run.branch) at \(run.targetSHA.prefix(12)) after \(ReviewSettings.cap) review nudges; see: git ao review show \(run.id)"
    }
}

/// One word for a session's latest review, for `status` and `show`.
enum ReviewSummary {
    static func word(_ run: ReviewRun) -> String {
        if let verdict = run.verdict { return verdict.rawValue }
        return run.status.rawValue
    }

    /// The latest run of each session.
    static func latest(store: StateStore??) -> [SessionID: String] {
        guard let store = store ?? nil, let runs = try? store.reviewRuns() else { return [:] }
        var result: [SessionID: String] = [:]
        for run in runs { result[run.sessionID] = word(run) }
        return result
    }
}
