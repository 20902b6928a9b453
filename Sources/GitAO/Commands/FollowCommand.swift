import ArgumentParser
import Lifecycle

/// `git ao follow <id>`: the CI follower the pre-push hook starts. Not for people.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow", abstract: "Internal: follow a session's CI after a push.", shouldDisplay: false)

    @OptionGroup var global: GlobalOptions
    @Argument var session: String

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        try CIFollower.follow(workspace: workspace, session: SessionID(session))
    }
}
