import Lifecycle
import Platform

/// One check of a commit, for display and for the CI-failure reaction.
package struct CheckFact: Sendable, Equatable {
    package var name: String
    package var outcome: CheckOutcome
    /// The conclusion as GitHub wrote it (part of the reaction's dedupe signature).
    package var conclusion: String
    package var url: String?
    /// The GitHub Actions job id (a check run made by Actions has the job's id), else nil.
    package var actionsJobID: Int64?
    package var title: String?
    package var summary: String?

    package init(name: String, outcome: CheckOutcome, conclusion: String, url: String? = nil, actionsJobID: Int64? = nil,
                 title: String? = nil, summary: String? = nil) {
        self.name = name
        self.outcome = outcome
        self.conclusion = conclusion
        self.url = url
        self.actionsJobID = actionsJobID
        self.title = title
        self.summary = summary
    }
}

package struct ReviewComment: Sendable, Equatable {
    package var id: Int64
    package var author: String
    package var isBot: Bool
    package var body: String
    package var url: String?
    package var createdAt: String
    /// The database id of the review the comment belongs to (GraphQL `pullRequestReview`):
    /// how a comment of a review git-ao posted is recognised. Not stored: such comments are
    /// dropped before facts are kept.
    package var reviewID: Int64? = nil
}

/// An unresolved review thread.
package struct ReviewThread: Sendable, Equatable {
    package var id: String
    package var path: String
    /// `line`, or `originalLine` for an outdated thread whose line is gone.
    package var line: Int?
    package var outdated: Bool
    package var comments: [ReviewComment]

    /// A thread started by a review bot (Copilot and the like).
    package var fromBot: Bool { comments.first?.isBot ?? false }
}

/// A review that requested changes with a summary body: feedback of its own, since a review
/// can say everything in its body and leave no inline thread. Kept only for reviews that are
/// not git-ao's own (and not a bot's under `ao.github.botReviews=ignore`); the reaction that
/// delivers it keys on `id`, so each review is said once.
package struct ReviewSummary: Sendable, Equatable {
    package var id: Int64
    package var author: String
    /// The reviewer's account is a bot (`user.type == "Bot"`).
    package var isBot: Bool
    package var body: String
    package var url: String?
    package var submittedAt: String

    package init(id: Int64, author: String, isBot: Bool, body: String, url: String? = nil, submittedAt: String = "") {
        self.id = id
        self.author = author
        self.isBot = isBot
        self.body = body
        self.url = url
        self.submittedAt = submittedAt
    }
}

/// What one pass learned about one pull request.
package struct PullRequestFacts: Sendable, Equatable {
    package var number: Int
    package var state: PRStatus.State
    package var headSHA: String
    package var baseRef: String
    package var title: String
    package var url: String
    package var updatedAt: String
    package var mergeability: Mergeability
    package var ci: CIState
    package var checks: [CheckFact]
    package var review: ReviewDecision
    package var threads: [ReviewThread]
    /// False when the last thread query failed: `threads` is then the last known list.
    package var threadsKnown: Bool
    /// The changes-requested reviews with a body, as GitHub listed them when the PR last
    /// changed (reviews move `updated_at`, so an unchanged PR keeps the known ones).
    package var changeRequests: [ReviewSummary]

    package init(number: Int, state: PRStatus.State, headSHA: String, baseRef: String = "", title: String = "", url: String = "",
                 updatedAt: String = "", mergeability: Mergeability = .unknown, ci: CIState = .none, checks: [CheckFact] = [],
                 review: ReviewDecision = .none, threads: [ReviewThread] = [], threadsKnown: Bool = false,
                 changeRequests: [ReviewSummary] = []) {
        self.number = number
        self.state = state
        self.headSHA = headSHA
        self.baseRef = baseRef
        self.title = title
        self.url = url
        self.updatedAt = updatedAt
        self.mergeability = mergeability
        self.ci = ci
        self.checks = checks
        self.review = review
        self.threads = threads
        self.threadsKnown = threadsKnown
        self.changeRequests = changeRequests
    }

    /// The domain's view: the PR axis of a session.
    package var status: PRStatus {
        var status = PRStatus(number: number, state: state, headSHA: headSHA.isEmpty ? nil : CommitSHA(headSHA), ci: ci, review: review,
                              mergeability: mergeability, humanThreads: threads.filter { !$0.fromBot }.count,
                              botThreads: threads.filter(\.fromBot).count)
        status.summary = status.displaySummary
        return status
    }

    /// Several pull requests of one session: the worst open one wins; with none open, a merged
    /// one, else a closed one.
    package static func combined(_ all: [PullRequestFacts]) -> PullRequestFacts? {
        let open = all.filter { $0.state == .open || $0.state == .draft }
        if let worst = open.min(by: { ($0.status.severity, $0.number) < ($1.status.severity, $1.number) }) { return worst }
        return all.first { $0.state == .merged } ?? all.max { $0.number < $1.number }
    }
}

// MARK: - Stored form

extension PullRequestFacts {
    /// A JSON text for the database (GitAO stores it; Forge reads it back next pass).
    package func encoded() -> String {
        let checks: [JSONValue] = self.checks.map {
            .object([("name", .string($0.name)), ("outcome", .string($0.outcome.rawValue)), ("conclusion", .string($0.conclusion)),
                     ("url", .from($0.url)), ("job", .from($0.actionsJobID)), ("title", .from($0.title)), ("summary", .from($0.summary))])
        }
        let threads: [JSONValue] = self.threads.map { thread in
            .object([("id", .string(thread.id)), ("path", .string(thread.path)), ("line", .from(thread.line)),
                     ("outdated", .bool(thread.outdated)),
                     ("comments", .array(thread.comments.map {
                         .object([("id", .from($0.id)), ("author", .string($0.author)), ("bot", .bool($0.isBot)),
                                  ("body", .string($0.body)), ("url", .from($0.url)), ("at", .string($0.createdAt))])
                     }))])
        }
        let changeRequests: [JSONValue] = self.changeRequests.map {
            .object([("id", .from($0.id)), ("author", .string($0.author)), ("bot", .bool($0.isBot)), ("body", .string($0.body)),
                     ("url", .from($0.url)), ("at", .string($0.submittedAt))])
        }
        let value = JSONValue.object([
            ("number", .from(number)), ("state", .string(state.rawValue)), ("head", .string(headSHA)), ("base", .string(baseRef)),
            ("title", .string(title)), ("url", .string(url)), ("updated_at", .string(updatedAt)),
            ("mergeability", .string(mergeability.rawValue)), ("ci", .string(ci.rawValue)), ("checks", .array(checks)),
            ("review", .string(review.rawValue)), ("threads", .array(threads)), ("threads_known", .bool(threadsKnown)),
            ("change_requests", .array(changeRequests)),
        ])
        return value.serialized()
    }

    package static func decode(_ text: String) -> PullRequestFacts? {
        guard let value = try? JSONValue.parse(text), let number = value["number"]?.int,
              let state = value["state"]?.string.flatMap(PRStatus.State.init(rawValue:)) else { return nil }
        var facts = PullRequestFacts(number: number, state: state, headSHA: value["head"]?.string ?? "")
        facts.baseRef = value["base"]?.string ?? ""
        facts.title = value["title"]?.string ?? ""
        facts.url = value["url"]?.string ?? ""
        facts.updatedAt = value["updated_at"]?.string ?? ""
        facts.mergeability = value["mergeability"]?.string.flatMap(Mergeability.init(rawValue:)) ?? .unknown
        facts.ci = value["ci"]?.string.flatMap(CIState.init(rawValue:)) ?? .none
        facts.review = value["review"]?.string.flatMap(ReviewDecision.init(rawValue:)) ?? .none
        facts.threadsKnown = value["threads_known"]?.bool ?? false
        facts.checks = (value["checks"]?.array ?? []).compactMap { check in
            guard let name = check["name"]?.string, let outcome = check["outcome"]?.string.flatMap(CheckOutcome.init(rawValue:)) else { return nil }
            return CheckFact(name: name, outcome: outcome, conclusion: check["conclusion"]?.string ?? "", url: check["url"]?.string,
                             actionsJobID: check["job"]?.int64, title: check["title"]?.string, summary: check["summary"]?.string)
        }
        facts.threads = (value["threads"]?.array ?? []).compactMap { thread in
            guard let id = thread["id"]?.string else { return nil }
            let comments: [ReviewComment] = (thread["comments"]?.array ?? []).map {
                ReviewComment(id: $0["id"]?.int64 ?? 0, author: $0["author"]?.string ?? "", isBot: $0["bot"]?.bool ?? false,
                              body: $0["body"]?.string ?? "", url: $0["url"]?.string, createdAt: $0["at"]?.string ?? "")
            }
            return ReviewThread(id: id, path: thread["path"]?.string ?? "", line: thread["line"]?.int,
                                outdated: thread["outdated"]?.bool ?? false, comments: comments)
        }
        // Facts stored before change requests were kept have none: the next change of the PR
        // reads its reviews again.
        facts.changeRequests = (value["change_requests"]?.array ?? []).compactMap { review in
            guard let id = review["id"]?.int64 else { return nil }
            return ReviewSummary(id: id, author: review["author"]?.string ?? "", isBot: review["bot"]?.bool ?? false,
                                 body: review["body"]?.string ?? "", url: review["url"]?.string, submittedAt: review["at"]?.string ?? "")
        }
        return facts
    }
}
