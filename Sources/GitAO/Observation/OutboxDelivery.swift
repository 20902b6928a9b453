import Lifecycle
import Platform
import Store
import TmuxRuntime

/// Delivers effects that stored changes left in the outbox, after those changes committed.
///
/// An item is marked delivered only after it was delivered, so a crash in between repeats it
/// once at most and never loses it. Notifications are deduplicated per open (session, kind).
/// Nudges are guarded: never typed into a permission dialog, held while the agent waits for an
/// answer or has exited, kept while the session is ended (a restore brings it back), and
/// delivered on a later pass instead.
struct OutboxDelivery {
    let workspace: Workspace
    let store: StateStore
    let config: GitConfig

    /// What one item came to, for the pass's summary.
    struct Report {
        let session: SessionID
        let text: String
    }

    /// How long a pass waits for another delivery into the same session (a `send` typing, or
    /// waiting for the agent's prompt) before leaving the nudge to a later pass.
    static let lockWait: Double = 10

    /// How many passes try a notification command that keeps failing before giving up on it.
    static let maxAttempts = 5

    func deliver(session only: SessionID? = nil, now: Timestamp) throws -> [Report] {
        var reports: [Report] = []
        for item in try store.pendingOutbox(session: only) {
            if let report = try deliver(item, now: now) { reports.append(report) }
        }
        return reports
    }

    private func deliver(_ item: OutboxItem, now: Timestamp) throws -> Report? {
        let session = try store.session(item.sessionID)
        let revision = session?.revision ?? 0
        func event(_ kind: DeliveryEvent, _ data: [String: String?]) -> SessionEvent {
            SessionEvent(sessionID: item.sessionID, at: now, kind: kind.rawValue, revision: revision, data: JSON.object(data))
        }
        switch item.kind {
        case .resolve:
            if let kind = item.topic.flatMap(NotificationKind.init(rawValue:)) {
                try store.closeNotification(kind, for: item.sessionID, at: now)
            }
            try store.markDelivered(item, at: now, event: nil)
            return nil

        case .notify:
            guard let kind = item.topic.flatMap(NotificationKind.init(rawValue:)) else {
                try store.markDelivered(item, at: now, event: nil, error: "unknown notification kind")
                return nil
            }
            let message = item.body ?? kind.rawValue
            guard try store.openNotification(kind, for: item.sessionID, message: message, at: now) else {
                try store.markDelivered(item, at: now, event: nil, error: "already open")
                return nil
            }
            let notifier = Notifier(config: config, repository: workspace.location.commonDir)
            switch notifier.send(kind, message: message, session: session, sessionID: item.sessionID, now: now) {
            case .delivered(let via):
                try store.markDelivered(item, at: now, event: event(.notified, ["type": kind.rawValue, "message": message, "via": via]))
                return Report(session: item.sessionID, text: "notified \(kind.rawValue) via \(via)")
            case .recordedOnly:
                try store.markDelivered(item, at: now, event: event(.notified, ["type": kind.rawValue, "message": message, "via": "none"]))
                return Report(session: item.sessionID, text: "\(kind.rawValue): \(message)")
            case .failed(let reason):
                // Reopen on the next pass: the notification is not open until someone was told.
                try store.closeNotification(kind, for: item.sessionID, at: now)
                if item.attempts + 1 >= OutboxDelivery.maxAttempts {
                    try store.markDelivered(item, at: now, event: event(.notifyFailed, ["type": kind.rawValue, "message": message, "error": reason]), error: reason)
                } else {
                    try store.recordAttempt(item, error: reason)
                }
                return Report(session: item.sessionID, text: "could not notify \(kind.rawValue): \(reason)")
            }

        case .nudge:
            guard let session, !session.isTerminated else { return nil }
            let reason = NudgeReason.decode(item.reason)
            let target = try reason.reviewRun.flatMap { try store.reviewRun($0) }?.targetSHA
            let head = target == nil ? nil : (ReviewTrigger.head(of: session) ?? session.headSHA?.rawValue)
            switch DeliveryRules.verdict(reason, session: session, reviewTarget: target, workerHead: head) {
            case .withdraw(let why):
                if let run = reason.reviewRun {
                    try store.withdrawStaleReviewNudge(item, run: run, head: head, at: now)
                } else {
                    try store.withdrawNudges([item.id], for: session.id, why: why, at: now)
                }
                return Report(session: item.sessionID, text: "\(reason.summary) not delivered: \(why)")
            case .hold:
                return nil
            case .deliver:
                break
            }
            guard let tmux = Tmux.locate().map({ RuntimeProbing.server(of: session, tmux: $0) }) else { return nil }
            let text = item.body ?? ""
            // The outbox row names the paste in the session's delivery journal: a pass killed
            // after its paste leaves it there, and the next pass finishes that paste instead of
            // typing the text a second time.
            let key = "outbox:\(item.id)"
            enum Typed { case notReady, done(Delivery.Result) }
            let typed: Typed?
            do {
                typed = try Delivery(tmux: tmux, target: session.tmuxName)
                    .exclusively(runDirectory: workspace.location.aoDirectory + "/run", wait: OutboxDelivery.lockWait) { delivery -> Typed in
                        // An agent that is not at its prompt gets the nudge on a later pass; one
                        // whose nudge a killed pass already submitted is busy with it, rightly.
                        if !delivery.wasSubmitted(key), !(try AgentReadiness.canTakeNudge(session, delivery: delivery, config: config)) { return .notReady }
                        let result = try delivery.deliver(text, key: key)
                        let kind: DeliveryEvent = result.confirmed ? .nudged : .nudgeUnconfirmed
                        // Unconfirmed still counts as delivered: the text sits in the input line, and
                        // pasting it again would double it.
                        try store.markDelivered(item, at: now, event: event(kind, ["text": text, "reason": item.reason, "enter_presses": String(result.presses),
                                                                                   "recovered": result.recovered ? "true" : nil, "seen": result.seen ? nil : "false"]),
                                                error: !result.confirmed ? "not confirmed" : result.seen ? nil : "not seen on the agent's screen")
                        try delivery.acknowledge(key)
                        return .done(result)
                    }
            } catch {
                try store.recordAttempt(item, error: AOError.wrapping(error).message)
                return Report(session: item.sessionID, text: "could not nudge: \(AOError.wrapping(error).message)")
            }
            guard let typed else { return Report(session: item.sessionID, text: "nudge waits: another delivery into the session is under way") }
            guard case .done(let result) = typed else { return nil }
            return Report(session: item.sessionID, text: result.confirmed ? "nudged (\(reason.summary))" : "nudge not confirmed")
        }
    }
}
