import Glibc
import Platform

/// The tmux runtime: every tmux command git-ao runs goes through here.
///
/// Rules kept here so no caller can forget them:
/// - No user text ever appears in tmux's argv: tmux splits commands on any argument ending in
///   `;` and expands `#{...}`/`#(...)` in some options. Text reaches panes through buffers fed on
///   stdin, agents start through `git-ao exec-agent`, which reads its argv from a private channel.
/// - Targets use `=name` so `ao-ab` never matches `ao-abc` by prefix.
/// - The server is part of a session's identity: a `Tmux` made `on(socket:)` addresses that
///   server explicitly (`tmux -S <path>`), whatever `TMUX` and `TMUX_TMPDIR` say. Only a spawn
///   asks tmux's own rules, once, to choose the server it records.
/// - A server that cannot be reached is never "no sessions": only a socket nobody listens on
///   (checked in /proc/net/unix) means no server runs there.
package struct Tmux {
    package let executable: String
    /// The server's socket path; nil follows tmux's own rules (`TMUX`, `TMUX_TMPDIR`).
    package let socket: String?

    /// The tmux on PATH, or nil.
    package static func locate() -> Tmux? {
        Subprocess.onPath("tmux").map { Tmux(executable: $0) }
    }

    package static func require() throws -> Tmux {
        guard let tmux = locate() else { throw Messages.tmuxMissing() }
        return tmux
    }

    /// A target for session-level commands.
    package static func sessionTarget(_ name: String) -> String { "=" + name }
    /// A target for the active pane of the session's active window.
    package static func paneTarget(_ name: String) -> String { "=" + name + ":" }

    /// The same tmux, addressing the server at `socket` (nil: tmux's own rules).
    package func on(socket: String?) -> Tmux { Tmux(executable: executable, socket: socket) }

    /// The socket this addresses: the recorded one, else the one tmux's own rules give.
    package var socketPath: String { socket ?? Tmux.defaultSocketPath() }

    /// `tmux [-S <socket>] <arguments>`.
    package func argv(_ arguments: [String]) -> [String] {
        [executable] + (socket.map { ["-S", $0] } ?? []) + arguments
    }

    package func run(_ arguments: [String], input: [UInt8] = [], timeout: Double = 10) throws -> ProcessResult {
        try Subprocess.run(argv(arguments), input: input, timeout: timeout)
    }

    package func version() -> String? {
        guard let result = try? Subprocess.run([executable, "-V"], timeout: 5), result.succeeded else { return nil }
        return result.stdoutText.trimmingSpaces
    }

    /// Whether an error text from tmux means "there is no server", which is an answer (no
    /// sessions exist) rather than a failure to ask.
    package static func meansNoServer(_ stderr: String) -> Bool {
        stderr.contains("no server running") || stderr.contains("server exited unexpectedly")
            || (stderr.contains("error connecting to") && stderr.contains("No such file or directory"))
    }

    // MARK: Sessions

    /// Starts a detached session running `command` (argv, executed directly: with two or more
    /// arguments tmux does not involve a shell). `directory` is the session's start directory.
    package func newSession(name: String, directory: String, command: [String], width: Int = 220, height: Int = 50) throws {
        precondition(command.count >= 2, "tmux runs a single-word command through sh -c")
        // -c is expanded as a tmux format, where #(...) would run a shell command: escape '#'.
        let escapedDirectory = directory.replacingAll("#", with: "##")
        let result = try run(["new-session", "-d", "-s", name, "-c", escapedDirectory, "-x", "\(width)", "-y", "\(height)", "--"] + command)
        guard result.succeeded else { throw Messages.runtimeFailed("start session '\(name)'", result.stderrText) }
    }

    /// Ends a session. Returns false when it did not exist (which is not an error): the server
    /// answered that it has no such session, or no server listens on the socket. Throws when
    /// the server could not be asked, since then the session may well still be running.
    @discardableResult
    package func killSession(_ name: String) throws -> Bool {
        if !fileExists(socketPath) {
            if Tmux.listening(on: socketPath) == false { return false }
            throw Messages.serverUnreachable(socketPath, Tmux.unreachableReason(socketPath, detail: "its socket file is gone"))
        }
        let result = try run(["kill-session", "-t", Tmux.sessionTarget(name)])
        if result.succeeded { return true }
        if result.stderrText.contains("can't find session") { return false }
        if Tmux.meansNoServer(result.stderrText) {
            if Tmux.listening(on: socketPath) == false { return false }
            throw Messages.serverUnreachable(socketPath, Tmux.unreachableReason(socketPath, detail: result.stderrText.trimmingSpaces))
        }
        if result.timedOut { throw Messages.serverUnreachable(socketPath, "it did not answer within 10 s") }
        throw Messages.runtimeFailed("end session '\(name)'", result.stderrText)
    }

    /// The sessions of the server whose names start with `prefix`, with their start directories.
    package func sessions(prefixed prefix: String) -> Probe {
        switch listSessions() {
        case .listed(let all): return .listed(all.filter { $0.key.hasPrefix(prefix) })
        case let other: return other
        }
    }

    /// One query for every session of the server: name and start directory.
    package func listSessions() -> Probe {
        startListingSessions().result()
    }

    /// The same query, started now and collected later, so the caller can read the database
    /// while tmux answers. When the server's socket does not exist there is no server, which is
    /// an answer (no sessions) that needs no tmux process at all.
    package func startListingSessions() -> PendingProbe {
        let socket = socketPath
        if !fileExists(socket) {
            return PendingProbe(socket: socket, answer: Tmux.absentServer(socket, detail: "its socket file is gone"))
        }
        do {
            let command = argv(["list-sessions", "-F", "#{session_name}\t#{session_path}"])
            return PendingProbe(socket: socket, running: try Subprocess.start(command), command: command)
        } catch {
            return PendingProbe(socket: socket, failure: String(describing: error))
        }
    }

    package struct PendingProbe {
        package let socket: String
        package let running: Subprocess.Running?
        package let failure: String?
        package var answer: Probe? = nil
        /// The listing's argv, to ask again once.
        package var command: [String] = []

        package func result() -> Probe {
            if let answer { return answer }
            guard let running else { return .failed(failure ?? "tmux could not be started") }
            let finished = running.finish(timeout: 5)
            let first = Tmux.parseListing(finished, socket: socket)
            // A server caught while it exits (its last session just ended) answers "server exited
            // unexpectedly": ask once more before calling it unreachable.
            guard case .failed = first, !finished.timedOut, !command.isEmpty else { return first }
            Clock.sleep(0.1)
            guard let again = try? Subprocess.run(command, timeout: 5) else { return first }
            return Tmux.parseListing(again, socket: socket)
        }

        /// Not needed after all (nothing is live): stop it.
        package func cancel() { running?.abandon() }

        package init(socket: String, running: Subprocess.Running? = nil, command: [String] = [], failure: String? = nil, answer: Probe? = nil) {
            self.socket = socket
            self.command = command
            self.running = running
            self.failure = failure
            self.answer = answer
        }
    }

    package static func parseListing(_ result: ProcessResult, socket: String) -> Probe {
        if result.timedOut { return .failed("the tmux server at \(socket) did not answer within 5 s") }
        if !result.succeeded {
            return Tmux.meansNoServer(result.stderrText) ? absentServer(socket, detail: result.stderrText.trimmingSpaces)
                                                         : .failed("\(result.stderrText.trimmingSpaces) (socket \(socket))")
        }
        var sessions: [String: String] = [:]
        for line in result.stdoutText.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            sessions[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return .listed(sessions)
    }

    package enum Probe: Equatable {
        /// Session name -> start directory.
        case listed([String: String])
        /// No server listens on the socket: nothing runs there (evidence, with what was seen).
        case noServer(String)
        /// tmux could not be asked (timeout, unreachable server): not evidence of anything.
        case failed(String)
    }

    // MARK: Panes

    package struct PaneState {
        package var inMode: Bool
        package var cursorX: Int
        package var cursorY: Int
        package var cursorVisible: Bool
        package var width: Int
        package var height: Int
        /// Lines scrolled off the top into the history, and how many the pane keeps.
        package var historySize: Int
        package var historyLimit: Int

        package init(inMode: Bool, cursorX: Int, cursorY: Int, cursorVisible: Bool, width: Int, height: Int,
                     historySize: Int = 0, historyLimit: Int = 0) {
            self.inMode = inMode
            self.cursorX = cursorX
            self.cursorY = cursorY
            self.cursorVisible = cursorVisible
            self.width = width
            self.height = height
            self.historySize = historySize
            self.historyLimit = historyLimit
        }
    }

    package func paneState(_ name: String) throws -> PaneState {
        let format = "#{pane_in_mode} #{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} #{pane_height} #{history_size} #{history_limit}"
        let result = try run(["display-message", "-p", "-t", Tmux.paneTarget(name), format])
        guard result.succeeded else { throw Messages.runtimeFailed("read the pane of '\(name)'", result.stderrText) }
        let n = result.stdoutText.trimmingSpaces.split(separator: " ").map { Int($0) ?? 0 }
        guard n.count == 8 else { throw Messages.runtimeFailed("read the pane of '\(name)'", "unexpected answer '\(result.stdoutText)'") }
        return PaneState(inMode: n[0] != 0, cursorX: n[1], cursorY: n[2], cursorVisible: n[3] != 0, width: n[4], height: n[5],
                         historySize: n[6], historyLimit: n[7])
    }

    /// The visible screen of the session's active pane, one string per row.
    package func capture(_ name: String) throws -> [String] {
        try captureRows(["-t", Tmux.paneTarget(name)], what: "read the screen of '\(name)'")
    }

    /// `capture-pane -p` with `options`, one string per row (the final newline is not a row).
    func captureRows(_ options: [String], what: String) throws -> [String] {
        let result = try run(["capture-pane", "-p"] + options)
        guard result.succeeded else { throw Messages.runtimeFailed(what, result.stderrText) }
        var rows = result.stdoutText.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    /// The process id of the program in the session's pane (the agent), or nil.
    package func panePID(_ name: String) -> Int32? {
        guard let result = try? run(["display-message", "-p", "-t", Tmux.paneTarget(name), "#{pane_pid}"]), result.succeeded else { return nil }
        return Int32(result.stdoutText.trimmingSpaces)
    }

    /// Keeps the pane (and its last screen) after its program exits, so a spawn can tell an agent
    /// that exited at once, with its status and last output, from a tmux problem.
    package func setRemainOnExit(_ name: String, _ on: Bool) throws {
        let result = try run(["set-option", "-w", "-t", Tmux.paneTarget(name), "remain-on-exit", on ? "on" : "off"])
        guard result.succeeded else { throw Messages.runtimeFailed("set remain-on-exit in '\(name)'", result.stderrText) }
    }

    /// How the program of a pane kept by remain-on-exit ended.
    package struct DeadPane: Equatable {
        /// Its exit status (nil: killed by a signal, or tmux did not say).
        package let status: Int?
        /// The signal that ended it, when one did.
        package let signal: Int?
        /// The last non-empty lines it printed, oldest first.
        package let lastLines: [String]
    }

    /// The pane's program has exited (nil: it runs, or tmux could not be asked).
    package func deadPane(_ name: String) -> DeadPane? {
        var fields: [Substring] = []
        // tmux may see the pane's terminal close a moment before it collects the exit status.
        for attempt in 0..<80 {
            guard let result = try? run(["display-message", "-p", "-t", Tmux.paneTarget(name), "#{pane_dead}\t#{pane_dead_status}\t#{pane_dead_signal}"]),
                  result.succeeded else { return nil }
            fields = result.stdoutText.trimmingSpaces.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.first == "1" else { return nil }
            if fields.dropFirst().contains(where: { !$0.isEmpty }) || attempt == 79 { break }
            Clock.sleep(0.025)
        }
        var lines = ((try? run(["capture-pane", "-p", "-J", "-S", "-200", "-t", Tmux.paneTarget(name)]))?.stdoutText ?? "")
            .components(separatedBy: "\n").filter { !$0.trimmingSpaces.isEmpty && !$0.hasPrefix("Pane is dead") }
        if lines.count > 10 { lines = Array(lines.suffix(10)) }
        return DeadPane(status: fields.count > 1 ? Int(fields[1]) : nil, signal: fields.count > 2 ? Int(fields[2]) : nil, lastLines: lines)
    }

    /// Leaves copy mode (or any other pane mode), so keys reach the program again.
    package func leaveMode(_ name: String) throws {
        let result = try run(["send-keys", "-t", Tmux.paneTarget(name), "-X", "cancel"])
        guard result.succeeded else { throw Messages.runtimeFailed("leave copy mode in '\(name)'", result.stderrText) }
    }

    /// Presses a key chosen from `SpecialKey` (what `git ao send --key` offers).
    package func press(_ key: SpecialKey, in name: String) throws {
        try press(key.rawValue, in: name)
    }

    /// Presses one key (a tmux key name such as `Enter`, chosen by git-ao, never by the user).
    package func press(_ key: String, in name: String) throws {
        let result = try run(["send-keys", "-t", Tmux.paneTarget(name), key])
        guard result.succeeded else { throw Messages.runtimeFailed("press \(key) in '\(name)'", result.stderrText) }
    }

    /// The argv that attaches the terminal to a session: `switch-client` from inside a client
    /// of the same server, `attach-session` otherwise.
    package func attachCommand(_ name: String) -> [String] {
        if isCallersServer {
            return argv(["switch-client", "-t", Tmux.sessionTarget(name)])
        }
        return argv(["attach-session", "-t", Tmux.sessionTarget(name)])
    }

    package init(executable: String, socket: String? = nil) {
        self.executable = executable
        self.socket = socket
    }
}
