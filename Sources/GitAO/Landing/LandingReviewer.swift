import Glibc
import Lifecycle
import Platform
import Worktree

/// Runs `ao.review.command` on a landing's result before the base moves: in a temporary detached
/// worktree at the new tip (never the agent's worktree, never the base's), in a process group
/// of its own, with its output in `<common-dir>/ao/logs/merge-<id>.log`. The worktree is removed
/// afterwards whatever the outcome; one left by a killed run is removed by the next.
struct LandingReviewer {
    let workspace: Workspace
    let settings: ReviewSettings

    enum Verdict: Equatable {
        case approved
        case failed(why: String, lastLines: [String])
    }

    /// Marks the reviewer's processes, so a later run ends exactly that group (never a process
    /// that reused its id).
    static func marker(_ session: SessionID) -> String { "AO_MERGE_SESSION=\(session)" }

    static func logPath(aoDirectory: String, session: SessionID) -> String { aoDirectory + "/logs/merge-\(session).log" }

    /// The folder of the review worktree of a session's landing: fixed for a repository and a
    /// session, so a run after a kill finds and removes the one a killed run left; under the
    /// temporary directory, like the command reviewer's, so a test suite that looks upwards for
    /// its configuration (package.json, pyproject.toml) never finds the repository's own.
    static func worktreePath(commonDir: String, session: SessionID) -> String {
        let base = Environment.value("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        // FNV-1a of the common dir: two repositories with a session of the same id do not meet.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in commonDir.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return base + "/git-ao-merge-\(String(hash, radix: 16))-\(session)"
    }

    func review(tip: String, base: String, session: SessionID) throws -> Verdict {
        guard let template = settings.command else { return .approved }
        let ao = workspace.location.aoDirectory
        try makeDirectories(ao + "/logs", mode: 0o700)
        try makeDirectories(ao + "/run", mode: 0o700)
        let log = LandingReviewer.logPath(aoDirectory: ao, session: session)
        unlink(log)
        let path = LandingReviewer.worktreePath(commonDir: workspace.location.commonDir, session: session)
        // A run killed with -9 leaves its reviewer running in that worktree: end it first.
        let groupFile = ao + "/run/merge-\(session).reviewer"
        if let text = readFile(groupFile), let group = pid_t(text.trimmingSpaces) {
            _ = GroupedProcess.endAbandonedGroup(group, marker: LandingReviewer.marker(session))
        }
        unlink(groupFile)
        LandingReviewer.removeWorktree(path, workspace: workspace)
        try workspace.repository().withWorktreeLock {
            try LandingReviewer.git(["worktree", "add", "--detach", "--quiet", path, tip], workspace: workspace)
        }
        defer { LandingReviewer.removeWorktree(path, workspace: workspace) }
        var argv = template.render(["{sha}": tip, "{base}": base, "{worktree}": path])
        if !argv[0].contains("/") {
            guard let found = Subprocess.onPath(argv[0]) else { return .failed(why: "'\(argv[0])' is not on PATH", lastLines: []) }
            argv[0] = found
        }
        var environment = Environment.all().filter { !isGitLocationVariable($0.key) }
        for key in ["AO_SESSION_ID", "AO_SESSION_NAME", "AO_PORT"] { environment[key] = nil }
        environment["AO_REVIEW_SHA"] = tip
        environment["AO_REVIEW_BASE"] = base
        environment["AO_REVIEW_SESSION"] = session.rawValue
        environment["AO_MERGE_SESSION"] = session.rawValue
        let outcome = try GroupedProcess.run(argv, environment: environment, directory: path, logPath: log, timeout: settings.timeout,
                                             started: { try? writeFileAtomically(groupFile, Array(String($0).utf8)) })
        defer { unlink(groupFile) }
        switch outcome {
        case .exited(0): return .approved
        case .exited(let status):
            return .failed(why: ReviewerExit(status: status).failure ?? "exit status \(status)", lastLines: lastLines(of: log, count: 10))
        case .timedOut:
            return .failed(why: "timed out after \(Int(settings.timeout)) s (ao.review.timeout)", lastLines: lastLines(of: log, count: 10))
        case .interrupted:
            throw AOError(.interrupted, "git ao merge was interrupted while the reviewer ran; nothing was changed.", hint: "Run the command again.")
        }
    }

    static func removeWorktree(_ path: String, workspace: Workspace) {
        guard fileExists(path) else {
            _ = try? workspace.repository().withWorktreeLock { try git(["worktree", "prune"], workspace: workspace) }
            return
        }
        if (try? git(["worktree", "remove", "--force", "--force", path], workspace: workspace)) == nil {
            _ = try? Subprocess.run(["rm", "-rf", "--", path], timeout: 120)
            _ = try? workspace.repository().withWorktreeLock { try git(["worktree", "prune"], workspace: workspace) }
        }
    }

    /// git's CLI, with hooks off: libgit2 1.5.1 cannot add a detached worktree.
    @discardableResult
    private static func git(_ arguments: [String], workspace: Workspace) throws -> ProcessResult {
        guard let program = Subprocess.onPath("git") else { throw Messages.gitMissing() }
        let environment = Environment.all().filter { !isGitLocationVariable($0.key) }
        let result = try Subprocess.run([program, "--git-dir=" + workspace.location.commonDir, "-c", "core.hooksPath=/dev/null"] + arguments,
                                        environment: environment, timeout: 300)
        guard result.succeeded else {
            throw AOError(.gitFailed, "git \(arguments.prefix(2).joined(separator: " ")) failed: \(result.stderrText.trimmingSpaces)",
                          hint: "Check the repository with: git worktree list")
        }
        return result
    }
}
