import Platform

/// Starts an agent in a new tmux session and confirms the agent program really started.
package struct AgentLauncher {
    package let tmux: Tmux
    /// `<common-dir>/ao/run`, where the launch channels live.
    package let runDirectory: String
    /// How long the launcher may take to pick up its plan and exec the agent.
    package var timeout: Double = 15
    /// How long the agent is watched after it started, to catch one that exits at once.
    package var settle: Double = 0.2

    /// Ends the watch over a launched agent: from now on its tmux session ends when it exits.
    /// Throws when it has already exited, with its status and last output.
    package func finish(name: String, program: String, directory: String) throws {
        if let dead = tmux.deadPane(name) {
            throw Messages.agentExited(program, tmuxName: name, dead: dead, directory: directory)
        }
        try tmux.setRemainOnExit(name, false)
        // It may have exited just before the option changed: its pane would then stay forever.
        if let dead = tmux.deadPane(name) {
            throw Messages.agentExited(program, tmuxName: name, dead: dead, directory: directory)
        }
    }

    /// Creates tmux session `name` in `directory` running `argv`. On any failure the tmux session
    /// is gone again when this throws.
    package func launch(name: String, directory: String, argv: [String], environment: [String: String]) throws {
        let channel = try LaunchChannel(directory: runDirectory, name: name)
        defer { channel.remove() }
        try tmux.newSession(name: name, directory: directory,
                            command: [Environment.executablePath, "exec-agent", channel.planPath, channel.ackPath])
        // The launcher waits for its plan, so the agent cannot exit before this is set: until the
        // spawn is done, an agent that exits leaves its pane (status, last output) behind.
        _ = try? tmux.setRemainOnExit(name, true)
        let outcome = channel.deliver(LaunchPlan(argv: argv, environment: environment, directory: directory),
                                      timeout: timeout, interrupted: { Interrupts.isPending })
        switch outcome {
        case .started:
            // An agent that cannot run (no API key, bad flag) usually exits within moments.
            let deadline = Clock.monotonicSeconds() + settle
            repeat {
                if let dead = tmux.deadPane(name) {
                    _ = try? tmux.killSession(name)
                    throw Messages.agentExited(argv[0], tmuxName: name, dead: dead, directory: directory)
                }
                Clock.sleep(0.03)
            } while Clock.monotonicSeconds() < deadline
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
