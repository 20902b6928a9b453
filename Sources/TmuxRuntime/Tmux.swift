import Glibc
import Platform

/// The tmux runtime: every tmux command git-ao runs goes through here.
///
/// Rules kept here so no caller can forget them:
/// - No user text ever appears in tmux's argv: tmux splits commands on any argument ending in
///   `;` and expands `#{...}`/`#(...)` in some options. Text reaches panes through buffers fed on
///   stdin, agents start through `git-ao exec-agent`, which reads its argv from a private channel.
/// - Targets use `=name` so `ao-ab` never matches `ao-abc` by prefix.
/// - Which server is used follows tmux's own rules (`TMUX_TMPDIR`, `TMUX`), nothing else.
package struct Tmux {
    package let executable: String

    /// The tmux on PATH, or nil.
    package static func locate() -> Tmux? {
        Subprocess.onPath("tmux").map(Tmux.init(executable:))
    }

    package static func require() throws -> Tmux {
        guard let tmux = locate() else { throw Messages.tmuxMissing() }
        return tmux
    }

    /// A target for session-level commands.
    package static func sessionTarget(_ name: String) -> String { "=" + name }
    /// A target for the active pane of the session's active window.
    package static func paneTarget(_ name: String) -> String { "=" + name + ":" }

    package func run(_ arguments: [String], input: [UInt8] = [], timeout: Double = 10) throws -> ProcessResult {
        try Subprocess.run([executable] + arguments, input: input, timeout: timeout)
    }

    package func version() -> String? {
        guard let result = try? run(["-V"], timeout: 5), result.succeeded else { return nil }
        return result.stdoutText.trimmingSpaces
    }

    /// Whether an error text from tmux means "there is no server", which is an answer (no
    /// sessions exist) rather than a failure to ask.
    package static func meansNoServer(_ stderr: String) -> Bool {
        stderr.contains("no server running") || (stderr.contains("error connecting to") && stderr.contains("No such file or directory"))
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

    /// Ends a session. Returns false when it did not exist (which is not an error).
    @discardableResult
    package func killSession(_ name: String) throws -> Bool {
        let result = try run(["kill-session", "-t", Tmux.sessionTarget(name)])
        if result.succeeded { return true }
        if result.stderrText.contains("can't find session") || Tmux.meansNoServer(result.stderrText) { return false }
        throw Messages.runtimeFailed("end session '\(name)'", result.stderrText)
    }

    /// One query for every session of the server: name and start directory.
    package func listSessions() -> Probe {
        startListingSessions().result()
    }

    /// The same query, started now and collected later, so the caller can read the database
    /// while tmux answers. When the server's socket does not exist there is no server, which is
    /// an answer (no sessions) that needs no tmux process at all.
    package func startListingSessions() -> PendingProbe {
        if let socket = Tmux.defaultSocketPath(), !fileExists(socket) {
            return PendingProbe(running: nil, failure: nil, answer: .listed([:]))
        }
        do {
            return PendingProbe(running: try Subprocess.start([executable, "list-sessions", "-F", "#{session_name}\t#{session_path}"]), failure: nil)
        } catch {
            return PendingProbe(running: nil, failure: String(describing: error))
        }
    }

    package struct PendingProbe {
        package let running: Subprocess.Running?
        package let failure: String?
        package var answer: Probe? = nil

        package func result() -> Probe {
            if let answer { return answer }
            guard let running else { return .failed(failure ?? "tmux could not be started") }
            return Tmux.parseListing(running.finish(timeout: 5))
        }

        /// Not needed after all (nothing is live): stop it.
        package func cancel() { running?.abandon() }

        package init(running: Subprocess.Running? = nil, failure: String? = nil, answer: Probe? = nil) {
            self.running = running
            self.failure = failure
            self.answer = answer
        }
    }

    /// The socket tmux itself would use without -L/-S: the one named in $TMUX inside tmux,
    /// else `$TMUX_TMPDIR/tmux-<uid>/default` (TMUX_TMPDIR defaults to /tmp).
    package static func defaultSocketPath() -> String? {
        if let inside = Environment.value("TMUX"), !inside.isEmpty {
            return inside.split(separator: ",", maxSplits: 1).first.map(String.init)
        }
        var directory = Environment.value("TMUX_TMPDIR") ?? "/tmp"
        if directory.isEmpty { directory = "/tmp" }
        while directory.count > 1 && directory.hasSuffix("/") { directory.removeLast() }
        return "\(directory)/tmux-\(getuid())/default"
    }

    package static func parseListing(_ result: ProcessResult) -> Probe {
        if result.timedOut { return .failed("tmux did not answer within 5 s") }
        if !result.succeeded {
            return Tmux.meansNoServer(result.stderrText) ? .listed([:]) : .failed(result.stderrText.trimmingSpaces)
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

        package init(inMode: Bool, cursorX: Int, cursorY: Int, cursorVisible: Bool, width: Int, height: Int) {
            self.inMode = inMode
            self.cursorX = cursorX
            self.cursorY = cursorY
            self.cursorVisible = cursorVisible
            self.width = width
            self.height = height
        }
    }

    package func paneState(_ name: String) throws -> PaneState {
        let format = "#{pane_in_mode} #{cursor_x} #{cursor_y} #{cursor_flag} #{pane_width} #{pane_height}"
        let result = try run(["display-message", "-p", "-t", Tmux.paneTarget(name), format])
        guard result.succeeded else { throw Messages.runtimeFailed("read the pane of '\(name)'", result.stderrText) }
        let n = result.stdoutText.trimmingSpaces.split(separator: " ").map { Int($0) ?? 0 }
        guard n.count == 6 else { throw Messages.runtimeFailed("read the pane of '\(name)'", "unexpected answer '\(result.stdoutText)'") }
        return PaneState(inMode: n[0] != 0, cursorX: n[1], cursorY: n[2], cursorVisible: n[3] != 0, width: n[4], height: n[5])
    }

    /// The visible screen of the session's active pane, one string per row.
    package func capture(_ name: String) throws -> [String] {
        let result = try run(["capture-pane", "-p", "-t", Tmux.paneTarget(name)])
        guard result.succeeded else { throw Messages.runtimeFailed("read the screen of '\(name)'", result.stderrText) }
        var rows = result.stdoutText.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    /// Leaves copy mode (or any other pane mode), so keys reach the program again.
    package func leaveMode(_ name: String) throws {
        let result = try run(["send-keys", "-t", Tmux.paneTarget(name), "-X", "cancel"])
        guard result.succeeded else { throw Messages.runtimeFailed("leave copy mode in '\(name)'", result.stderrText) }
    }

    /// Pastes `text` into the pane as a terminal paste would (bracketed when the program asked
    /// for it). The text travels on stdin into a private buffer, never through argv, and is made
    /// inert on the way (`TerminalText.inert`), so nothing in it can end the bracketed paste.
    package func paste(_ text: String, into name: String) throws {
        let buffer = "ao-paste-\(name)"
        let load = try run(["load-buffer", "-b", buffer, "-"], input: Array(TerminalText.inert(text).utf8))
        guard load.succeeded else { throw Messages.runtimeFailed("load text for '\(name)'", load.stderrText) }
        let paste = try run(["paste-buffer", "-d", "-p", "-b", buffer, "-t", Tmux.paneTarget(name)])
        guard paste.succeeded else {
            _ = try? run(["delete-buffer", "-b", buffer])
            throw Messages.runtimeFailed("paste into '\(name)'", paste.stderrText)
        }
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

    /// The argv that attaches the terminal to a session: `switch-client` from inside tmux,
    /// `attach-session` otherwise.
    package func attachCommand(_ name: String) -> [String] {
        if Environment.isSet("TMUX") {
            return [executable, "switch-client", "-t", Tmux.sessionTarget(name)]
        }
        return [executable, "attach-session", "-t", Tmux.sessionTarget(name)]
    }

    package init(executable: String) {
        self.executable = executable
    }
}
