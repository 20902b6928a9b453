import Platform

/// Starts an agent in a new tmux session and confirms the agent program really started.
package struct AgentLauncher {
    package let tmux: Tmux
    /// `<common-dir>/ao/run`, where the launch channels live.
    package let runDirectory: String
    /// How long the launcher may take to pick up its plan and exec the agent.
    package var timeout: Double = 15

    /// Creates tmux session `name` in `directory` running `argv`. On any failure the tmux session
    /// is gone again when this throws.
    package func launch(name: String, directory: String, argv: [String], environment: [String: String]) throws {
        let channel = try LaunchChannel(directory: runDirectory, name: name)
        defer { channel.remove() }
        try tmux.newSession(name: name, directory: directory,
                            command: [Environment.executablePath, "exec-agent", channel.planPath, channel.ackPath])
        let outcome = channel.deliver(LaunchPlan(argv: argv, environment: environment, directory: directory),
                                      timeout: timeout, interrupted: { Interrupts.isPending })
        switch outcome {
        case .started:
            return
        case .failed(let reason):
            _ = try? tmux.killSession(name)
            if Interrupts.isPending { throw Messages.interrupted("starting the agent") }
            throw Messages.agentDidNotStart(argv[0], tmuxName: name, reason: reason, directory: directory)
        case .timedOut:
            _ = try? tmux.killSession(name)
            if Interrupts.isPending { throw Messages.interrupted("starting the agent") }
            throw Messages.launcherTimedOut(tmuxName: name, seconds: Int(timeout))
        }
    }

    package init(tmux: Tmux, runDirectory: String, timeout: Double = 15) {
        self.tmux = tmux
        self.runDirectory = runDirectory
        self.timeout = timeout
    }
}
