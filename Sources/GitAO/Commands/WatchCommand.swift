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
            switch try ObservePass(workspace: workspace).run(wait: seconds) {
            case .busy: break
            case .ran(let changes):
                let time = String(isoTimestamp(Clock.now()).dropFirst(11).prefix(8))
                for change in changes { Console.line("\(time)  \(change.session)  \(change.text)") }
            }
            Console.flush()
            while !Interrupts.isPending && Clock.monotonicSeconds() - started < seconds { Clock.sleep(0.1) }
        }
        if !global.quiet { Console.line("Stopped.") }
    }
}
