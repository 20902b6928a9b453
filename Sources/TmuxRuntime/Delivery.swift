import Platform

/// Puts text into an agent's input line and makes sure it was submitted.
///
/// The complaint this answers: messages pasted into agents but never submitted. So delivery
/// does not stop at "pasted": it waits until the text shows on the input line (the line holding
/// the terminal cursor), presses Enter, and looks again. While the end of the message still sits
/// there it presses Enter again, up to `retries` more times, and reports failure if it stays.
///
/// Deliveries into one session from several processes must not interleave (two pastes before
/// one Enter arrive joined on one line): callers that may run beside another deliverer go
/// through `exclusively`, which also finishes what a killed deliverer left half done
/// (see `DeliveryJournal`).
package struct Delivery {
    package let tmux: Tmux
    package let target: String

    package struct Result: Equatable {
        /// The text is not on the input line after an Enter.
        package let confirmed: Bool
        /// How many times Enter was pressed.
        package let presses: Int
        /// The paste showed: its text on the input line, or at least a change of the screen (a
        /// program may show a long paste as a placeholder). A program that shows nothing of its
        /// input cannot be watched, so for it `confirmed` proves nothing.
        package let seen: Bool
        /// Nothing was pasted: a killed delivery of the same item had already submitted it.
        package let recovered: Bool

        package init(confirmed: Bool, presses: Int, seen: Bool = true, recovered: Bool = false) {
            self.confirmed = confirmed
            self.presses = presses
            self.seen = seen
            self.recovered = recovered
        }

        /// Submitted, as far as the screen can tell.
        package var submitted: Bool { confirmed && seen }
    }

    /// How long to watch for the text to leave the input line after each Enter.
    package var settle: Double = 1.0
    /// Set while the session's delivery lock is held (`exclusively`): where this delivery notes
    /// what it is about to paste, so a deliverer killed mid-way is finished, not repeated.
    package var journal: DeliveryJournal? = nil

    /// Every path that types text into an agent comes here; the text is made inert first
    /// (`TerminalText.inert`): controls show as `^C`, so none acts as a key.
    ///
    /// `key` names an item that is delivered again when its deliverer dies (an outbox row):
    /// with a journal, a paste of that key which a killed process already submitted is not
    /// pasted again (`recovered`). The caller calls `acknowledge(key)` once it recorded the
    /// delivery. Text is never changed for the key: a person's message arrives as given.
    package func deliver(_ message: String, key: String? = nil, retries: Int = 3, interrupted: () -> Bool = { false }) throws -> Result {
        var text = TerminalText.inert(message)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        if let key, wasSubmitted(key) { return Result(confirmed: true, presses: 0, recovered: true) }
        // Keys typed while the pane scrolls back would go to copy mode, not to the agent.
        for _ in 0..<3 where try tmux.paneState(target).inMode { try tmux.leaveMode(target) }
        let probe = Delivery.probe(for: text)
        let before = try tmux.capture(target)
        if let journal {
            // Noted before the paste: a process killed after it leaves the record behind.
            let pane = try tmux.paneState(target)
            try journal.begin(DeliveryJournal.Entry(key: key ?? "", probe: probe, anchor: pane.historySize + pane.cursorY,
                                                    column: pane.cursorX, retried: key != nil))
        }
        try tmux.paste(text, into: target)
        let pasted = Clock.monotonicSeconds()
        // Enter goes once the program has taken the paste in (it shows on the input line), so
        // it submits the text instead of landing inside a paste still being read. A program
        // that shows a long paste as a placeholder still changes its screen.
        let seen = try waitFor(timeout: 2 * settle, interrupted: interrupted) { try isPending(probe) }
            || (try tmux.capture(target)) != before
        // Some agents (Claude Code) take an Enter right behind a paste as a newline in it.
        Clock.sleep(max(0, 0.15 - (Clock.monotonicSeconds() - pasted)))
        var presses = 0
        var gone = false
        while presses <= retries {
            try tmux.press("Enter", in: target)
            presses += 1
            if try waitUntilSubmitted(probe, interrupted: interrupted) { gone = true; break }
            if interrupted() { break }
        }
        try journal?.finish(key: key)
        return Result(confirmed: gone, presses: presses, seen: seen)
    }

    /// Whether a paste of `key` already reached the agent (a killed deliverer's, finished since).
    package func wasSubmitted(_ key: String) -> Bool {
        journal?.read().submitted.contains(key) ?? false
    }

    /// Forgets `key` once its delivery is recorded by the caller (the outbox row marked).
    package func acknowledge(_ key: String) throws {
        try journal?.forget(key)
    }

    private func waitUntilSubmitted(_ probe: String, interrupted: () -> Bool) throws -> Bool {
        if probe.isEmpty { return true }
        return try waitFor(timeout: settle, interval: 0.1, interrupted: interrupted) { !(try isPending(probe)) }
    }

    /// Polls `condition` until it holds (true) or `timeout` passes (false).
    func waitFor(timeout: Double, interval: Double = 0.05, interrupted: () -> Bool, _ condition: () throws -> Bool) throws -> Bool {
        let deadline = Clock.monotonicSeconds() + timeout
        repeat {
            if try condition() { return true }
            Clock.sleep(interval)
        } while Clock.monotonicSeconds() < deadline && !interrupted()
        return try condition()
    }

    /// Whether the message's tail is on the input line now.
    package func isPending(_ probe: String) throws -> Bool {
        if probe.isEmpty { return false }
        let screen = try tmux.capture(target)
        let pane = try tmux.paneState(target)
        return Delivery.signature(Delivery.inputLine(screen: screen, pane: pane)).contains(probe)
    }

    /// The last characters of the message's last line, as `signature` gives them: what stays
    /// visible at the cursor while the message is unsent, however long it is.
    package static func probe(for text: String) -> String {
        let lastLine = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last(where: { !signature($0).isEmpty }) ?? ""
        return String(String.UnicodeScalarView(signature(lastLine).unicodeScalars.suffix(20)))
    }

    /// Text as compared with the screen: without white space (a terminal wraps and pads it)
    /// and without the characters a terminal may draw differently or drop (combining marks,
    /// variation selectors, joiners, skin-tone modifiers), so non-ASCII text still matches.
    package static func signature<S: StringProtocol>(_ text: S) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace { continue }
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark, .format, .control: continue
            default: break
            }
            if (0xFE00...0xFE0F).contains(scalar.value) || (0x1F3FB...0x1F3FF).contains(scalar.value) { continue }
            out.append(scalar)
        }
        return String(out)
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
