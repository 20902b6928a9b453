import Forge
import Lifecycle
import Platform
import Store

/// `spawn --pr <n>`: finds the pull request on GitHub, refuses one that is not open or already
/// has a live session, and fetches its head: the branch itself when it lives in this
/// repository, else `refs/pull/<n>/head` (a fork's) into `<ao.branchPrefix>pr-<n>`.
struct PullRequestCheckout {
    let workspace: Workspace
    let config: GitConfig

    struct Result {
        let branch: String
        let base: String?
        let facts: PullRequestFacts
    }

    func prepare(_ number: Int, sessions: [Session], store: StateStore) throws -> Result {
        guard case .on(let configuration, let slug) = ForgeStep.target(workspace: workspace, config: config) else {
            if case .off(let why) = ForgeStep.target(workspace: workspace, config: config) { throw Messages.githubUnavailable(why) }
            throw Messages.githubUnavailable("GitHub is off")
        }
        guard let token = TokenSource.find(environment: Environment.all(), configuration: configuration, directory: workspace.location.commonDir) else {
            throw Messages.githubUnavailable(ForgeStep.noToken)
        }
        let client = GitHubClient(configuration: configuration, token: token, transport: CurlTransport(caInfo: configuration.caInfo),
                                  version: GitAOCommand.version)
        let target = "/repos/\(slug.owner)/\(slug.name)/pulls/\(number)"
        let pr: JSONValue
        switch client.get([target], cached: false)[0] {
        case .failure(.notFound): throw Messages.prNotFound(number, repository: slug.fullName)
        case .failure(let failure): throw Messages.githubUnavailable("reading pull request #\(number) failed: \(failure)")
        case .success(let fetched):
            guard case .success(let value) = client.json(fetched, from: target), value["number"] != nil else {
                throw Messages.githubUnavailable("GitHub's answer for pull request #\(number) could not be read")
            }
            pr = value
        }
        let merged = pr["merged"].flatMap { if case .bool(let b) = $0 { return b } else { return nil } } ?? false
        let state = pr["state"]?.stringValue ?? "unknown"
        guard state == "open" else { throw Messages.prNotOpen(number, state: merged ? "merged" : state) }
        guard let headRef = pr["head"]?["ref"]?.stringValue, let headSHA = pr["head"]?["sha"]?.stringValue else {
            throw Messages.githubUnavailable("pull request #\(number) has no head branch in GitHub's answer")
        }
        let headRepo = pr["head"]?["repo"]?["full_name"]?.stringValue
        let own = headRepo?.lowercased() == slug.fullName.lowercased()
        let branch = own ? headRef : (config.string(ConfigKeys.branchPrefix) ?? ConfigKeys.defaultBranchPrefix) + "pr-\(number)"
        if let other = try claimant(number: number, branch: branch, sessions: sessions, store: store) {
            throw Messages.prClaimed(number, session: other.rawValue)
        }

        // Fetch the head (and the base, to compare with). The refspecs start with '+' and name
        // refs/ paths, so nothing GitHub sent can be read by git as an option.
        let remote = configuration.remoteName
        let baseRef = pr["base"]?["ref"]?.stringValue
        var refspecs = [own ? "+refs/heads/\(headRef):refs/remotes/\(remote)/\(headRef)" : "+refs/pull/\(number)/head:refs/heads/\(branch)"]
        if let baseRef { refspecs.append("+refs/heads/\(baseRef):refs/remotes/\(remote)/\(baseRef)") }
        let fetch = try GitCLI.run(["fetch", "--quiet", "--no-tags", remote] + refspecs, in: workspace.location.commonDir, timeout: 300)
        guard fetch.succeeded else {
            throw AOError(.gitFailed, "git could not fetch pull request #\(number) from '\(remote)': \(fetch.stderrText.trimmingSpaces)",
                          hint: "Check the remote (git fetch \(remote)) and try again.")
        }
        var facts = PullRequestFacts(number: number, state: pr["draft"] == .bool(true) ? .draft : .open, headSHA: headSHA)
        facts.baseRef = baseRef ?? ""
        facts.title = pr["title"]?.stringValue ?? ""
        facts.url = pr["html_url"]?.stringValue ?? ""
        return Result(branch: own ? "\(remote)/\(headRef)" : branch, base: baseRef.map { "\(remote)/\($0)" }, facts: facts)
    }

    /// A live session already on the PR's branch, or linked to the PR.
    private func claimant(number: Int, branch: String, sessions: [Session], store: StateStore) throws -> SessionID? {
        for session in sessions where !session.isTerminated {
            if session.branch.rawValue == branch { return session.id }
            if session.pr?.number == number && session.pr?.isOpen == true { return session.id }
            if try store.pullRequestFacts(for: session.id)[number] != nil { return session.id }
        }
        return nil
    }
}
