import ArgumentParser
import Lifecycle
import Platform
import Store

/// `git ao review submit --run <run> --verdict approved|changes_requested [--body-file F | -]`:
/// what an agent reviewer runs when it is done.
struct ReviewSubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Record a review run's verdict (what an agent reviewer runs when it is done).",
        discussion: """
            changes_requested needs a non-empty body. Submitting the same verdict and body again \
            succeeds and changes nothing; a different verdict for a finished run is refused.
            """
    )

    enum VerdictArgument: String, ExpressibleByArgument, CaseIterable {
        case approved
        case changesRequested = "changes_requested"
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("run"), help: ArgumentHelp("The run number.", valueName: "run"))
    var handle: String

    @Option(help: ArgumentHelp("approved or changes_requested.", valueName: "verdict"))
    var verdict: VerdictArgument

    @Option(help: ArgumentHelp("Read the body from this file ('-': standard input).", valueName: "file"))
    var bodyFile: String?

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        var body: String?
        if let bodyFile {
            let bytes: [UInt8]?
            if bodyFile == "-" { bytes = readStandardInput() } else { bytes = readBytes(absolute(bodyFile, relativeTo: currentDirectory())) }
            guard let bytes else { throw Messages.cannotReadBody(bodyFile) }
            body = String(decoding: bytes, as: UTF8.self)
            while body?.hasSuffix("\n") == true { body?.removeLast() }
        }
        let verdict: ReviewRun.Verdict = self.verdict == .approved ? .approved : .changesRequested
        if verdict == .changesRequested && (body ?? "").trimmingSpaces.isEmpty { throw Messages.reviewBodyRequired() }
        let store = try workspace.requireStore()
        let found = try workspace.storeCall { try ReviewCommand.run(self.handle, store: store) }
        // A command reviewer's verdict is its exit status: a worker cannot approve its own gate.
        if found.reviewer == Reviewer.command.key && found.isRunning { throw Messages.reviewRunIsCommand(found.id) }
        let recorded = try ReviewVerdicts(workspace: workspace, store: store).record(found.id, verdict: verdict, body: body)
        guard !global.quiet else { return }
        if !recorded.changed {
            Console.line("run \(found.id) already has this verdict; nothing changed")
        } else {
            Console.line("run \(found.id): \(verdict.rawValue)" + (recorded.run.note.map { " (\($0))" } ?? (recorded.run.status == .delivered ? " (sent to the worker)" : "")))
        }
    }
}
