import ArgumentParser
import Lifecycle
import Platform

/// `git ao watch`: observation passes in the foreground, until Ctrl-C.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Repeat observation passes in the foreground, printing each change.",
        discussion: """
            Runs a pass every --interval (default 30s) and prints one line per change; with --fetch, \
            fetches the sessions' base branches first, so a base that moved on the server shows up as \
            a predicted conflict. Stops cleanly on \
            Ctrl-C or SIGTERM. Only one watch runs per repository; a second one says which process \
            has it.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Time between passes: 500ms, 30s, 2m.", valueName: "duration"))
    var interval = "30s"

    @Flag(help: "Before each pass, fetch the sessions' base branches from their remotes (for conflict prediction).")
    var fetch = false

    func validate() throws {
        guard let span = GitConfig.parseTimeSpan(interval), span.milliseconds >= 100 else {
            throw ValidationError("--interval must be a duration of at least 100ms, such as 30s or 2m.")
        }
    }

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        _ = try workspace.requireStore()
        let lockPath = workspace.location.aoDirectory + "/watch.lock"
        guard let lock = try FileLock.acquire(lockPath, wait: 0) else {
            throw Messages.watchAlreadyRunning(pid: FileLock.owner(of: lockPath))
        }
        lock.recordOwner()
        defer { lock.release() }
        Interrupts.catchTermination()
        let seconds = Double(GitConfig.parseTimeSpan(interval)!.milliseconds) / 1000
        if !global.quiet { Console.line("Watching \(workspace.location.commonDir) every \(interval); Ctrl-C stops.") }
        Console.flush()
        while !Interrupts.isPending {
            let started = Clock.monotonicSeconds()
            if fetch {
                for problem in BaseFetcher.fetch(workspace: workspace, sessions: (try? workspace.sessions()) ?? []) {
                    Console.line("\(String(isoTimestamp(Clock.now()).dropFirst(11).prefix(8)))  \(displaySafe(problem))")
                }
            }
            let before = WatchCommand.displayed(try? workspace.sessions())
            switch try ObservePass(workspace: workspace).run(wait: seconds) {
            case .busy: break
            case .ran(let changes):
                let after = WatchCommand.displayed(try? workspace.sessions())
                let time = String(isoTimestamp(Clock.now()).dropFirst(11).prefix(8))
                for change in changes where WatchCommand.isVisible(change, before: before[change.session], after: after[change.session]) {
                    Console.line("\(time)  \(change.session)  \(change.text)")
                }
            }
            Console.flush()
            while !Interrupts.isPending && Clock.monotonicSeconds() - started < seconds { Clock.sleep(0.1) }
        }
        if !global.quiet { Console.line("Stopped.") }
    }

    /// The reducer's changes that only refresh a session's row (a screen judged idle again, a
    /// signal repeated after `signalRefresh`) leave the status a user sees as it was; a line for
    /// them every minute per session would bury the changes that matter.
    private static let rowRefreshes: Set<String> = [EventKind.activity.rawValue, EventKind.runtime.rawValue]

    /// Whether a change is worth a line: anything but a row refresh, and a row refresh only
    /// when what status shows for the session changed (idle -> working, working -> needs_input).
    static func isVisible(_ change: ObservePass.Change, before: DisplayStatus?, after: DisplayStatus?) -> Bool {
        guard let kind = change.text.split(separator: ":", maxSplits: 1).first, rowRefreshes.contains(String(kind)) else { return true }
        guard let before, let after else { return true }
        return before != after
    }

    /// What status shows for each session now.
    static func displayed(_ sessions: [Session]?) -> [SessionID: DisplayStatus] {
        let now = Clock.now()
        return Dictionary((sessions ?? []).map { ($0.id, DisplayStatus.of($0, now: now).status) }, uniquingKeysWith: { a, _ in a })
    }
}
