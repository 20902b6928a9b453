import Glibc
import Lifecycle
import Platform
import Store
import Worktree

/// Runs `ao.review.command` on one commit: in a temporary detached worktree at the target sha
/// (never the worker's worktree, which keeps changing), in a process group of its own, with its
/// full output in `<common-dir>/ao/logs/review-<run>.log`. The temporary worktree is removed
/// afterwards, whatever the outcome.
struct CommandReviewer {
    let workspace: Workspace
    let store: StateStore
    let settings: ReviewSettings

    /// The environment variable that marks a reviewer's processes, so a supersede or cancel ends
    /// exactly that group (and never a process that reused its id).
    static func marker(run id: Int64) -> String { "AO_REVIEW_RUN=\(id)" }

    static func logPath(aoDirectory: String, run id: Int64) -> String { aoDirectory + "/logs/review-\(id).log" }

    /// The most of its output a verdict's body carries (and so the worker's nudge).
    static let bodyLimit = 16 * 1024

    /// Held by the process that runs a run's command, from before it starts to after its verdict
    /// is recorded: a run whose file exists but is not locked lost that process (see ReviewWatchdog).
    static func executorLockPath(aoDirectory: String, run id: Int64) -> String { aoDirectory + "/run/review-\(id).lock" }

    /// Whether the process running `run`'s command still lives: nil when it cannot tell yet (no
    /// process has taken the run: a detached executor may still be starting).
    static func executorIsAlive(_ run: ReviewRun, aoDirectory: String) -> Bool? {
        FileLock.isHeld(executorLockPath(aoDirectory: aoDirectory, run: run.id))
    }

    /// Ends a superseded or cancelled command reviewer's process group, and removes its
    /// temporary worktree: its own process does too when it lives, but one killed with
    /// `kill -9` would leave it behind.
    static func end(_ run: ReviewRun, commonDir: String) {
        guard run.reviewer == Reviewer.command.key else { return }
        if let group = run.processGroup { GroupedProcess.endAbandonedGroup(group, marker: marker(run: run.id)) }
        if let worktree = run.worktreePath, fileExists(worktree) {
            removeWorktree(worktree, commonDir: commonDir)
        }
    }

    /// Runs the reviewer to its verdict. Returns the run as it ended.
    @discardableResult
    func execute(_ run: ReviewRun) throws -> ReviewRun? {
        guard run.isRunning, let template = settings.command else { return run }
        let aoDirectory = workspace.location.aoDirectory
        let logPath = run.logPath ?? CommandReviewer.logPath(aoDirectory: aoDirectory, run: run.id)
        try makeDirectories(aoDirectory + "/logs", mode: 0o700)
        try makeDirectories(aoDirectory + "/run", mode: 0o700)
        // This process is the run's executor until its verdict is recorded; a second executor
        // of the same run (a repeated `review execute`) leaves it to the first.
        let lockPath = CommandReviewer.executorLockPath(aoDirectory: aoDirectory, run: run.id)
        guard let executor = try FileLock.acquire(lockPath, wait: 0) else { return try store.reviewRun(run.id) }
        defer {
            unlink(lockPath)
            executor.release()
        }
        let worktree: String
        do {
            worktree = try makeWorktree(for: run)
        } catch {
            try store.failReviewRun(run.id, note: "could not make a worktree at \(run.targetSHA.prefix(12)): \(AOError.wrapping(error).message)", at: Clock.now())
            return try store.reviewRun(run.id)
        }
        defer { removeWorktree(worktree) }
        try store.setReviewRunProcess(run.id, processGroup: nil, worktree: worktree)
        copyIncludedFiles(into: worktree)
        // Superseded while the worktree was made: do not start at all.
        guard try store.reviewRun(run.id)?.isRunning == true else { return try store.reviewRun(run.id) }

        var argv = template.render(["{sha}": run.targetSHA, "{base}": run.baseSHA, "{worktree}": worktree])
        // A bare name comes from PATH; a path with a slash is taken from the reviewed worktree.
        if !argv[0].contains("/") {
            guard let found = Subprocess.onPath(argv[0]) else {
                appendLog(logPath, "'\(argv[0])' is not on PATH\n")
                try store.failReviewRun(run.id, note: "the command reviewer could not start: '\(argv[0])' is not on PATH", at: Clock.now())
                return try store.reviewRun(run.id)
            }
            argv[0] = found
        }
        var environment = Environment.all().filter { !isGitLocationVariable($0.key) }
        // The reviewer is not the worker: the worker's variables (inherited through the hook) go.
        for key in ["AO_SESSION_ID", "AO_SESSION_NAME", "AO_PORT"] { environment[key] = nil }
        environment["AO_REVIEW_RUN"] = String(run.id)
        environment["AO_REVIEW_SHA"] = run.targetSHA
        environment["AO_REVIEW_BASE"] = run.baseSHA
        environment["AO_REVIEW_SESSION"] = run.sessionID.rawValue
        let header = "git-ao review run \(run.id): \(argv.map(shellQuoted).joined(separator: " ")) in \(worktree) at \(run.targetSHA)\n"
        appendLog(logPath, header)
        let outcome: GroupedProcess.Outcome
        var group: pid_t?
        do {
            outcome = try GroupedProcess.run(argv, environment: environment, directory: worktree, logPath: logPath,
                                             timeout: settings.timeout, started: { started in
                                                 group = started
                                                 try? store.setReviewRunProcess(run.id, processGroup: started, worktree: worktree)
                                             })
        } catch {
            appendLog(logPath, "could not start: \(error)\n")
            try store.failReviewRun(run.id, note: "the command reviewer could not start: \(error)", at: Clock.now())
            return try store.reviewRun(run.id)
        }
        let now = Clock.now()
        switch outcome {
        case .timedOut:
            appendLog(logPath, "timed out after \(Int(settings.timeout)) s; its processes were ended\n")
            try store.failReviewRun(run.id, note: "timed out after \(Int(settings.timeout)) s (ao.review.timeout)", at: now)
        case .interrupted:
            try store.failReviewRun(run.id, note: "interrupted", at: now)
        case .exited(let status):
            // What the reviewer left running in its group (a test server, a watcher) goes with
            // it: its worktree is about to be removed, and nothing may outlive the run.
            if let group { GroupedProcess.endAbandonedGroup(group, marker: CommandReviewer.marker(run: run.id)) }
            // Its last line may lack a newline: ours must not join it.
            if let last = readBytes(logPath)?.last, last != UInt8(ascii: "\n") { appendLog(logPath, "\n") }
            appendLog(logPath, "exit status \(status)\n")
            // A superseded or cancelled run was ended on purpose: its status stands.
            guard try store.reviewRun(run.id)?.isRunning == true else { break }
            let ending = ReviewerExit(status: status)
            switch ending {
            case .approved:
                _ = try? ReviewVerdicts(workspace: workspace, store: store).record(run.id, verdict: .approved, body: nil)
            case .couldNotRun, .killed, .abnormal:
                // Not a judgement of the commit: sending it would have the agent chase a problem
                // that is not in its code, and count toward the cap that then silences real ones.
                let why = ending.failure ?? "exit status \(status)"
                appendLog(logPath, why + "\n")
                try store.failReviewRun(run.id, note: why, at: now)
            case .changesRequested:
                var tail = lastLines(of: logPath, count: 61).dropLast().joined(separator: "\n")
                // Very long lines: the end is what matters, and the whole output is in the log.
                if tail.utf8.count > CommandReviewer.bodyLimit {
                    tail = "(cut to its last \(CommandReviewer.bodyLimit / 1024) KiB; the whole output: git ao review show \(run.id))\n"
                        + String(decoding: tail.utf8.suffix(CommandReviewer.bodyLimit), as: UTF8.self)
                }
                let body = "`\(argv.first ?? "")` exited with status \(status). Last lines of its output:\n" + tail
                _ = try? ReviewVerdicts(workspace: workspace, store: store).record(run.id, verdict: .changesRequested, body: body)
            }
        }
        return try store.reviewRun(run.id)
    }

    private func appendLog(_ path: String, _ text: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = writeAll(fd, Array(text.utf8))
        close(fd)
    }

    /// `git worktree add --detach` into a fresh folder under the temporary directory, with hooks
    /// off (a user's post-checkout must not run for git-ao's private checkout). git's bookkeeping
    /// is written under the worktree lock that spawn's libgit2 calls take (a half-made admin
    /// folder makes libgit2 take every branch for checked out); the files are checked out after,
    /// outside it, so a big checkout never holds a spawn up.
    private func makeWorktree(for run: ReviewRun) throws -> String {
        let base = Environment.value("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/git-ao-review-\(run.id)-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw FileError(path: base, operation: "make a temporary folder in", code: errno)
        }
        let path = canonicalPath(String(cString: made))
        do {
            try workspace.repository().withWorktreeLock {
                try git(["worktree", "add", "--no-checkout", "--detach", "--quiet", path, run.targetSHA])
            }
            try CommandReviewer.git(["-C", path, "reset", "--hard", "--quiet"], commonDir: nil)
        } catch {
            removeWorktree(path)
            throw error
        }
        return path
    }

    private func removeWorktree(_ path: String) {
        CommandReviewer.removeWorktree(path, commonDir: workspace.location.commonDir)
    }

    /// Through libgit2, under the worktree lock, like every other worktree removal; git's CLI
    /// when libgit2 does not know the folder as a worktree (an add that failed half-way).
    private static func removeWorktree(_ path: String, commonDir: String) {
        if let repository = try? Repository.open(at: commonDir), (try? repository.removeWorktree(at: path)) != nil, !fileExists(path) { return }
        if (try? git(["worktree", "remove", "--force", "--force", path], commonDir: commonDir)) == nil {
            _ = try? Subprocess.run(["rm", "-rf", "--", path], timeout: 120)
            if let repository = try? Repository.open(at: commonDir) {
                _ = try? repository.withWorktreeLock { try git(["worktree", "prune"], commonDir: commonDir) }
            }
        }
    }

    @discardableResult
    private func git(_ arguments: [String]) throws -> ProcessResult {
        try CommandReviewer.git(arguments, commonDir: workspace.location.commonDir)
    }

    /// git with hooks off, for `commonDir` (or, when nil, for the repository `-C` names).
    @discardableResult
    private static func git(_ arguments: [String], commonDir: String?) throws -> ProcessResult {
        guard let program = Subprocess.onPath("git") else { throw Messages.gitMissing() }
        let environment = Environment.all().filter { !isGitLocationVariable($0.key) }
        let location = commonDir.map { ["--git-dir=" + $0] } ?? []
        let result = try Subprocess.run([program] + location + ["-c", "core.hooksPath=/dev/null"] + arguments,
                                        environment: environment, timeout: 300)
        guard result.succeeded else {
            throw AOError(.gitFailed, "git \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderrText.trimmingSpaces)",
                          hint: "Check the repository with: git worktree list")
        }
        return result
    }

    /// The ignored files of `.worktreeinclude` and `ao.spawn.include`, as spawn copies them
    /// (a failure here is written to the log, never fatal: the reviewer may not need them).
    private func copyIncludedFiles(into worktree: String) {
        guard let config = try? workspace.config(), let preparation = try? WorktreePreparation(config: config),
              let main = try? workspace.repository().mainWorktreePath() else { return }
        guard let candidates = try? IncludedFiles.list(mainWorktree: main, patterns: preparation.includePatterns), !candidates.isEmpty else { return }
        let ignored = Set((try? IncludedFiles.ignored(candidates, in: worktree)) ?? [])
        for path in candidates where ignored.contains(path) && !Provisioner.passesThroughLink(path, below: worktree) {
            var created: [String] = []
            _ = try? FileCopy.copy(path, from: main, to: worktree, createdDirectories: &created, maxSize: preparation.includeMaxSize)
        }
    }
}

/// Variables that would point a child's git at another repository than the one named.
func isGitLocationVariable(_ name: String) -> Bool {
    ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY"].contains(name)
}
