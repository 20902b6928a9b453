import ArgumentParser
import Lifecycle
import Platform

/// `git ao review cancel <run>`.
struct ReviewCancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a running review run (a command reviewer's processes are ended)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run number.", valueName: "run"))
    var handle: String

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let store = try workspace.requireStore()
        let found = try workspace.storeCall { try ReviewCommand.run(self.handle, store: store) }
        guard let cancelled = try workspace.storeCall({ try store.cancelReviewRun(found.id, at: Clock.now()) }) else {
            if !global.quiet { Console.line("run \(found.id) is \(found.status.rawValue); nothing to cancel") }
            return
        }
        CommandReviewer.end(cancelled, commonDir: workspace.location.commonDir)
        if !global.quiet { Console.line("cancelled run \(found.id)") }
    }
}
