import Forge
import Lifecycle
import Platform
import Store

/// Local conflict prediction: merges each live session's branch with its base in memory
/// (`git merge-tree --write-tree --name-only`, git 2.38+), touching no worktree or index, and
/// only when either side moved since the last prediction. Needs neither GitHub nor a token.
///
/// The base is the remote-tracking branch the session started from as last fetched
/// (`origin/main`), else the local branch of that name.
struct ConflictPredictor {
    let workspace: Workspace
    let store: StateStore

    func run(sessions: [Session], now: Timestamp) throws {
        let live = sessions.filter { !$0.isTerminated }
        guard !live.isEmpty else { return }
        let directory = workspace.location.commonDir
        guard let listing = try? GitCLI.run(["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads", "refs/remotes"],
                                            in: directory, timeout: 10), listing.succeeded else { return }
        var refs: [String: String] = [:]
        for line in listing.stdoutText.split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            refs[String(line[line.index(after: space)...])] = String(line[..<space])
        }
        var known = try store.conflictPredictions()
        for session in live {
            guard let head = refs["refs/heads/\(session.branch.rawValue)"],
                  let (baseName, base) = Self.base(of: session.baseRef, refs: refs) else { continue }
            if let previous = known[session.id], previous.headSHA == head, previous.baseSHA == base {
                try react(session, local: previous, now: now)
                continue
            }
            // Options first, then `--`-free revisions: both are object ids we just read.
            guard let result = try? GitCLI.run(["merge-tree", "--write-tree", "--name-only", "--no-messages", base, head], in: directory, timeout: 60) else { continue }
            let prediction: ConflictPrediction
            switch result.status {
            case 0:
                prediction = ConflictPrediction(headSHA: head, baseSHA: base, baseRef: baseName, conflicting: false, paths: [])
            case 1:
                // `<tree>` then one conflicting path per line.
                let lines = result.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
                let paths = Array(lines.prefix { !$0.isEmpty }.map(String.init))
                prediction = ConflictPrediction(headSHA: head, baseSHA: base, baseRef: baseName, conflicting: true, paths: paths)
            default:
                HookLog.append("conflict prediction for session \(session.id) failed: git merge-tree exited \(result.status): \(result.stderrText.trimmingSpaces)",
                               aoDirectory: workspace.location.aoDirectory)
                continue
            }
            try store.setConflictPrediction(prediction, for: session.id, at: now)
            known[session.id] = prediction
            try react(session, local: prediction, now: now)
        }
    }

    /// The conflict rule over the local prediction and the pull requests as last stored.
    private func react(_ session: Session, local: ConflictPrediction, now: Timestamp) throws {
        let prs = try store.pullRequestFacts(for: session.id).values.compactMap(PullRequestFacts.decode)
        try ForgeReactions(store: store, client: nil, repository: nil, now: now).react(session, prs: prs, local: local, scope: .conflict)
    }

    /// The ref and commit the session's base names: `origin/main` as a remote-tracking ref,
    /// `main` through origin's tracking ref and then the local branch, or a commit id as is.
    static func base(of baseRef: String, refs: [String: String]) -> (String, String)? {
        if let sha = refs["refs/remotes/\(baseRef)"] { return (baseRef, sha) }
        if let sha = refs["refs/remotes/origin/\(baseRef)"] { return ("origin/\(baseRef)", sha) }
        if let sha = refs["refs/heads/\(baseRef)"] { return (baseRef, sha) }
        if baseRef.count == 40, baseRef.allSatisfy(\.isHexDigit) { return (baseRef, baseRef) }
        return nil
    }
}

/// `git ao watch --fetch`: brings the live sessions' base branches up to date from their remotes
/// (one `git fetch` per remote) before each pass, so conflict prediction sees a base that moved
/// on the server.
enum BaseFetcher {
    /// Fetches; returns one line per remote that could not be fetched.
    static func fetch(workspace: Workspace, sessions: [Session]) -> [String] {
        let directory = workspace.location.commonDir
        guard let listing = try? GitCLI.run(["remote"], in: directory, timeout: 10), listing.succeeded else { return [] }
        let remotes = Set(listing.stdoutText.split(separator: "\n").map(String.init))
        var refspecs: [String: Set<String>] = [:]
        for session in sessions where !session.isTerminated {
            let base = session.baseRef
            guard let slash = base.firstIndex(of: "/") else { continue }
            let remote = String(base[..<slash]), branch = String(base[base.index(after: slash)...])
            guard remotes.contains(remote), !branch.isEmpty else { continue }
            refspecs[remote, default: []].insert("+refs/heads/\(branch):refs/remotes/\(remote)/\(branch)")
        }
        var problems: [String] = []
        for (remote, specs) in refspecs.sorted(by: { $0.key < $1.key }) {
            let result = try? GitCLI.run(["fetch", "--quiet", "--no-tags", remote] + specs.sorted(), in: directory, timeout: 120)
            if result?.succeeded != true {
                problems.append("could not fetch \(remote): \(result?.stderrText.trimmingSpaces ?? "git did not run")")
            }
        }
        return problems
    }
}
