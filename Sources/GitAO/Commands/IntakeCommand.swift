import ArgumentParser
import Lifecycle
import Platform

/// `git ao intake`: eligible open GitHub issues become sessions, one per issue.
struct IntakeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Spawn a session for each eligible open GitHub issue (one per issue, never twice).",
        discussion: """
            Reads the open issues of the repository (ao.intake.repo, else the remote's) that carry \
            every ao.intake.labels label and match ao.intake.assignee (a login, * for anyone, none for \
            unassigned), conditionally on the stored ETag, and spawns a session for each one that has \
            none, at most ao.intake.max alive at once, with ao.intake.agent. The branch is \
            <ao.branchPrefix>issue-<n>-<slug of the title>; the prompt holds the title, URL, labels and \
            body (8 KiB at most), fenced as untrusted data. Pull requests are skipped. Every other \
            issue is listed with the reason it was skipped.

            An issue whose session ended is spawned again only after --retry <n>; one whose session's \
            pull request was merged, never. A failed list or spawn backs the repository off for 5 \
            minutes. With ao.intake.enabled, observation passes start this command in the background \
            at most once per ao.github.interval. A live session whose issue is closed gets an \
            issue_closed notification and goes on.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Show what would be spawned, and why each other issue is skipped; change nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Allow this issue a new session after its last one ended (repeatable).", valueName: "number"))
    var retry: [Int] = []

    /// Started by an observation pass: never waits for another run, logs instead of failing.
    @Flag(help: ArgumentHelp("Run as an observation pass starts it: leave the work to a run already going.", visibility: .hidden))
    var background = false

    func validate() throws {
        if retry.contains(where: { $0 <= 0 }) { throw ValidationError("--retry takes an issue number.") }
    }

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let config = try workspace.config()
        let store = try workspace.requireStore()
        var lock: FileLock?
        if !dryRun {
            let path = workspace.location.aoDirectory + "/" + IssueIntake.lockName
            lock = try FileLock.acquire(path, wait: background ? 0 : 600)
            guard let lock else {
                if !background { Console.err("Another intake run\(FileLock.owner(of: path).map { " (pid \($0))" } ?? "") is still going; leaving it to that one.\n") }
                return
            }
            lock.recordOwner()
            Interrupts.catchTermination()
        }
        defer { lock?.release() }
        let intake = IssueIntake(workspace: workspace, config: config, store: store)
        let report: IssueIntake.Report
        do {
            report = try intake.run(dryRun: dryRun, retry: retry) { request, issue in
                let repository = try Workspace.openRepository()
                let quiet = PreparationOutput(verbose: false, quiet: true, json: true)
                return try SpawnComposition(workspace: workspace, repository: repository, config: config, store: store)
                    .spawn(request, issue: issue, output: quiet).session
            }
        } catch let error as AOError where background {
            HookLog.append("intake: \(error.message)", aoDirectory: workspace.location.aoDirectory)
            return
        }
        if !dryRun { Interrupts.restoreDefaults() }
        if background {
            for line in IntakeRendering.logLines(report) { HookLog.append("intake: \(line)", aoDirectory: workspace.location.aoDirectory) }
            return
        }
        if output.json {
            Console.out(JSON.encode(report, pretty: true) + "\n")
        } else if !global.quiet || report.error != nil {
            Console.out(IntakeRendering.human(report))
        }
        if report.error != nil { throw ExitCode.failure }
    }
}

/// The intake report as text.
enum IntakeRendering {
    static func human(_ report: IssueIntake.Report) -> String {
        var out = "intake \(report.repository)\(report.dry_run ? " (dry run)" : ""):\n"
        if let until = report.backing_off_until, report.issues.isEmpty {
            out += "  backing off until \(until)" + (report.backoff_reason.map { " after: \(displaySafe($0))" } ?? "") + "\n"
            return out
        }
        if report.issues.isEmpty && report.error == nil { out += "  no open issues match\n" }
        for issue in report.issues {
            var line = "  #\(issue.number) "
            switch issue.action {
            case .spawn: line += "would spawn on \(issue.branch ?? "?")"
            case .spawned: line += "spawned \(issue.session ?? "?") on \(issue.branch ?? "?")"
            case .failed: line += "failed: \(issue.detail ?? "?")"
            case .skipped:
                line += "skipped: " + (issue.reason ?? "?").replacingAll("_", with: " ")
                if let session = issue.session { line += " (\(session))" }
                if let detail = issue.detail { line += " - \(detail)" }
            }
            out += displaySafe(line + (issue.title.isEmpty ? "" : "  \(issue.title)")) + "\n"
        }
        for session in report.closed { out += "  session \(session): its issue was closed (notified; the session goes on)\n" }
        if let error = report.error { out += "  " + displaySafe(error) + (report.backing_off_until.map { "; backing off until \($0)" } ?? "") + "\n" }
        return out
    }

    static func logLines(_ report: IssueIntake.Report) -> [String] {
        var lines: [String] = []
        for issue in report.issues where issue.action != .skipped {
            lines.append("\(issue.id): \(issue.action.rawValue)" + (issue.session.map { " \($0)" } ?? "") + (issue.detail.map { ": \($0)" } ?? ""))
        }
        if let error = report.error { lines.append(error + (report.backing_off_until.map { "; backing off until \($0)" } ?? "")) }
        return lines
    }
}
