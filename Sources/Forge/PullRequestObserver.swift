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

/// One observation pass over one repository's sessions: discovery through the open-PR list (a
/// PR linked by number, or on the session's branch in this repository: the fork guard), a
/// re-read of pull requests that left the list, then each PR's facts, checks, statuses and
/// reviews in one concurrent batch, and review threads through GraphQL only for pull requests
/// where something changed. docs/github.md has the why of each read.
package struct PullRequestObserver {
    package let client: GitHubClient
    package let repository: RepositorySlug
    /// `ao.github.botReviews=ignore` drops threads started by bots, and bots' change requests.
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

    private var base: String { "/repos/\(repository.owner)/\(repository.name)" }

    /// The combined status of a commit, a page of 100 statuses at a time (GitHub's default is 30).
    private func statusTarget(_ sha: String) -> String { "\(base)/commits/\(sha)/status?per_page=100" }
    private func checkRunsTarget(_ sha: String) -> String { "\(base)/commits/\(sha)/check-runs?per_page=100" }

    /// How one pull request is read in this pass.
    private enum Read {
        /// New or changed: the PR, check runs, statuses, reviews and review comments (5 targets).
        case full
        /// Unchanged in the list: the PR (for its mergeability, which GitHub recomputes when
        /// the base moves without touching `updated_at`), check runs and statuses (3 targets).
        case unchanged(PullRequestFacts)
        /// A known open PR that left the open list: the PR alone (merged or closed?).
        case reread(PullRequestFacts)

        var count: Int {
            switch self {
            case .full: return 5
            case .unchanged: return 3
            case .reread: return 1
            }
        }
    }

    package func observe(_ sessions: [TrackedSession]) -> [String: SessionObservation] {
        guard !sessions.isEmpty else { return [:] }
        let listed: [JSONValue]
        switch client.getAllPages(base + "/pulls?state=open&per_page=100") {
        case .failure(let failure): return failAll(sessions, "could not list pull requests: \(failure)")
        case .success(let page): listed = page.items
        }

        // Discovery. A PR is the session's when it is linked by number (one the session already
        // knows: `spawn --pr` records it at once, and a PR found once stays linked), whatever
        // the branch is called: a fork's head ref names nothing here, and a deleted fork has no
        // head repository at all. Otherwise only a PR whose head is the session's branch in this
        // very repository is: a fork's PR from a same-named branch is someone else's.
        var openBySession: [String: [JSONValue]] = [:]
        // The list's pages are read one after another, so a PR opened meanwhile pushes another
        // onto the next page, where it is listed twice: once is enough.
        var seen = Set<Int>()
        for pr in listed {
            let number = pr["number"]?.int
            if let number, !seen.insert(number).inserted { continue }
            let ref = pr.at("head", "ref")?.string
            let ownRepository = pr.at("head", "repo", "full_name")?.string?.lowercased() == repository.fullName.lowercased()
            for session in sessions {
                let linked = number.map { number in session.known.contains { $0.number == number } } ?? false
                if linked || (ownRepository && ref == session.branch) { openBySession[session.id, default: []].append(pr) }
            }
        }

        // One batch. A PR that is new, or whose head or updated_at moved in the list (pushes,
        // comments and reviews move it), or whose mergeability GitHub was still computing: every
        // read. Any other open PR: the PR itself and its checks and statuses, since neither CI
        // finishing nor the base moving moves updated_at (all conditional: unchanged, they are
        // 304s and cost no quota). And a re-read of each known open PR that left the list.
        var targets: [String] = []
        // Check runs, statuses, reviews and review comments are lists: read to their last page.
        var paged = Set<Int>()
        var malformed: [String: String] = [:]
        var plan: [(session: String, number: Int, read: Read, first: Int)] = []
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
                let first = targets.count
                if unchanged, let known {
                    plan.append((session.id, number, .unchanged(known), first))
                    paged.formUnion([first + 1, first + 2])
                    targets += ["\(base)/pulls/\(number)", checkRunsTarget(sha), statusTarget(sha)]
                } else {
                    plan.append((session.id, number, .full, first))
                    paged.formUnion([first + 1, first + 2, first + 3, first + 4])
                    targets += ["\(base)/pulls/\(number)", checkRunsTarget(sha), statusTarget(sha),
                                "\(base)/pulls/\(number)/reviews?per_page=100", "\(base)/pulls/\(number)/comments?per_page=100"]
                }
            }
            let stillListed = Set((openBySession[session.id] ?? []).compactMap { $0["number"]?.int })
            for known in session.known where (known.state == .open || known.state == .draft) && !stillListed.contains(known.number) {
                plan.append((session.id, known.number, .reread(known), targets.count))
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
            let range = item.first..<item.first + item.read.count
            let read: (values: [JSONValue], discussionUnchanged: Bool)
            switch parsed(Array(fetched[range]), targets: Array(targets[range]), pullRequest: item.number) {
            case .failure(let failure):
                // A known PR GitHub no longer has (removed, or hidden from this token): its last
                // facts stand, the problem is said, and the session's other PRs are observed.
                // 404 is neither "closed" nor a reason to stop reading the rest.
                if failure == .notFound, case .reread(let known) = item.read {
                    client.report("pull request #\(item.number): \(failure); its last known facts are kept")
                    facts[item.session]!.append(known)
                    continue
                }
                results[item.session] = .failed("pull request #\(item.number): \(failure)")
                continue
            case .success(let answer): read = answer
            }
            switch item.read {
            case .reread(let known):
                // Left the open list: merged or closed (or it moved away from this branch).
                var gone = known
                let state = Self.state(of: read.values[0])
                gone.state = state == .merged || state == .closed ? state : gone.state
                facts[item.session]!.append(gone)
            case .unchanged(let known):
                switch unchangedFacts(read.values, targets: Array(targets[range]), known: known) {
                case .failure(let failure): results[item.session] = .failed("pull request #\(item.number): \(failure)")
                case .success(let built): facts[item.session]!.append(built)
                }
            case .full:
                let known = sessions.first { $0.id == item.session }?.known.first { $0.number == item.number }
                switch buildFacts(read.values, targets: Array(targets[range]), known: known, discussionUnchanged: read.discussionUnchanged) {
                case .failure(let failure): results[item.session] = .failed("pull request #\(item.number): \(failure)")
                case .success(let (built, needsThreads)):
                    facts[item.session]!.append(built)
                    if needsThreads { threadWork.append((item.session, facts[item.session]!.count - 1)) }
                }
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
    /// known head (conditional, to their last page); every other fact stays as known.
    package func checks(of known: PullRequestFacts) -> Result<PullRequestFacts, FetchFailure> {
        guard Self.isObjectID(known.headSHA) else { return .failure(client.malformed(base + "/pulls", "no usable head sha")) }
        let targets = [checkRunsTarget(known.headSHA), statusTarget(known.headSHA)]
        return parsed(client.getPaged(targets, paged: [0, 1]), targets: targets, pullRequest: nil).flatMap { read in
            guard let runs = read.values[0]["check_runs"]?.array else { return .failure(client.malformed(targets[0], "no check_runs array")) }
            var facts = known
            facts.checks = Self.checks(runs: runs, status: read.values[1])
            facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
            return .success(facts)
        }
    }

    private func failAll(_ sessions: [TrackedSession], _ reason: String) -> [String: SessionObservation] {
        Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, SessionObservation.failed(reason)) })
    }

    /// The parsed answers of one PR's reads (with `pullRequest`, the first is that PR itself
    /// and must carry a number), and whether its reviews and review comments (reads 3 and 4)
    /// were 304s, that is, nothing was said.
    private func parsed(_ results: [Result<Fetched, FetchFailure>], targets: [String], pullRequest: Int?)
        -> Result<(values: [JSONValue], discussionUnchanged: Bool), FetchFailure> {
        var values: [JSONValue] = []
        var discussionUnchanged = true
        for (position, (result, target)) in zip(results, targets).enumerated() {
            switch result.flatMap({ fetched in client.json(fetched, from: target).map { (fetched, $0) } }) {
            case .failure(let failure): return .failure(failure)
            case .success(let (fetched, value)):
                if position >= 3 { discussionUnchanged = discussionUnchanged && fetched.notModified }
                values.append(value)
            }
        }
        // Facts are filed under the number GitHub gives: an answer about another PR would
        // put one PR's state under another's number.
        if let pullRequest, values.first?["number"]?.int != pullRequest {
            return .failure(client.malformed(targets[0], values.first?["number"]?.int == nil ? "no pull request number"
                                                 : "an answer about another pull request"))
        }
        return .success((values, discussionUnchanged))
    }

    /// An unchanged PR: the known facts with its state, mergeability and checks read again. The
    /// head and updated_at stay as known even when this fresher answer moved them (the list lags
    /// behind): the next pass then sees them move in the list and reads everything.
    private func unchangedFacts(_ values: [JSONValue], targets: [String], known: PullRequestFacts) -> Result<PullRequestFacts, FetchFailure> {
        let (pr, checkRuns, status) = (values[0], values[1], values[2])
        guard let runs = checkRuns["check_runs"]?.array else { return .failure(client.malformed(targets[1], "no check_runs array")) }
        var facts = known
        facts.state = Self.state(of: pr)
        facts.mergeability = Mergeability.from(mergeable: pr["mergeable"]?.bool, state: pr["mergeable_state"]?.string)
        facts.baseRef = pr.at("base", "ref")?.string ?? known.baseRef
        facts.title = pr["title"]?.string ?? known.title
        facts.checks = Self.checks(runs: runs, status: status)
        facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
        return .success(facts)
    }

    /// Facts from the five reads of one open PR, and whether its threads must be queried.
    private func buildFacts(_ values: [JSONValue], targets: [String], known: PullRequestFacts?,
                            discussionUnchanged: Bool) -> Result<(PullRequestFacts, Bool), FetchFailure> {
        let (pr, checkRuns, status, reviews) = (values[0], values[1], values[2], values[3])
        guard let number = pr["number"]?.int, let head = pr.at("head", "sha")?.string else {
            return .failure(client.malformed(targets[0], "no number or head sha"))
        }
        guard let runs = checkRuns["check_runs"]?.array else { return .failure(client.malformed(targets[1], "no check_runs array")) }
        guard let reviewList = reviews.array else { return .failure(client.malformed(targets[3], "expected a JSON array")) }

        var facts = PullRequestFacts(number: number, state: Self.state(of: pr), headSHA: head)
        facts.baseRef = pr.at("base", "ref")?.string ?? ""
        facts.title = pr["title"]?.string ?? ""
        facts.url = pr["html_url"]?.string ?? ""
        facts.updatedAt = pr["updated_at"]?.string ?? ""
        facts.mergeability = Mergeability.from(mergeable: pr["mergeable"]?.bool, state: pr["mergeable_state"]?.string)
        facts.checks = Self.checks(runs: runs, status: status)
        facts.ci = CIState.rollUp(facts.checks.map(\.outcome))
        let foreignReviews = reviewList.filter { review in
            !(review["id"]?.int64.map(ownReviewIDs.contains) ?? false) && !Self.isOwn(review["body"]?.string ?? "")
        }
        facts.review = Self.decision(reviews: foreignReviews, requested: pr)
        facts.changeRequests = Self.changeRequests(reviews: foreignReviews, includeBots: includeBotThreads)
        facts.threads = known?.threads ?? []
        facts.threadsKnown = known?.threadsKnown ?? false

        // Threads are asked for again only when the PR's head or updated_at moved, a review or
        // review comment changed, or the last thread query failed.
        let unchanged = known.map { $0.updatedAt == facts.updatedAt && $0.headSHA == facts.headSHA && $0.threadsKnown } ?? false
        let needsThreads = !(unchanged && discussionUnchanged)
        return .success((facts, needsThreads))
    }
}
