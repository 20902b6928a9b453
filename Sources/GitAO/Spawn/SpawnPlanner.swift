import Agents
import Lifecycle
import Platform
import TmuxRuntime
import Worktree

/// What the user asked spawn for.
struct SpawnRequest {
    var branch: String?
    var base: String?
    var agent: String?
    var name: String?
    var prompt: String?
    /// The live session whose worktree spawn was started in (its branch is the default base).
    var insideSession: (id: SessionID, branch: BranchName)?
}

/// Everything spawn will do, decided and checked before anything durable is created.
struct SpawnPlan {
    enum BranchSource: Equatable {
        /// The local branch exists; use it as it is.
        case existing
        /// Create the local branch at the remote-tracking branch's tip and set it as upstream.
        case remote(upstream: String, tip: CommitSHA)
        /// Create the local branch at the base commit.
        case fromBase
    }

    var id: SessionID
    var name: String?
    var branch: BranchName
    var branchSource: BranchSource
    var baseRef: String
    var baseSHA: CommitSHA
    /// Why this base, when it was a choice worth explaining (the newer of a local branch and
    /// its remote-tracking branch, diverged ones, a session's branch); nil otherwise.
    var baseReason: String?
    var worktreeRoot: String
    var worktreeName: String
    var worktreePath: String
    var agent: AgentDefinition
    var agentProgramPath: String
    var agentSession: String?
    var prompt: String?
    var tmux: Tmux
    var tmuxName: String
    /// Included files, setup step and port, from git config.
    var preparation = WorktreePreparation()
    /// Notes for the user (which remote branch was picked, say).
    var notes: [String] = []
    /// The GitHub issue the session works on (`github:owner/repo#N`), one live session each.
    var issue: String?
}

/// Checks a spawn request against the repository, in the order the user would want to hear
/// about problems: the repository, the branch, the base, the agent program, tmux.
struct SpawnPlanner {
    let repository: Repository
    let config: GitConfig
    let worktreeRoot: String

    func plan(_ request: SpawnRequest, id: SessionID) throws -> SpawnPlan {
        // The repository.
        if try repository.hasNoCommits { throw Messages.noCommits(try repository.mainWorktreePath() ?? repository.commonDir) }
        let catalog = AgentCatalog(config: config)
        let agent = try catalog.definition(request.agent ?? catalog.defaultAgentName)
        let hasPrompt = !(request.prompt ?? "").isEmpty
        if agent.kind == .shell && hasPrompt { throw Messages.agentTakesNoPrompt(agent.name) }

        // The branch.
        let prefix = config.string(ConfigKeys.branchPrefix) ?? ConfigKeys.defaultBranchPrefix
        var notes: [String] = []
        let requested = request.branch ?? prefix + id.rawValue
        guard repository.isValidBranchName(requested) else {
            if request.branch == nil {
                throw Messages.invalidConfig(key: ConfigKeys.branchPrefix, value: prefix, expected: "a prefix that makes valid branch names")
            }
            throw Messages.invalidBranch(requested)
        }
        let (branch, source) = try resolveBranch(requested, notes: &notes)
        if source == .existing, let holder = try repository.worktree(holding: branch) {
            throw Messages.branchCheckedOutElsewhere(branch, path: holder.path)
        }

        // The base.
        let base = try resolveBase(request.base, branch: branch, source: source, inside: request.insideSession)

        // Where the worktree goes.
        try checkRootOutsideWorktrees()
        let directoryName = SpawnPlanner.directoryName(for: branch)
        let worktreePath = worktreeRoot + "/" + directoryName
        if fileExists(worktreePath) { throw Messages.worktreePathExists(worktreePath) }

        // The agent program.
        let launchProgram = agent.launchArgv(.init(prompt: request.prompt, session: id.rawValue))[0]
        guard let programPath = Subprocess.onPath(launchProgram) else {
            throw Messages.agentBinaryNotFound(agent.name, program: launchProgram)
        }

        // The worktree's preparation (included files, setup step, port).
        let preparation = try WorktreePreparation(config: config)
        try preparation.checkSetupProgramOnPath()

        // tmux: the caller's default server, recorded so every later command addresses it.
        let tmux = try Tmux.require().on(socket: Tmux.socketForNewSession())
        // A server whose socket file was deleted still runs its sessions; a new server on the same
        // path would answer for them from then on, and they would all look dead.
        if !fileExists(tmux.socketPath), Tmux.listening(on: tmux.socketPath) == true {
            throw Messages.serverUnreachable(tmux.socketPath, Tmux.unreachableReason(tmux.socketPath, detail: "its socket file is gone"))
        }

        return SpawnPlan(
            id: id, name: request.name, branch: BranchName(branch), branchSource: source,
            baseRef: base.ref, baseSHA: CommitSHA(base.sha), baseReason: base.reason, worktreeRoot: worktreeRoot,
            worktreeName: repository.availableWorktreeName(base: directoryName), worktreePath: worktreePath,
            agent: agent, agentProgramPath: programPath,
            agentSession: agent.pinsAgentSession ? AgentDefinition.newAgentSessionID() : nil,
            prompt: request.prompt, tmux: tmux, tmuxName: Session.tmuxName(for: id), preparation: preparation, notes: notes)
    }

    /// The worktree folder for a branch: its name with `/` turned into `-`. Letters and digits
    /// of any script are kept (`ánï/x` is `ánï-x`); when anything else had to be replaced or
    /// dropped, a short hash of the branch name is appended, so two branches never share a folder.
    static func directoryName(for branch: String) -> String {
        var lossy = false
        let mapped = branch.map { c -> Character in
            if c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." { return c }
            if c != "/" { lossy = true }
            return "-"
        }
        var name = String(mapped)
        while name.hasPrefix(".") { name.removeFirst(); lossy = true }
        if name.isEmpty { name = "worktree"; lossy = true }
        // A branch may be far longer than a file name may be (NAME_MAX, 255 bytes): keep a
        // readable prefix and tell long branches apart by a hash of the whole name. The cap
        // leaves room for the `-N` git-ao adds to a taken admin folder name.
        if name.utf8.count > maxDirectoryName {
            var hash: UInt64 = 0xcbf29ce484222325 // FNV-1a of the branch name
            for byte in branch.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
            let digest = String(hash, radix: 16)
            let fixed = "0000000000000000".prefix(16 - digest.count) + digest
            var prefix = ""
            for c in name {
                if prefix.utf8.count + String(c).utf8.count > maxDirectoryName - 13 { break }
                prefix.append(c)
            }
            return prefix + "-" + fixed.prefix(12)
        }
        return lossy ? name + "-" + evidenceHash(branch).prefix(6) : name
    }

    /// The longest worktree folder name spawn makes, in bytes (a short hash may follow a lossy one).
    static let maxDirectoryName = 100

    // MARK: Branch resolution

    /// 1. a local branch; 2. `<remote>/<name>` spelled out, or a unique remote-tracking branch of
    /// that name; 3. a new branch from the base.
    private func resolveBranch(_ name: String, notes: inout [String]) throws -> (String, SpawnPlan.BranchSource) {
        if try repository.localBranchTip(name) != nil { return (name, .existing) }
        let remotes = try repository.remoteNames()

        // `origin/feature`: the user means the remote branch.
        if let remote = remotes.sorted(by: { $0.count > $1.count }).first(where: { name.hasPrefix($0 + "/") }) {
            let short = String(name.dropFirst(remote.count + 1))
            guard let sha = try repository.referenceTarget("refs/remotes/\(remote)/\(short)") else {
                throw Messages.branchNotFetched(name, remote: remote)
            }
            if try repository.localBranchTip(short) != nil {
                notes.append("using the existing local branch '\(short)' for \(name)")
                return (short, .existing)
            }
            return (short, .remote(upstream: name, tip: CommitSHA(sha)))
        }

        var found: [(remote: String, sha: String)] = []
        for remote in remotes {
            if let sha = try repository.referenceTarget("refs/remotes/\(remote)/\(name)") { found.append((remote, sha)) }
        }
        if found.count > 1 {
            let preferred = config.nonEmpty("checkout.defaultRemote")
            guard let pick = found.first(where: { $0.remote == preferred }) else {
                throw Messages.branchAmbiguous(name, remotes: found.map(\.remote))
            }
            found = [pick]
        }
        if let only = found.first {
            return (name, .remote(upstream: "\(only.remote)/\(name)", tip: CommitSHA(only.sha)))
        }
        return (name, .fromBase)
    }

    /// Worktrees must not live inside another worktree: git would list them as untracked files.
    private func checkRootOutsideWorktrees() throws {
        let root = SpawnPlanner.canonicalizeExistingPrefix(worktreeRoot)
        for worktree in try repository.worktrees() where worktree.isValid {
            let top = canonicalPath(worktree.path)
            if root == top || root.hasPrefix(top == "/" ? "/" : top + "/") {
                throw Messages.worktreeRootInsideWorktree(root: worktreeRoot, worktree: worktree.path)
            }
        }
    }

    /// `realpath` of the longest existing prefix, with the rest appended: a root that does not
    /// exist yet still compares correctly through symbolic links above it.
    static func canonicalizeExistingPrefix(_ path: String) -> String {
        var head = path
        var tail: [String] = []
        while !fileExists(head) && head != "/" {
            tail.insert(baseName(head), at: 0)
            head = parent(of: head)
        }
        let base = canonicalPath(head)
        return tail.isEmpty ? base : (base == "/" ? "" : base) + "/" + tail.joined(separator: "/")
    }
}
