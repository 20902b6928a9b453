import ArgumentParser
import Lifecycle

/// The `<id>` argument of the commands that act on one session (attach, kill, restore, send,
/// show), and its resolution: exact id, then name, then unique id prefix.
struct SessionArgument: ParsableArguments {
    @Argument(help: ArgumentHelp("Session id, unique id prefix, or name.", valueName: "id"))
    var session: String

    /// Finds the repository around the current directory and the session named here.
    func resolve() throws -> (workspace: Workspace, session: Session) {
        let workspace = try Workspace.locate()
        return (workspace, try workspace.resolveSession(session))
    }
}
