import Lifecycle
import Platform
import Store

/// `git ao merge --ready`: lands every ready session, one at a time, oldest first. Each landing
/// is computed on the base the previous one left and tested there, so no combination lands
/// untested; one that conflicts or fails there is skipped and the queue goes on.
struct MergeQueue {
    let workspace: Workspace
    let store: StateStore
    let lander: Lander

    struct Summary: Encodable {
        struct Skipped: Encodable {
            let session: String
            let code: String?
            let reason: String
        }
        var landed: [LandingReport] = []
        var skipped: [Skipped] = []
        var dry_run: Bool

        func text() -> [String] {
            var lines: [String] = []
            for report in landed { lines += report.text(verbose: false) }
            for skip in skipped { lines.append(displaySafe("Skipped session \(skip.session): \(skip.reason).")) }
            if landed.isEmpty && skipped.isEmpty { lines.append("No session is ready to land.") }
            let verb = dry_run ? "would land" : "landed"
            lines.append("\(landed.count) \(verb), \(skipped.count) skipped.")
            return lines
        }
    }

    /// The event that records which commit an agent was told failed on the new base.
    static let reviewFailureEvent = "merge_review_failed"

    /// Tells the agent, once per commit, that its work failed the reviewer on the base as the
    /// queue left it (a conflict is told through its conflict episode instead, by the landing).
    private func tellReviewFailure(_ session: Session, tip: String, error: AOError) throws {
        let told = try workspace.storeCall { try store.events(session: session.id) }
            .filter { $0.kind == MergeQueue.reviewFailureEvent }
            .compactMap { event in event.data.flatMap { try? JSON.decode([String: String].self, from: $0) }?["tip"] }
        guard LandingRules.tellsReviewFailure(tip: tip, alreadyToldTips: told, terminated: session.isTerminated) else { return }
        let text = "git ao merge --ready could not land your work: on the base as the queue left it, \(error.message)\n\(error.hint)"
        let now = Clock.now()
        try workspace.storeCall {
            try store.recordEvent(SessionEvent(sessionID: session.id, at: now, kind: MergeQueue.reviewFailureEvent, revision: session.revision,
                                               data: JSON.object(["tip": tip])))
            _ = try store.enqueueNudge(text, reason: "merge_review_failed", for: session.id, at: now)
        }
        _ = try? OutboxDelivery(workspace: workspace, store: store, config: workspace.config()).deliver(session: session.id, now: Clock.now())
    }

    func run(options: LandingOptions) throws -> Summary {
        var summary = Summary(dry_run: options.dryRun)
        let sessions = try workspace.sessions().filter { !$0.isTerminated || $0.cleanedAt == nil }.sorted { $0.createdAt < $1.createdAt }
        let predictions = try workspace.storeCall { try store.conflictPredictions() }
        let repository = try workspace.repository()
        for session in sessions {
            let runs = try workspace.storeCall { try store.reviewRuns(session: session.id) }
            let latest = runs.filter { $0.verdict != nil }.max { $0.id < $1.id }
            guard let tip = try repository.localBranchTip(session.branch.rawValue) else { continue }
            // A verdict on an older commit says nothing about the commits since.
            let review = latest.map { $0.targetSHA == tip ? $0.verdict!.rawValue : "about an older commit" }
            let base = (try? Lander.baseBranch(of: session.baseRef, repository: repository)) ?? session.baseRef
            let ahead = (try? repository.localBranchTip(base)).flatMap { $0 }.map { (try? repository.commitsBetween(base: $0, tip: tip).count) ?? 0 } ?? 0
            let prediction = predictions[session.id]
            let predicted = prediction.map { $0.conflicting && $0.headSHA == tip } ?? false
            switch LandingRules.queueVerdict(terminated: session.isTerminated, activity: session.activity, latestReview: review,
                                             predictedConflict: predicted, commitsAhead: ahead) {
            case .notReady(let reason):
                if ahead > 0 && !session.isTerminated { summary.skipped.append(.init(session: session.id.rawValue, code: nil, reason: reason)) }
                continue
            case .ready: break
            }
            var each = options
            each.nudge = true
            each.force = false
            do {
                summary.landed.append(try lander.land(session, options: each))
            } catch let error as AOError {
                summary.skipped.append(.init(session: session.id.rawValue, code: error.code.rawValue, reason: error.message))
                if error.code == .reviewFailed, !options.dryRun { try tellReviewFailure(session, tip: tip, error: error) }
            }
        }
        return summary
    }
}
