import Platform

/// Puts text into an agent's input line and makes sure it was submitted.
///
/// The complaint this answers: messages pasted into agents but never submitted. So delivery
/// does not stop at "pasted": it presses Enter, then looks at the pane. While the end of the
/// message still sits on the input line (the line holding the terminal cursor) it presses
/// Enter again, up to `retries` more times, and reports failure if the text is still there.
package struct Delivery {
    package let tmux: Tmux
    package let target: String

    package struct Result: Equatable {
        package let confirmed: Bool
        /// How many times Enter was pressed.
        package let presses: Int

        package init(confirmed: Bool, presses: Int) {
            self.confirmed = confirmed
            self.presses = presses
        }
    }

    /// How long to watch for the text to leave the input line after each Enter.
    package var settle: Double = 1.0

    /// Every path that types text into an agent comes here; the text is made inert first
    /// (`TerminalText.inert`): controls show as `^C`, so none acts as a key.
    package func deliver(_ message: String, retries: Int = 3, interrupted: () -> Bool = { false }) throws -> Result {
        var text = TerminalText.inert(message)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        // Keys typed while the pane scrolls back would go to copy mode, not to the agent.
        for _ in 0..<3 where try tmux.paneState(target).inMode { try tmux.leaveMode(target) }
        try tmux.paste(text, into: target)
        // Let the program take the paste in before the Enter that submits it.
        Clock.sleep(0.15)
        let probe = Delivery.probe(for: text)
        var presses = 0
        while presses <= retries {
            try tmux.press("Enter", in: target)
            presses += 1
            if try waitUntilSubmitted(probe, interrupted: interrupted) { return Result(confirmed: true, presses: presses) }
            if interrupted() { break }
        }
        return Result(confirmed: false, presses: presses)
    }

    private func waitUntilSubmitted(_ probe: String, interrupted: () -> Bool) throws -> Bool {
        if probe.isEmpty { return true }
        let deadline = Clock.monotonicSeconds() + settle
        repeat {
            Clock.sleep(0.1)
            if !(try isPending(probe)) { return true }
        } while Clock.monotonicSeconds() < deadline && !interrupted()
        return false
    }

    /// Whether the message's tail is on the input line now.
    package func isPending(_ probe: String) throws -> Bool {
        let screen = try tmux.capture(target)
        let pane = try tmux.paneState(target)
        return Delivery.inputLine(screen: screen, pane: pane).contains(probe)
    }

    /// The last characters of the message's last line, whitespace collapsed: what stays visible
    /// at the cursor while the message is unsent, however long it is.
    package static func probe(for text: String) -> String {
        let lastLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last(where: { !collapse($0).isEmpty }) ?? ""
        return String(collapse(lastLine).suffix(20)).trimmingSpaces
    }

    /// The input line: the row holding the cursor, joined to the row above when that one is
    /// full (the message wrapped). Programs that hide the terminal cursor and draw their own
    /// are judged by the bottom rows of the screen instead.
    package static func inputLine(screen: [String], pane: Tmux.PaneState) -> String {
        if pane.cursorVisible, pane.cursorY < screen.count {
            var line = screen[pane.cursorY]
            if pane.cursorY > 0, screen[pane.cursorY - 1].count >= pane.width {
                line = screen[pane.cursorY - 1] + line
            }
            return collapse(line)
        }
        let bottom = screen.filter { !collapse($0).isEmpty }.suffix(4)
        return bottom.map(collapse).joined(separator: "\n")
    }

    package static func collapse<S: StringProtocol>(_ text: S) -> String {
        var out = ""
        var space = false
        for c in text {
            if c == " " || c == "\t" { space = true; continue }
            if space && !out.isEmpty { out.append(" ") }
            space = false
            out.append(c)
        }
        return out
    }

    package init(tmux: Tmux, target: String, settle: Double = 1.0) {
        self.tmux = tmux
        self.target = target
        self.settle = settle
    }
}
