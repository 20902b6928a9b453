import Glibc
import Platform

/// The errors the tmux runtime raises.
extension Messages {
    package static func tmuxMissing() -> AOError {
        AOError(.runtimePrerequisiteMissing, "tmux was not found on PATH; git-ao runs every agent in a tmux session.",
                hint: "Install it: apt-get install tmux")
    }

    package static func runtimeFailed(_ what: String, _ detail: String) -> AOError {
        AOError(.runtimeFailed, "tmux could not \(what): \(detail.trimmingSpaces)",
                hint: "Check the tmux server (tmux list-sessions), then retry.")
    }

    /// A killed delivery's text still waits, unread, in the agent's terminal.
    package static func agentNotReading(_ tmuxName: String) -> AOError {
        AOError(.agentBusy, "the agent in tmux session '\(tmuxName)' has not read what an interrupted delivery typed into it; nothing more is typed until it has.",
                hint: "Look at the agent (tmux attach -t \(tmuxName)): it may be stuck. Queued messages and nudges go once it reads again; retry a send then.")
    }

    /// The session's tmux server could not be asked: the agent may still be running.
    package static func serverUnreachable(_ socket: String, _ reason: String) -> AOError {
        AOError(.runtimeUnreachable, "the tmux server at \(socket) cannot be reached: \(reason).",
                hint: "Nothing was changed, since the agent may still be running there. Make the server reachable (tmux -S \(socket) list-sessions), then retry.")
    }

    package static func agentExited(_ program: String, tmuxName: String, dead: Tmux.DeadPane, directory: String) -> AOError {
        let how = dead.status.map { "with status \($0)" } ?? dead.signal.map { "(killed by signal \($0))" } ?? "(tmux did not record its exit status)"
        let output = dead.lastLines.isEmpty ? ["it printed nothing"] : ["its last output:"] + dead.lastLines.map { "  " + $0 }
        return AOError(.agentExited, "the agent '\(program)' exited at once \(how) in tmux session '\(tmuxName)'.",
                       hint: "Run it yourself from '\(directory)' to see why (a missing login or API key, an unknown option).",
                       details: output)
    }

    static func agentDidNotStart(_ program: String, tmuxName: String, reason: String, directory: String) -> AOError {
        if reason.contains(String(cString: strerror(E2BIG))) {
            // The prompt went on the command line (`{prompt}`) and is longer than the kernel takes.
            return AOError(.runtimeFailed, "the agent '\(program)' did not start in tmux session '\(tmuxName)': its command line is too long (E2BIG), most likely because of the prompt.",
                           hint: "Give the agent its task in a file: use {prompt_file} instead of {prompt} in git config ao.agent.<name>.command (or ao.agent.<name>.resume).")
        }
        return AOError(.runtimeFailed, "the agent '\(program)' did not start in tmux session '\(tmuxName)': \(reason).",
                       hint: "Check that the program runs on its own from '\(directory)'.")
    }

    static func launcherTimedOut(tmuxName: String, seconds: Int) -> AOError {
        AOError(.runtimeFailed, "tmux session '\(tmuxName)' did not start the agent within \(seconds) s.",
                hint: "Check the tmux server (tmux list-sessions) and that git-ao can run inside it.")
    }
}
