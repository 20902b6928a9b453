import ArgumentParser
import Lifecycle
import Platform

/// `git ao review list [<id>] [--json]`.
struct ReviewListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List review runs with sha, reviewer, status and verdict."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Argument(help: ArgumentHelp("Only this session's runs (id, unique id prefix, or name).", valueName: "id"))
    var session: String?

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let only = try session.map { try workspace.resolveSession($0).id }
        let runs = try workspace.storeCall { try workspace.store()?.reviewRuns(session: only) ?? [] }
        if output.json {
            struct Payload: Encodable { let version: Int; let runs: [ReviewRunView] }
            Console.out(JSON.encode(Payload(version: 1, runs: runs.map { ReviewRunView($0, withBody: false) }), pretty: true) + "\n")
            return
        }
        if runs.isEmpty { if !global.quiet { Console.line("no review runs") }; return }
        Console.line("RUN".padding(6) + "SESSION".padding(9) + "SHA".padding(14) + "REVIEWER".padding(20) + "STATUS".padding(12) + "VERDICT")
        for run in runs {
            Console.line(String(run.id).padding(6) + run.sessionID.rawValue.padding(9) + String(run.targetSHA.prefix(12)).padding(14)
                         + displaySafe(run.reviewer).padding(20) + run.status.rawValue.padding(12) + (run.verdict?.rawValue ?? "-")
                         // A failed run has no verdict: why it failed is what the reader needs.
                         + (run.status == .failed ? "  " + displaySafe(run.note ?? "") : ""))
        }
    }
}
