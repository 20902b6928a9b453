import ArgumentParser
import Lifecycle
import Platform

/// `git ao review show <run> [--json]`.
struct ReviewShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one review run in full, with its body and log path."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Argument(help: ArgumentHelp("The run number.", valueName: "run"))
    var handle: String

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let found = try workspace.storeCall { try ReviewCommand.run(self.handle, store: try workspace.store()) }
        let post = try? workspace.store()?.reviewPost(run: found.id)
        if output.json {
            Console.out(JSON.encode(ReviewRunView(found, withBody: true, post: post ?? nil), pretty: true) + "\n")
            return
        }
        var lines = ["review run \(found.id)"]
        func field(_ label: String, _ value: String) { lines.append("  " + (label + ":").padding(11) + value) }
        field("session", "\(found.sessionID) (branch \(displaySafe(found.branch)))")
        field("reviewer", displaySafe(found.reviewer))
        field("commit", found.targetSHA)
        field("base", found.baseSHA)
        field("status", found.status.rawValue)
        field("verdict", found.verdict?.rawValue ?? "-")
        if let note = found.note { field("note", terminalSafe(note)) }
        if let log = found.logPath { field("log", log) }
        field("created", isoTimestamp(found.createdAt))
        if let completed = found.completedAt { field("completed", isoTimestamp(completed)) }
        if let delivered = found.deliveredAt { field("delivered", isoTimestamp(delivered)) }
        if let post = post ?? nil {
            if let id = post.reviewID {
                field("github", "posted to pull request #\(post.pullRequest) as review \(id)")
            } else {
                field("github", "not posted to pull request #\(post.pullRequest): " + terminalSafe(post.error ?? "unknown error"))
            }
        }
        if let body = found.body, !body.isEmpty {
            lines.append("")
            lines += body.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + terminalSafe(String($0)) }
        }
        Console.out(lines.joined(separator: "\n") + "\n")
    }
}
