import Forge
import Lifecycle
import Platform
import Store

/// The GitHub part of an observation pass. Forge knows nothing of the database: this step hands
/// it the stored ETags and facts, and stores what it returns. GitHub is asked at most once per
/// `ao.github.interval` per repository (the claim is in the database, so hook processes share
/// it); a pass within the interval changes nothing here.
struct ForgeStep {
    let workspace: Workspace
    let store: StateStore
    let config: GitConfig
    /// `observe --refresh`: poll now, whatever the interval (never before a rate limit resets).
    var force = false

    /// Why GitHub observation is off for this repository, or the repository it observes.
    enum Target {
        case off(String)
        case on(ForgeConfiguration, RepositorySlug)
    }

    static func target(workspace: Workspace, config: GitConfig) -> Target {
        let configuration: ForgeConfiguration
        do {
            configuration = try ForgeConfiguration.resolve(environment: Environment.all(), config: config)
        } catch let error as AOError {
            return .off(error.message)
        } catch {
            return .off("\(error)")
        }
        guard let result = try? GitCLI.run(["remote", "get-url", configuration.remoteName], in: workspace.location.commonDir, timeout: 10),
              result.succeeded else {
            return .off("the repository has no remote '\(configuration.remoteName)' (ao.remote)")
        }
        // The URL as git uses it (insteadOf applied); failing that, as configured (an insteadOf
        // may point a GitHub URL at a mirror or a local copy).
        let url = result.stdoutText.trimmingSpaces
        let configured = (try? GitCLI.run(["config", "--get", "remote.\(configuration.remoteName).url"], in: workspace.location.commonDir, timeout: 10))
            .flatMap { $0.succeeded ? $0.stdoutText.trimmingSpaces : nil }
        guard let slug = RepositorySlug.parse(remoteURL: url) ?? configured.flatMap(RepositorySlug.parse(remoteURL:)) else {
            return .off("remote '\(configuration.remoteName)' is not a GitHub repository URL")
        }
        return .on(configuration, slug)
    }

    func run(sessions: [Session], record: (Applied) -> Void) throws {
        let live = sessions.filter { !$0.isTerminated }
        guard !live.isEmpty else { return }
        guard case .on(let configuration, let slug) = Self.target(workspace: workspace, config: config) else { return }
        let now = Clock.now()
        let interval = try config.timeSpan(ConfigKeys.githubInterval) ?? .seconds(30)
        guard try store.claimForgePoll(slug.fullName, at: now, interval: interval, force: force) else { return }
        let previous = try store.forgeRepositoryState(slug.fullName)
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            if previous.lastError != Self.noToken {
                HookLog.append("GitHub observation is off: \(Self.noToken)", aoDirectory: workspace.location.aoDirectory)
            }
            try store.recordForgePoll(slug.fullName, at: now, unauthorized: false, authenticated: false,
                                      rateLimitedUntil: nil, pollInterval: previous.pollInterval, error: Self.noToken)
            return
        }

        let cache = try store.storedResponses().mapValues { CachedResponse(etag: $0.etag, body: Array($0.body.utf8), next: $0.next) }
        let client = GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                                  version: GitAOCommand.version, cache: cache)
        var tracked: [TrackedSession] = []
        var stored: [SessionID: [Int: String]] = [:]
        for session in live {
            stored[session.id] = try store.pullRequestFacts(for: session.id)
            let known = stored[session.id, default: [:]].values.compactMap(PullRequestFacts.decode)
            tracked.append(TrackedSession(id: session.id.rawValue, branch: session.branch.rawValue, known: known))
        }
        let bots = config.string(ConfigKeys.githubBotReviews)?.lowercased() != "ignore"
        let own = try store.postedReviewIDs(repository: slug.fullName)
        let results = PullRequestObserver(client: client, repository: slug, includeBotThreads: bots, ownReviewIDs: own).observe(tracked)

        try store.storeResponses(client.changedCache.mapValues {
            StoredResponse(etag: $0.etag, body: String(decoding: $0.body, as: UTF8.self), next: $0.next)
        }, at: now)
        let problem = client.problems.first
        try store.recordForgePoll(slug.fullName, at: now, unauthorized: client.unauthorized, authenticated: client.authenticated,
                                  rateLimitedUntil: client.rateLimitedUntil.map { Timestamp(seconds: $0) },
                                  pollInterval: client.pollInterval.map { TimeSpan.seconds(Int64($0)) }, error: problem)
        // Until this, status reads the claim as a poll in flight, and the error on record as the previous poll's.
        for line in client.problems { HookLog.append("github: \(line)", aoDirectory: workspace.location.aoDirectory) }

        var reactions = ForgeReactions(store: store, client: client, repository: slug, now: now)
        reactions.logWait = try config.timeSpan(ConfigKeys.githubLogWait) ?? FeedbackRules.logWait
        for session in live {
            switch results[session.id.rawValue] {
            case .failed(let why)?:
                // A failed fetch is not "no PR" and not "closed": nothing changes.
                HookLog.append("github: session \(session.id): \(why)", aoDirectory: workspace.location.aoDirectory)
            case .observed(let prs)?:
                try absorb(prs, of: session, stored: stored[session.id], reactions: reactions, now: now, record: record)
            case nil:
                continue
            }
        }
    }

    /// Stores what GitHub said of one session's pull requests, moves its PR axis, and reacts.
    private func absorb(_ prs: [PullRequestFacts], of session: Session, stored: [Int: String]?, reactions: ForgeReactions,
                        now: Timestamp, record: (Applied) -> Void) throws {
        let encoded = Dictionary(prs.map { ($0.number, $0.encoded()) }, uniquingKeysWith: { first, _ in first })
        if encoded != stored { try store.replacePullRequestFacts(encoded, for: session.id, at: now) }
        let status = PullRequestFacts.combined(prs)?.status
        var current = session
        if !Lifecycle.decide(session, .scm(status), now).patch.isEmpty {
            let applied = try store.apply(session.id, .scm(status), at: now, eventData: EventData.of(prEventData(status)))
            record(applied)
            current = applied.session ?? session
        }
        try reactions.react(current, prs: prs, local: try store.conflictPredictions()[session.id])
    }

    /// The CI follower's poll: the checks and statuses of the session's open pull request at
    /// `head`, with requests of its own (conditional; the repository's poll claim is neither
    /// taken nor waited for, a rate limit or a refused token is). Returns false when no open PR
    /// at `head` is known yet (the caller falls back to a full pass, which discovers it).
    func followChecks(of session: Session, head: String, record: (Applied) -> Void) throws -> Bool {
        guard case .on(let configuration, let slug) = Self.target(workspace: workspace, config: config) else { return false }
        let stored = try store.pullRequestFacts(for: session.id)
        let known = stored.values.compactMap(PullRequestFacts.decode)
        guard let pr = known.first(where: { ($0.state == .open || $0.state == .draft) && $0.headSHA == head }) else { return false }
        let now = Clock.now()
        let previous = try store.forgeRepositoryState(slug.fullName)
        if previous.rateLimit(at: now) != nil { return true }
        if previous.tokenUnhealthySince != nil { return true }
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            return true
        }
        let cache = try store.storedResponses().mapValues { CachedResponse(etag: $0.etag, body: Array($0.body.utf8), next: $0.next) }
        let client = GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                                  version: GitAOCommand.version, cache: cache)
        let result = PullRequestObserver(client: client, repository: slug).checks(of: pr)
        try store.storeResponses(client.changedCache.mapValues {
            StoredResponse(etag: $0.etag, body: String(decoding: $0.body, as: UTF8.self), next: $0.next)
        }, at: now)
        if client.stopped || client.authenticated || !client.problems.isEmpty {
            try store.recordForgePoll(slug.fullName, at: now, unauthorized: client.unauthorized, authenticated: client.authenticated,
                                      rateLimitedUntil: client.rateLimitedUntil.map { Timestamp(seconds: $0) },
                                      pollInterval: client.pollInterval.map { TimeSpan.seconds(Int64($0)) } ?? previous.pollInterval,
                                      error: client.problems.first)
        }
        for line in client.problems { HookLog.append("github: \(line)", aoDirectory: workspace.location.aoDirectory) }
        switch result {
        case .failure(let failure):
            HookLog.append("github: CI follower of session \(session.id): pull request #\(pr.number): \(failure)", aoDirectory: workspace.location.aoDirectory)
        case .success(let updated):
            let prs = known.map { $0.number == updated.number ? updated : $0 }
            var reactions = ForgeReactions(store: store, client: client, repository: slug, now: now)
            reactions.logWait = try config.timeSpan(ConfigKeys.githubLogWait) ?? FeedbackRules.logWait
            try absorb(prs, of: session, stored: stored, reactions: reactions, now: now, record: record)
        }
        return true
    }

    static let noToken = "no GitHub token (set GITHUB_TOKEN or AO_GITHUB_TOKEN, or log in with gh auth login)"

    private func prEventData(_ status: PRStatus?) -> [String: String] {
        guard let status else { return ["pr": "none"] }
        return ["pr": String(status.number), "state": status.state.rawValue, "ci": status.ci.rawValue,
                "review": status.review.rawValue, "mergeability": status.mergeability.rawValue]
    }
}
