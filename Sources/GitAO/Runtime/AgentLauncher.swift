import Lifecycle

/// Starts an agent in a new tmux session and confirms the agent program really started.
struct AgentLauncher {
    let tmux: Tmux
    /// `<common-dir>/ao/run`, where the launch channels live.
    let runDirectory: String
    /// How long the launcher may take to pick up its plan and exec the agent.
    var timeout: Double = 15

    /// The environment an agent of `session` runs with.
    static func environment(for session: Session, commonDir: String) -> [String: String] {
        var extra = ["AO_SESSION_ID": session.id.rawValue, "AO_REPO": commonDir, "AO_BRANCH": session.branch.rawValue]
        if let name = session.name { extra["AO_SESSION_NAME"] = name }
        return LaunchPlan.agentEnvironment(adding: extra)
    }

    /// Creates tmux session `name` in `directory` running `argv`. On any failure the tmux session
    /// is gone again when this throws.
    func launch(name: String, directory: String, argv: [String], environment: [String: String]) throws {
        let channel = try LaunchChannel(directory: runDirectory, name: name)
        defer { channel.remove() }
        try tmux.newSession(name: name, directory: directory,
                            command: [Workspace.executablePath, "exec-agent", channel.planPath, channel.ackPath])
        let outcome = channel.deliver(LaunchPlan(argv: argv, environment: environment, directory: directory),
                                      timeout: timeout, interrupted: { Interrupts.isPending })
        switch outcome {
        case .started:
            return
        case .failed(let reason):
            _ = try? tmux.killSession(name)
            if Interrupts.isPending { throw Messages.interrupted("starting the agent") }
            throw AOError(.runtimeFailed, "the agent '\(argv[0])' did not start in tmux session '\(name)': \(reason).",
                          hint: "Check that the program runs on its own from '\(directory)'.")
        case .timedOut:
            _ = try? tmux.killSession(name)
            if Interrupts.isPending { throw Messages.interrupted("starting the agent") }
            throw AOError(.runtimeFailed, "tmux session '\(name)' did not start the agent within \(Int(timeout)) s.",
                          hint: "Check the tmux server (tmux list-sessions) and that git-ao can run inside it.")
        }
    }
}
