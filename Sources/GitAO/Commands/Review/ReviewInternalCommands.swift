import ArgumentParser
import Lifecycle
import Platform

/// `git ao review execute <run>`: runs a command reviewer's run. Started detached by a manual
/// trigger. Not for people.
struct ReviewExecuteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "execute", abstract: "Internal: run a command reviewer's run.", shouldDisplay: false)

    @Argument var handle: String

    func run() throws {
        let workspace = try Workspace.locate()
        let store = try workspace.requireStore()
        let found = try ReviewCommand.run(handle, store: store)
        let settings = try ReviewSettings(config: try workspace.config())
        try CommandReviewer(workspace: workspace, store: store, settings: settings).execute(found)
    }
}

/// `git ao review after-commit <session> <sha>`: what the hooks' background pass does after a
/// commit (`observe --requested`), as a command of its own for scripts. Not for people.
struct ReviewAfterCommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "after-commit", abstract: "Internal: debounce and start the reviews of a commit.", shouldDisplay: false)

    @Argument var session: String
    @Argument var sha: String

    func run() throws {
        ReviewAfterCommitCommand.review(workspace: try Workspace.locate(), session: SessionID(session), sha: sha)
    }

    /// Errors go to hooks.log: nobody waits for this.
    static func review(workspace: Workspace, session: SessionID, sha: String) {
        do {
            guard let store = try workspace.store() else { return }
            try ReviewTrigger(workspace: workspace, store: store).afterCommit(session, sha: sha)
        } catch {
            HookLog.append("review after commit \(sha.prefix(12)) in session \(session): \(AOError.wrapping(error).message)",
                           aoDirectory: workspace.location.aoDirectory)
        }
    }
}
