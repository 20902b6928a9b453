import ArgumentParser
import Glibc
import Platform
import TmuxRuntime

/// Runs inside a new tmux pane: reads the launch plan from spawn and becomes the agent.
/// Not for people; hidden from help.
struct ExecAgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec-agent",
        abstract: "Internal: start an agent inside its tmux pane (run by spawn and restore).",
        shouldDisplay: false
    )

    @Argument var planPath: String
    @Argument var ackPath: String

    func run() throws {
        let status = LaunchChannel.runLauncher(planPath: planPath, ackPath: ackPath)
        // Keep the message on screen a moment before the pane closes.
        Clock.sleep(2)
        throw ExitCode(status)
    }
}
