import Lifecycle
import Platform

/// GitHub's answers about one pull request read as facts: its state and mergeability, its
/// checks and legacy statuses, the review decision and the change requests, and what is
/// git-ao's own. Pure functions of the JSON, so the observer's plan stays readable.
extension PullRequestObserver {
    /// What marks a review or comment body as git-ao's own.
    package static let ownMarker = "<!-- git-ao -->"

    /// A body git-ao posted: the marker is its first line (a review whose id was never stored,
    /// say its poster was killed after GitHub took it). A person who quotes git-ao's text, marker
    /// and all, writes it further down (or after `> `), and is still heard.
    package static func isOwn(_ body: String) -> Bool {
        body.hasPrefix(ownMarker + "\n") || body == ownMarker
    }

    /// Review threads without git-ao's own comments (those of a review it posted, or carrying
    /// the own-comment marker); a thread left with none is dropped.
    package static func withoutOwn(_ threads: [ReviewThread], ownReviewIDs: Set<Int64>) -> [ReviewThread] {
        threads.compactMap { thread in
            var thread = thread
            thread.comments = thread.comments.filter { comment in
                !(comment.reviewID.map(ownReviewIDs.contains) ?? false) && !isOwn(comment.body)
            }
            return thread.comments.isEmpty ? nil : thread
        }
    }

    /// 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
    static func isObjectID(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// The state of a pull request object (`/pulls/{n}` or an entry of the open list).
    static func state(of pr: JSONValue) -> PRStatus.State {
        if pr["merged"]?.bool == true || pr["merged_at"]?.string != nil { return .merged }
        if pr["state"]?.string == "closed" { return .closed }
        return pr["draft"]?.bool == true ? .draft : .open
    }

    /// The name of the check fact that stands for a failing combined commit status when no
    /// listed status failed.
    package static let combinedStatusName = "combined commit status"

    /// Check runs (latest per name) and legacy statuses (latest per context) as check facts.
    /// `status` is the combined status (`/commits/{sha}/status`, every page merged): its own
    /// `state` covers every status GitHub holds, also any the pages did not bring, so a failing
    /// combined state with no failing status listed is a failed check of its own. Without it CI
    /// would read as passing and the failure would never be sent.
    static func checks(runs: [JSONValue], status: JSONValue) -> [CheckFact] {
        var result: [CheckFact] = []
        var seen = Set<String>()
        for run in runs {
            // GitHub lists the newest run of a re-run check first.
            guard let name = run["name"]?.string, seen.insert("run:" + name).inserted else { continue }
            let conclusion = run["conclusion"]?.string
            let isActions = run.at("app", "slug")?.string == "github-actions"
            result.append(CheckFact(name: name, outcome: CheckOutcome.from(status: run["status"]?.string, conclusion: conclusion),
                                    conclusion: conclusion ?? run["status"]?.string ?? "queued",
                                    url: run["html_url"]?.string ?? run["details_url"]?.string,
                                    actionsJobID: isActions ? run["id"]?.int64 : nil,
                                    title: run.at("output", "title")?.string, summary: run.at("output", "summary")?.string))
        }
        var legacyFailed = false
        for status in status["statuses"]?.array ?? [] {
            guard let context = status["context"]?.string, seen.insert("status:" + context).inserted else { continue }
            let state = status["state"]?.string
            let outcome = CheckOutcome.fromLegacy(state: state)
            legacyFailed = legacyFailed || outcome == .failed
            result.append(CheckFact(name: context, outcome: outcome, conclusion: state ?? "pending",
                                    url: status["target_url"]?.string, title: status["description"]?.string))
        }
        // Only failure and error count: with no status at all GitHub says "pending", which
        // must not hold CI pending forever in a repository that uses check runs alone.
        if let combined = status["state"]?.string, combined == "failure" || combined == "error", !legacyFailed {
            let total = status["total_count"]?.int.map { " (\($0) statuses)" } ?? ""
            result.append(CheckFact(name: combinedStatusName, outcome: .failed, conclusion: combined,
                                    title: "GitHub's combined commit status is \(combined)\(total)"))
        }
        return result
    }

    /// The latest decisive review per reviewer: any changes requested wins, then any approval;
    /// else a pending review request means review_required.
    static func decision(reviews: [JSONValue], requested pr: JSONValue) -> ReviewDecision {
        var latest: [String: String] = [:]
        for review in reviews {
            guard let login = review.at("user", "login")?.string, let state = review["state"]?.string?.uppercased() else { continue }
            switch state {
            case "APPROVED", "CHANGES_REQUESTED": latest[login] = state
            case "DISMISSED": latest[login] = nil
            default: continue // COMMENTED and PENDING do not change a reviewer's decision
            }
        }
        if latest.values.contains("CHANGES_REQUESTED") { return .changesRequested }
        if latest.values.contains("APPROVED") { return .approved }
        let requestedPeople = pr["requested_reviewers"]?.array ?? []
        let requestedTeams = pr["requested_teams"]?.array ?? []
        return requestedPeople.isEmpty && requestedTeams.isEmpty ? .none : .reviewRequired
    }

    /// The reviews that request changes and say something in their body, from a list that no
    /// longer holds git-ao's own. Approvals and plain comments are not feedback to act on; a
    /// dismissed review is listed as DISMISSED and so drops out; a bot's is dropped when
    /// `includeBots` is false (`ao.github.botReviews=ignore`).
    static func changeRequests(reviews: [JSONValue], includeBots: Bool) -> [ReviewSummary] {
        reviews.compactMap { review in
            guard review["state"]?.string?.uppercased() == "CHANGES_REQUESTED", let id = review["id"]?.int64,
                  let body = review["body"]?.string, !body.trimmingSpaces.isEmpty else { return nil }
            let isBot = review.at("user", "type")?.string == "Bot"
            if isBot && !includeBots { return nil }
            return ReviewSummary(id: id, author: review.at("user", "login")?.string ?? "", isBot: isBot, body: body,
                                 url: review["html_url"]?.string, submittedAt: review["submitted_at"]?.string ?? "")
        }
    }
}
