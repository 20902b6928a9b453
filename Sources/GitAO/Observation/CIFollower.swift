import Glibc
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// CI follow-up without a daemon. When a session pushes (git-ao's pre-push hook), one detached
/// follower for that session runs a pass every `ao.github.interval`: once the session's open pull
/// request is known at the pushed commit, the pass asks GitHub only for that PR's checks and
/// statuses (conditionally, its own requests); until then it is an ordinary, interval-limited
/// pass, which discovers the PR. It stops when the PR's checks have all concluded for the pushed commit, the branch moves on (a later push
/// starts a new follower), the session ends, or `ao.github.followFor` (60 min) passes.
/// One per session: it holds `ao/follow-<id>.lock`, and `status -v` shows it.
enum CIFollower {
    static func lockPath(aoDirectory: String, session: SessionID) -> String { aoDirectory + "/follow-\(session).lock" }

    /// From the pre-push hook: starts the follower and returns at once.
    static func start(location: RepoLocation, session: SessionID) {
        let environment = ObservePass.backgroundEnvironment()
        let argv = [Environment.executablePath, "-C", location.commonDir, "follow", session.rawValue]
        do {
            try Subprocess.spawnDetached(argv, environment: environment, directory: "/", logPath: HookLog.path(aoDirectory: location.aoDirectory))
        } catch {
            HookLog.append("could not start the CI follower of session \(session): \(error)", aoDirectory: location.aoDirectory)
        }
    }

    /// The pid of the session's running follower, if one runs (no file is created to find out).
    static func running(aoDirectory: String, session: SessionID) -> Int32? {
        let path = lockPath(aoDirectory: aoDirectory, session: session)
        guard FileLock.isHeld(path) == true else { return nil }
        return FileLock.owner(of: path)
    }

    /// The follower's loop (`git ao follow <id>`).
    static func follow(workspace: Workspace, session id: SessionID) throws {
        guard let store = try workspace.store() else { return }
        let path = lockPath(aoDirectory: workspace.location.aoDirectory, session: id)
        // A follower of the previous push notices the branch moved within a second and leaves.
        guard let lock = try FileLock.acquire(path, wait: 5) else { return }
        lock.recordOwner()
        defer { lock.release() }
        Interrupts.catchTermination()
        let config = (try? workspace.config()) ?? GitConfig()
        let interval = Double((try config.timeSpan(ConfigKeys.githubInterval) ?? .seconds(30)).milliseconds) / 1000
        let followFor = Double((try config.timeSpan(ConfigKeys.githubFollowFor) ?? .minutes(60)).milliseconds) / 1000
        guard let session = try store.session(id) else { return }
        let branch = session.branch.rawValue
        let pushed = tip(of: branch, workspace: workspace)
        let started = Clock.monotonicSeconds()
        HookLog.append("following CI of session \(id) at \(pushed?.prefix(7) ?? "?") for up to \(Int(followFor / 60)) min", aoDirectory: workspace.location.aoDirectory)
        while !Interrupts.isPending && Clock.monotonicSeconds() - started < followFor {
            // Sleep one interval, watching for the branch to move on.
            let nap = Clock.monotonicSeconds()
            while !Interrupts.isPending && Clock.monotonicSeconds() - nap < interval {
                Clock.sleep(min(1, interval))
                if tip(of: branch, workspace: workspace) != pushed { return }
            }
            var pass = ObservePass(workspace: workspace, only: id)
            pass.followHead = pushed
            _ = try pass.run(wait: 5)
            guard let now = try store.session(id), !now.isTerminated, now.state != .done else { return }
            if let pr = now.pr, let pushed, pr.headSHA?.rawValue == pushed, pr.ci == .passing || pr.ci == .failing {
                return // every check has concluded for the pushed commit
            }
        }
    }

    private static func tip(of branch: String, workspace: Workspace) -> String? {
        guard let result = try? GitCLI.run(["rev-parse", "--verify", "-q", "refs/heads/\(branch)"], in: workspace.location.commonDir, timeout: 10),
              result.succeeded else { return nil }
        return result.stdoutText.trimmingSpaces
    }
}
