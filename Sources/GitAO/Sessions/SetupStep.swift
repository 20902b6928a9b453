import Agents
import Glibc
import Lifecycle
import Platform
import TmuxRuntime

/// The user's setup step (`ao.spawn.setup`), run without a shell in a new worktree before the
/// agent starts, in a process group of its own so a timeout or Ctrl-C ends all of it.
struct SetupStep {
    enum Result {
        case succeeded(seconds: Double)
        /// Failed or timed out; `what` completes "the setup step ...".
        case failed(what: String, lastLines: [String])
    }

    let template: CommandTemplate
    let timeout: Double
    /// `<common-dir>/ao/logs/<id>-setup.log`.
    let logPath: String

    static func logPath(aoDirectory: String, session: SessionID) -> String {
        aoDirectory + "/logs/\(session)-setup.log"
    }

    /// `<common-dir>/ao/run/<id>-setup.pid`: the step's process group while it runs, so a pass
    /// that finds the spawn abandoned (its process killed with -9) can end the step too.
    static func pidPath(aoDirectory: String, session: SessionID) -> String {
        aoDirectory + "/run/\(session)-setup.pid"
    }

    /// Ends the setup step of an abandoned spawn, if one is still running.
    static func endAbandoned(_ session: SessionID, aoDirectory: String) {
        let path = pidPath(aoDirectory: aoDirectory, session: session)
        guard let text = readFile(path) else { return }
        if let group = Int32(text.trimmingSpaces) {
            GroupedProcess.endAbandonedGroup(group, marker: "AO_SESSION_ID=\(session)")
        }
        unlink(path)
    }

    /// The environment the step runs with: the caller's, minus what describes only this
    /// invocation, plus the session's variables.
    static func environment(for session: Session, commonDir: String) -> [String: String] {
        var extra = ["AO_SESSION_ID": session.id.rawValue, "AO_REPO": commonDir, "AO_WORKTREE": session.worktreePath,
                     "AO_BRANCH": session.branch.rawValue, "AO_BASE_SHA": session.baseSHA.rawValue]
        if let port = session.port { extra["AO_PORT"] = String(port) }
        if let name = session.name { extra["AO_SESSION_NAME"] = name }
        return LaunchPlan.agentEnvironment(adding: extra)
    }

    /// The argv: placeholders filled in, the program found on PATH or, when it names a path
    /// (`./scripts/setup.sh`), in the worktree.
    func argv(for session: Session) throws -> [String] {
        var argv = template.render(["{session}": session.id.rawValue])
        let program = argv[0]
        let resolved: String?
        if program.contains("/") {
            let path = program.hasPrefix("/") ? program : session.worktreePath + "/" + program
            resolved = Subprocess.isExecutableFile(path) ? path : nil
        } else {
            resolved = Subprocess.onPath(program)
        }
        guard let resolved else { throw Messages.setupProgramNotFound(program, worktree: program.contains("/") ? session.worktreePath : nil) }
        argv[0] = resolved
        return argv
    }

    /// Runs the step; throws `INTERRUPTED` on Ctrl-C (after ending the step's process group).
    /// `started` receives the step's process group as soon as it exists.
    func run(for session: Session, commonDir: String, aoDirectory: String, progress: SetupProgress?,
             started: (pid_t) -> Void = { _ in }) throws -> Result {
        let argv = try argv(for: session)
        try makeDirectories(parent(of: logPath), mode: 0o700)
        unlink(logPath)
        let pidPath = SetupStep.pidPath(aoDirectory: aoDirectory, session: session.id)
        try makeDirectories(parent(of: pidPath), mode: 0o700)
        defer {
            progress?.finish()
            unlink(pidPath)
        }
        let start = Clock.monotonicSeconds()
        let outcome = try GroupedProcess.run(argv, environment: SetupStep.environment(for: session, commonDir: commonDir),
                                             directory: session.worktreePath, logPath: logPath, timeout: timeout,
                                             started: { pid in
                                                 try? writeFileAtomically(pidPath, Array("\(pid)\n".utf8))
                                                 started(pid)
                                             },
                                             tick: { progress?.update(elapsed: $0) })
        switch outcome {
        case .exited(0):
            return .succeeded(seconds: Clock.monotonicSeconds() - start)
        case .exited(let status):
            let what = status > 128 ? "was ended by signal \(status - 128)" : "exited with status \(status)"
            return .failed(what: what, lastLines: lastLines(of: logPath, count: 20))
        case .timedOut:
            return .failed(what: "did not finish within \(SetupStep.duration(timeout)) (\(ConfigKeys.spawnSetupTimeout))",
                           lastLines: lastLines(of: logPath, count: 20))
        case .interrupted:
            throw Messages.interrupted("the setup step")
        }
    }

    static func duration(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        if whole >= 60 && whole % 60 == 0 { return "\(whole / 60)m" }
        return whole >= 60 ? "\(whole / 60)m\(whole % 60)s" : "\(whole)s"
    }
}

/// The one-line progress indicator on a terminal: the step's name and the time it has taken,
/// rewritten in place, erased when the step ends. Only made when stderr is a terminal.
final class SetupProgress {
    private let label: String
    private var shown = -1

    init(label: String) { self.label = label }

    func update(elapsed: Double) {
        let seconds = Int(elapsed)
        guard seconds != shown else { return }
        shown = seconds
        Console.err("\r\u{1B}[2K" + label + "  " + SetupStep.duration(Double(seconds)))
    }

    func finish() {
        if shown >= 0 { Console.err("\r\u{1B}[2K") }
        shown = -1
    }
}
