import Lifecycle
import Platform

/// A session as the observer needs it: its branch and the pull requests known from before.
package struct TrackedSession: Sendable {
    package var id: String
    package var branch: String
    package var known: [PullRequestFacts]

    package init(id: String, branch: String, known: [PullRequestFacts] = []) {
        self.id = id
        self.branch = branch
        self.known = known
    }
}

/// What one pass learned about one session.
package enum SessionObservation: Sendable, Equatable {
    /// GitHub answered: the session's pull requests now (open ones, and known ones that were
    /// merged or closed since). Empty: the session has no pull request.
    case observed([PullRequestFacts])
    /// GitHub did not answer usably: nothing about the session changes.
    case failed(String)
}

/// One observation pass over one repository's sessions: discovery through the open-PR list
/// (with the fork guard), a re-read of pull requests that left the list, then each PR's facts,
/// checks, statuses and reviews in one concurrent batch, and review threads through GraphQL
/// only for pull requests where something changed.
package struct PullRequestObserver {
    package let client: GitHubClient
    package let repository: RepositorySlug
    /// `ao.github.botReviews=ignore` drops threads started by bots.
    package var includeBotThreads = true
    /// The ids of the reviews git-ao posted (`ao.review.post`): those reviews, and comments
    /// belonging to them, are git-ao's own and never count as feedback.
    package var ownReviewIDs: Set<Int64> = []

    package init(client: GitHubClient, repository: RepositorySlug, includeBotThreads: Bool = true, ownReviewIDs: Set<Int64> = []) {
        self.client = client
        self.repository = repository
        self.includeBotThreads = includeBotThreads
        self.ownReviewIDs = ownReviewIDs
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

    /// What marks a review or comment body as git-ao's own.
    package static let ownMarker = "<!-- git-ao -->"

    /// A body git-ao posted: the marker is its first line (a review whose id was never stored,
    /// say its poster was killed after GitHub took it). A person who quotes git-ao's text, marker
    /// and all, writes it further down (or after `> `), and is still heard.
    package static func isOwn(_ body: String) -> Bool {
        body.hasPrefix(ownMarker + "\n") || body == ownMarker
    }

    private var base: String { "/repos/\(repository.owner)/\(repository.name)" }

    package func observe(_ sessions: [TrackedSession]) -> [String: SessionObservation] {
        guard !sessions.isEmpty else { return [:] }
        let listed: [JSONValue]
        switch client.getAllPages(base + "/pulls?state=open&per_page=100") {
        case .failure(let failure): return failAll(sessions, "could not list pull requests: \(failure)")
        case .success(let page): listed = page.items
        }

        // Discovery: a PR is the session's when its head is the session's branch in this very
        // repository (a fork's PR from a same-named branch is someone else's).
        var openBySession: [String: [JSONValue]] = [:]
        for pr in listed {
            guard let ref = pr.at("head", "ref")?.string,
                  let fullName = pr.at("head", "repo", "full_name")?.string,
                  fullName.lowercased() == repository.fullName.lowercased() else { continue }
            for session in sessions where session.branch == ref { openBySession[session.id, default: []].append(pr) }
        }

        // One batch. A PR that is new, or whose head or updated_at moved in the list (pushes,
        // comments and reviews move it), or whose mergeability GitHub was still computing: its
        // facts, checks, statuses, reviews and review comments. Any other open PR: only its checks
        // and statuses, since CI finishing does not move updated_at. And a re-read of each known
        // open PR that left the list (merged or closed?).
        var targets: [String] = []
        // Check runs, reviews and review comments are lists: read to their last page.
        var paged = Set<Int>()
        var malformed: [String: String] = [:]
        var plan: [(session: String, number: Int, listed: JSONValue?, first: Int, full: Bool)] = []
        for session in sessions {
            for pr in openBySession[session.id] ?? [] {
                // The head sha goes into URL paths: only an object id is accepted. A PR GitHub
                // described oddly is a failed fetch for its session, never "no PR".
                guard let number = pr["number"]?.int, let sha = pr.at("head", "sha")?.string, Self.isObjectID(sha) else {
                    malformed[session.id] = client.malformed(base + "/pulls", "a pull request without a usable number or head sha").description
                    continue
                }
                let known = session.known.first { $0.number == number }
                let unchanged = known.map {
                    $0.headSHA == sha && $0.updatedAt == (pr["updated_at"]?.string ?? "") && $0.mergeability != .unknown && $0.threadsKnown
                        && ($0.state == .open || $0.state == .draft)
                } ?? false
                plan.append((session.id, number, pr, targets.count, !unchanged))
                if unchanged {
                    paged.insert(targets.count)
                    targets += ["\(base)/commits/\(sha)/check-runs?per_page=100", "\(base)/commits/\(sha)/status"]
                } else {
                    paged.formUnion([targets.count + 1, targets.count + 3, targets.count + 4])
                    targets += ["\(base)/pulls/\(number)", "\(base)/commits/\(sha)/check-runs?per_page=100",
                                "\(base)/commits/\(sha)/status", "\(base)/pulls/\(number)/reviews?per_page=100",
                                "\(base)/pulls/\(number)/comments?per_page=100"]
                }
            }
            let stillListed = Set((openBySession[session.id] ?? []).compactMap { $0["number"]?.int })
            for known in session.known where (known.state == .open || known.state == .draft) && !stillListed.contains(known.number) {
                plan.append((session.id, known.number, nil, targets.count, true))
                targets.append("\(base)/pulls/\(known.number)")
            }
        }
        let fetched = client.getPaged(targets, paged: paged)

        var results: [String: SessionObservation] = malformed.mapValues { .failed($0) }
        var facts: [String: [PullRequestFacts]] = [:]
        var threadWork: [(session: String, index: Int)] = []
        for session in sessions { facts[session.id] = [] }
        for item in plan {
            if case .failed = results[item.session] { continue }
            let known = sessions.first { $0.id == item.session }?.known.first { $0.number == item.number }
            if item.listed == nil {
                // Left the open list: merged or closed (or it moved away from this branch).
                switch readPR(fetched[item.first], target: targets[item.first]) {
                case .failure(let failure): results[item.session] = .failed("pull request #\(item.number): \(failure)")
                case .success(let pr):
                    var gone = known ?? PullRequestFacts(number: item.number, state: .closed, headSHA: "")
                    gone.state = pr["merged"]?.bool == true || pr["merged_at"]?.string != nil ? .merged
                        : (pr["state"]?.string == "open" ? gone.state : .closed)
                    facts[item.session]!.append(gone)
                }
                continue
            }
            if !item.full, let known, let listed = item.listed {
                switch checksOnly(Array(fetched[item.first..<item.first + 2]), targets: Array(targets[item.first..<item.first + 2]),
                                  known: known, listed: listed) {
                case .failure(let failure): results[item.session] = .failed("pull request #\(item.number): \(failure)")
                case .success(let built): facts[item.session]!.append(built)
                }
                continue
            }
            switch buildFacts(Array(fetched[item.first..<item.first + 5]), targets: Array(targets[item.first..<item.first + 5]), known: known) {
            case .failure(let failure): results[item.session] = .failed("pull request #\(item.number): \(failure)")
            case .success(let (built, needsThreads)):
                facts[item.session]!.append(built)
                if needsThreads { threadWork.append((item.session, facts[item.session]!.count - 1)) }
            }
        }

        // Review threads: GraphQL, only where something changed since the last query.
        let threadResults = ReviewThreadsQuery(client: client, repository: repository)
            .fetch(threadWork.map { facts[$0.session]![$0.index].number })
        for (work, result) in zip(threadWork, threadResults) {
            var pr = facts[work.session]![work.index]
            switch result {
            case .success(let threads):
                let foreign = Self.withoutOwn(threads, ownReviewIDs: ownReviewIDs)
                pr.threads = includeBotThreads ? foreign : foreign.filter { !$0.fromBot }
                pr.threadsKnown = true
            case .failure:
                pr.threadsKnown = false
            }
            facts[work.session]![work.index] = pr
        }

        for session in sessions where results[session.id] == nil {
            // Known merged or closed pull requests stay as they were unless they came back open.
            let seen = Set((facts[session.id] ?? []).map(\.number))
            let finished = session.known.filter { ($0.state == .merged || $0.state == .closed) && !seen.contains($0.number) }
            results[session.id] = .observed((facts[session.id] ?? []) + finished)
        }
        return results
    }

    /// The CI follower's own read: only the checks and statuses of one known pull request at its
    /// known head (conditional, check runs to their last page); every other fact stays as known.
    package func checks(of known: PullRequestFacts) -> Result<PullRequestFacts, FetchFailure> {
        guard Self.isObjectID(known.headSHA) else { return .failure(client.malformed(base + "/pulls", "no usable head sha")) }
        let targets = ["\(base)/commits/\(known.headSHA)/check-runs?per_page=100", "\(base)/commits/\(known.headSHA)/status"]
        let fetched = client.getPaged(targets, paged: [0])
        var values: [JSONValue] = []
        for (result, target) in zip(fetched, targets) {
            switch result.flatMap({ client.json($0, from: target) }) {
            case .failure(let failure): return .failure(failure)
            case .success(let value): values.append(value)
            }
        }
        guard let runs = values[0]["check_runs"]?.array else { return .failure(client.malformed(targets[0], "no check_runs array")) }
        var facts = known
        facts.checks = Self.checks(runs: runs, statuses: values[1]["statuses"]?.array ?? [])
        facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
        return .success(facts)
    }

    private func failAll(_ sessions: [TrackedSession], _ reason: String) -> [String: SessionObservation] {
        Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, SessionObservation.failed(reason)) })
    }

    private func readPR(_ result: Result<Fetched, FetchFailure>, target: String) -> Result<JSONValue, FetchFailure> {
        switch result {
        case .failure(let failure): return .failure(failure)
        case .success(let fetched):
            switch client.json(fetched, from: target) {
            case .failure(let failure): return .failure(failure)
            case .success(let value):
                guard value["number"]?.int != nil else { return .failure(client.malformed(target, "no pull request number")) }
                return .success(value)
            }
        }
    }

    /// An unchanged PR: the known facts with its checks and statuses read again.
    private func checksOnly(_ results: [Result<Fetched, FetchFailure>], targets: [String], known: PullRequestFacts,
                            listed: JSONValue) -> Result<PullRequestFacts, FetchFailure> {
        var values: [JSONValue] = []
        for (result, target) in zip(results, targets) {
            switch result {
            case .failure(let failure): return .failure(failure)
            case .success(let fetched):
                switch client.json(fetched, from: target) {
                case .failure(let failure): return .failure(failure)
                case .success(let value): values.append(value)
                }
            }
        }
        guard let runs = values[0]["check_runs"]?.array else { return .failure(client.malformed(targets[0], "no check_runs array")) }
        var facts = known
        facts.state = listed["draft"]?.bool == true ? .draft : .open
        facts.checks = Self.checks(runs: runs, statuses: values[1]["statuses"]?.array ?? [])
        facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
        return .success(facts)
    }

    /// Facts from the five reads of one open PR, and whether its threads must be queried.
    private func buildFacts(_ results: [Result<Fetched, FetchFailure>], targets: [String],
                            known: PullRequestFacts?) -> Result<(PullRequestFacts, Bool), FetchFailure> {
        var values: [JSONValue] = []
        var discussionUnchanged = true
        for (position, (result, target)) in zip(results, targets).enumerated() {
            switch result {
            case .failure(let failure): return .failure(failure)
            case .success(let fetched):
                // Reviews (3) and review comments (4): a 304 means nothing was said.
                if position >= 3 { discussionUnchanged = discussionUnchanged && fetched.notModified }
                switch client.json(fetched, from: target) {
                case .failure(let failure): return .failure(failure)
                case .success(let value): values.append(value)
                }
            }
        }
        let (pr, checkRuns, status, reviews) = (values[0], values[1], values[2], values[3])
        guard let number = pr["number"]?.int, let head = pr.at("head", "sha")?.string else {
            return .failure(client.malformed(targets[0], "no number or head sha"))
        }
        guard let runs = checkRuns["check_runs"]?.array else { return .failure(client.malformed(targets[1], "no check_runs array")) }
        guard let reviewList = reviews.array else { return .failure(client.malformed(targets[3], "expected a JSON array")) }

        var facts = PullRequestFacts(number: number, state: pr["draft"]?.bool == true ? .draft : .open, headSHA: head)
        if pr["merged"]?.bool == true { facts.state = .merged } else if pr["state"]?.string == "closed" { facts.state = .closed }
        facts.baseRef = pr.at("base", "ref")?.string ?? ""
        facts.title = pr["title"]?.string ?? ""
        facts.url = pr["html_url"]?.string ?? ""
        facts.updatedAt = pr["updated_at"]?.string ?? ""
        facts.mergeability = Mergeability.from(mergeable: pr["mergeable"]?.bool, state: pr["mergeable_state"]?.string)
        facts.checks = Self.checks(runs: runs, statuses: status["statuses"]?.array ?? [])
        facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
        facts.review = Self.decision(reviews: reviewList.filter { review in
            !(review["id"]?.int64.map(ownReviewIDs.contains) ?? false) && !Self.isOwn(review["body"]?.string ?? "")
        }, requested: pr)
        facts.threads = known?.threads ?? []
        facts.threadsKnown = known?.threadsKnown ?? false

        // Threads are asked for again only when the PR's head or updated_at moved, a review or
        // review comment changed, or the last thread query failed.
        let unchanged = known.map { $0.updatedAt == facts.updatedAt && $0.headSHA == facts.headSHA && $0.threadsKnown } ?? false
        let needsThreads = !(unchanged && discussionUnchanged)
        return .success((facts, needsThreads))
    }

    /// 40 (SHA-1) or 64 (SHA-256) lower-case hex digits.
    static func isObjectID(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }

    /// Check runs (latest per name) and legacy statuses (latest per context) as check facts.
    static func checks(runs: [JSONValue], statuses: [JSONValue]) -> [CheckFact] {
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
        for status in statuses {
            guard let context = status["context"]?.string, seen.insert("status:" + context).inserted else { continue }
            let state = status["state"]?.string
            result.append(CheckFact(name: context, outcome: CheckOutcome.fromLegacy(state: state), conclusion: state ?? "pending",
                                    url: status["target_url"]?.string, title: status["description"]?.string))
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
}
