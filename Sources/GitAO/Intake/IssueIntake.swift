import Forge
import Lifecycle
import Platform
import Store

/// Issue intake: eligible open GitHub issues become sessions, one per issue. GitHub is asked
/// through Forge's client with the shared ETag store; spawning goes through `SpawnComposition`,
/// the same path as `git ao spawn`. At most one live session per issue is enforced by a unique
/// index, so two runs at once cannot both spawn; runs are also serialised by `intake.lock`.
struct IssueIntake {
    let workspace: Workspace
    let config: GitConfig
    let store: StateStore

    static let lockName = "intake.lock"

    /// What happened (or would happen) to one issue. Field names are part of `--json`.
    struct Outcome: Encodable {
        enum Action: String, Encodable { case spawn = "would_spawn", spawned, skipped, failed }
        let number: Int
        let id: String
        let title: String
        var action: Action
        /// not_eligible, has_live_session, over_max, backing_off, ended, merged, pull_request.
        var reason: String?
        var detail: String?
        var session: String?
        var branch: String?
    }

    struct Report: Encodable {
        let version = 1
        let repository: String
        let dry_run: Bool
        var backing_off_until: String?
        /// Why the repository is backing off (the failure of an earlier run).
        var backoff_reason: String?
        /// What failed in this run (a list or a spawn); the command exits 1.
        var error: String?
        var issues: [Outcome] = []
        /// Live sessions whose issue was closed on GitHub (notified once; the session goes on).
        var closed: [String] = []
    }

    /// Where GitHub is and which repository's issues are read.
    private func target(_ settings: IntakeSettings) throws -> (ForgeConfiguration, RepositorySlug) {
        let configuration = try ForgeConfiguration.resolve(environment: Environment.all(), config: config)
        if let repository = settings.repository { return (configuration, repository) }
        switch ForgeStep.target(workspace: workspace, config: config) {
        case .on(_, let slug): return (configuration, slug)
        case .off(let why): throw Messages.githubUnavailable(why)
        }
    }

    private func client(_ configuration: ForgeConfiguration) throws -> GitHubClient {
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            throw Messages.githubUnavailable(ForgeStep.noToken)
        }
        let cache = try workspace.storeCall { try store.storedResponses() }
            .mapValues { CachedResponse(etag: $0.etag, body: Array($0.body.utf8), next: $0.next) }
        return GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                            version: GitAOCommand.version, cache: cache)
    }

    private func persist(_ client: GitHubClient, now: Timestamp) throws {
        try workspace.storeCall {
            try store.storeResponses(client.changedCache.mapValues {
                StoredResponse(etag: $0.etag, body: String(decoding: $0.body, as: UTF8.self), next: $0.next)
            }, at: now)
        }
        for line in client.problems { HookLog.append("intake: github: \(line)", aoDirectory: workspace.location.aoDirectory) }
    }

    // MARK: spawn --issue

    struct HandPicked {
        let id: String
        let branch: String
        let prompt: String
    }

    /// `spawn --issue N`: the issue read from GitHub, refused when it is not an open issue or
    /// already has a live session. Eligibility (labels, assignee) does not apply to a human's pick.
    func issueForSpawn(_ number: Int) throws -> HandPicked {
        let settings = try IntakeSettings(config: config)
        let (configuration, slug) = try target(settings)
        let client = try client(configuration)
        let path = "/repos/\(slug.owner)/\(slug.name)/issues/\(number)"
        let result = client.get([path], cached: false)[0]
        let issue: IssueSummary
        switch result {
        case .failure(.notFound): throw Messages.issueNotFound(number, repository: slug.fullName)
        case .failure(let failure): throw Messages.githubUnavailable("reading issue #\(number) failed: \(failure)")
        case .success(let fetched):
            guard case .success(let json) = client.json(fetched, from: path), let parsed = IssueSummary(json) else {
                throw Messages.githubUnavailable("GitHub's answer for issue #\(number) could not be read")
            }
            issue = parsed
        }
        if issue.isPullRequest { throw Messages.issueNotFound(number, repository: slug.fullName) }
        if issue.state != "open" { throw Messages.issueNotOpen(number, state: UntrustedText.inline(issue.state, limit: 20)) }
        let id = IssueID.canonical(slug, number)
        if let other = try workspace.storeCall({ try store.liveSession(forIssue: id) }) {
            throw Messages.issueHasLiveSession(id, session: other.rawValue)
        }
        return HandPicked(id: id, branch: branchName(issue), prompt: IssuePrompt.make(issue, id: id))
    }

    private func branchName(_ issue: IssueSummary) -> String {
        IssueBranch.name(prefix: config.string(ConfigKeys.branchPrefix) ?? ConfigKeys.defaultBranchPrefix, number: issue.number, title: issue.title)
    }

    // MARK: The run

    /// One intake run. `dryRun` changes nothing (beyond the ETag cache); `retry` allows those
    /// issues a new session after an ended one. `spawn` makes one session (the command passes
    /// the shared spawn composition).
    func run(dryRun: Bool, retry: [Int], spawn: (SpawnRequest, String) throws -> Session) throws -> Report {
        let settings = try IntakeSettings(config: config)
        if !settings.enabled && !dryRun { throw Messages.intakeDisabled() }
        try settings.checkScoped()
        let (configuration, slug) = try target(settings)
        let now = Clock.now()
        var report = Report(repository: slug.fullName, dry_run: dryRun)

        let sessions = try workspace.sessions()
        let issueOf = try workspace.storeCall { try store.issueIDs() }
        for number in retry {
            let id = IssueID.canonical(slug, number)
            // Never for a merged session's issue (the list below says so).
            if sessions.contains(where: { issueOf[$0.id] == id && Self.merged($0) }) { continue }
            if !dryRun { try workspace.storeCall { try store.grantIntakeRetry(id, at: now) } }
        }
        let retries = try workspace.storeCall { try store.intakeRetries() }.union(dryRun ? Set(retry.map { IssueID.canonical(slug, $0) }) : [])

        let state = try workspace.storeCall { try store.intakeState(slug.fullName) }
        if let until = state.backoffUntil, until > now {
            report.backing_off_until = isoTimestamp(until)
            report.backoff_reason = state.lastError
            return report
        }

        let client = try client(configuration)
        let listed = client.getAllPages(settings.rules.listPath(slug))
        try persist(client, now: now)
        let items: [JSONValue]
        switch listed {
        case .failure(let failure):
            let why = "listing issues of \(slug.fullName) failed: \(failure)"
            report.error = why
            if !dryRun {
                let until = now + IntakeSettings.backoff
                try workspace.storeCall { try store.recordIntakeOutcome(slug.fullName, at: now, backoffUntil: until, error: why) }
                report.backing_off_until = isoTimestamp(until)
            }
            return report
        case .success(let page): items = page.items
        }

        let prefix = "github:\(slug.fullName)#"
        var liveCount = sessions.filter { !$0.isTerminated && issueOf[$0.id]?.hasPrefix(prefix) == true }.count
        var failure: String?
        let issues = items.compactMap(IssueSummary.init).sorted { $0.number < $1.number }
        for issue in issues {
            let id = IssueID.canonical(slug, issue.number)
            var outcome = Outcome(number: issue.number, id: id, title: UntrustedText.inline(issue.title, limit: 120), action: .skipped)
            defer { report.issues.append(outcome) }
            if issue.isPullRequest { outcome.reason = "pull_request"; continue }
            if let why = settings.rules.ineligibility(issue) { outcome.reason = "not_eligible"; outcome.detail = why; continue }
            let mine = sessions.filter { issueOf[$0.id] == id }
            if let live = mine.first(where: { !$0.isTerminated }) {
                outcome.reason = "has_live_session"; outcome.session = live.id.rawValue; continue
            }
            if let merged = mine.first(where: Self.merged) {
                outcome.reason = "merged"; outcome.session = merged.id.rawValue
                outcome.detail = "its session's pull request was merged; it is never spawned again (not even with --retry)"
                continue
            }
            // A spawn killed before it finished (spawn_failed) never worked on the issue: no --retry needed.
            if let ended = mine.last(where: { $0.terminalReason != .spawnFailed }), !retries.contains(id) {
                outcome.reason = "ended"; outcome.session = ended.id.rawValue
                outcome.detail = "its session ended; git ao intake --retry \(issue.number) spawns it again"
                continue
            }
            if failure != nil { outcome.reason = "backing_off"; continue }
            if liveCount >= settings.max { outcome.reason = "over_max"; outcome.detail = "\(liveCount) of ao.intake.max \(settings.max) alive"; continue }
            let branch = branchName(issue)
            outcome.branch = branch
            if dryRun { outcome.action = .spawn; outcome.reason = nil; liveCount += 1; continue }
            try Interrupts.check("git ao intake")
            do {
                let request = SpawnRequest(branch: branch, base: nil, agent: settings.agent, name: nil, prompt: IssuePrompt.make(issue, id: id))
                let session = try spawn(request, id)
                outcome.action = .spawned; outcome.reason = nil; outcome.session = session.id.rawValue
                liveCount += 1
                if retries.contains(id) { try workspace.storeCall { try store.consumeIntakeRetry(id) } }
            } catch let error as AOError where error.code == .interrupted {
                // Ctrl-C: the spawn was rolled back; the rest of the run is not wanted either.
                throw error
            } catch {
                // Another run may have won the race for this issue: that is not a failure.
                if let other = try? workspace.storeCall({ try store.liveSession(forIssue: id) }) {
                    outcome.reason = "has_live_session"; outcome.session = other.rawValue; continue
                }
                let message = (error as? AOError).map { "\($0.code.rawValue): \($0.message)" } ?? "\(error)"
                outcome.action = .failed; outcome.reason = nil; outcome.detail = message
                failure = "spawning for \(id) failed: \(message)"
            }
        }

        report.closed = try noteClosedIssues(slug: slug, client: client, open: Set(issues.map(\.number)), sessions: sessions,
                                             issueOf: issueOf, dryRun: dryRun, now: now)
        try persist(client, now: now)
        if !dryRun {
            let until = failure.map { _ in now + IntakeSettings.backoff }
            try workspace.storeCall { try store.recordIntakeOutcome(slug.fullName, at: now, backoffUntil: until, error: failure) }
            report.backing_off_until = until.map(isoTimestamp)
        }
        report.error = failure
        return report
    }

    /// A session whose pull request was merged: its issue is never spawned again.
    static func merged(_ session: Session) -> Bool {
        session.pr?.state == .merged || session.terminalReason == .prMerged
    }

    /// Live sessions whose issue did not come back in the open list: each is asked for (a
    /// conditional request, free when unchanged), and a closed one notifies the human once.
    private func noteClosedIssues(slug: RepositorySlug, client: GitHubClient, open: Set<Int>, sessions: [Session],
                                  issueOf: [SessionID: String], dryRun: Bool, now: Timestamp) throws -> [String] {
        let prefix = "github:\(slug.fullName)#"
        var closed: [String] = []
        for session in sessions where !session.isTerminated {
            guard let id = issueOf[session.id], id.hasPrefix(prefix), let number = Int(id.dropFirst(prefix.count)), !open.contains(number) else { continue }
            let path = "/repos/\(slug.owner)/\(slug.name)/issues/\(number)"
            guard case .success(let fetched) = client.get([path])[0], case .success(let json) = client.json(fetched, from: path),
                  let issue = IssueSummary(json), issue.state == "closed" else { continue }
            closed.append(session.id.rawValue)
            if dryRun { continue }
            try workspace.storeCall {
                try store.noteIssueClosed(id, session: session.id, message: "\(id) was closed on GitHub; session \(session.id) goes on (git ao kill \(session.id) to end it).", at: now)
            }
        }
        return closed
    }
}
