import Glibc
import Platform

/// Text into panes through tmux paste buffers, and the pane's history read back.
///
/// Named buffers are global to a tmux server, so a fixed name per session let two deliveries
/// overwrite (or delete) each other's text. Every paste now loads a buffer of its own, named
/// `ao-paste-<session>.<pid>.<random>` ('.' never occurs in a tmux session name, so the prefix
/// of one session never matches another's), and `paste-buffer -d` deletes it as it pastes.
extension Tmux {
    /// The prefix of the buffers pasted into session `name`.
    package static func bufferPrefix(for name: String) -> String { "ao-paste-\(name)." }

    /// Pastes `text` into the pane as a terminal paste would (bracketed when the program asked
    /// for it). The text travels on stdin into a buffer of its own, never through argv, and is
    /// made inert on the way (`TerminalText.inert`), so nothing in it can end the bracketed paste.
    package func paste(_ text: String, into name: String) throws {
        let buffer = Tmux.bufferPrefix(for: name) + "\(getpid()).\(UInt64.random(in: 0...UInt64.max))"
        let load = try run(["load-buffer", "-b", buffer, "-"], input: Array(TerminalText.inert(text).utf8))
        guard load.succeeded else { throw Messages.runtimeFailed("load text for '\(name)'", load.stderrText) }
        let paste = try run(["paste-buffer", "-d", "-p", "-b", buffer, "-t", Tmux.paneTarget(name)])
        guard paste.succeeded else {
            _ = try? run(["delete-buffer", "-b", buffer])
            throw Messages.runtimeFailed("paste into '\(name)'", paste.stderrText)
        }
    }

    /// Deletes buffers a killed delivery into `name` loaded but never pasted. Only safe while
    /// the session's delivery lock is held: then no other delivery into it is under way.
    package func deleteLeftoverBuffers(of name: String) {
        guard let listed = try? run(["list-buffers", "-F", "#{buffer_name}"]), listed.succeeded else { return }
        let prefix = Tmux.bufferPrefix(for: name)
        for buffer in listed.stdoutText.split(separator: "\n") where buffer.hasPrefix(prefix) {
            _ = try? run(["delete-buffer", "-b", String(buffer)])
        }
    }

    /// The pane's lines from line `start` (0 is the top of the visible screen, negative lines
    /// are history) to the bottom of the screen, wrapped lines joined.
    package func captureJoined(_ name: String, from start: Int) throws -> [String] {
        try captureRows(["-J", "-S", String(start), "-t", Tmux.paneTarget(name)], what: "read the history of '\(name)'")
    }

    /// The terminal device of the session's pane (`/dev/pts/N`), or nil.
    package func paneTTY(_ name: String) -> String? {
        guard let result = try? run(["display-message", "-p", "-t", Tmux.paneTarget(name), "#{pane_tty}"]), result.succeeded else { return nil }
        let tty = result.stdoutText.trimmingSpaces
        return tty.hasPrefix("/dev/") ? tty : nil
    }
}
