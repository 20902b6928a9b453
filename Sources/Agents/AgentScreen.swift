import Platform

/// How git-ao reads an agent's screen: when it is ready for a pasted prompt, when it waits at its
/// prompt for the next task, and when it asks a question.
///
/// Built-in agents carry rules taken from their real screens (aider's are recorded, with their
/// source, in `Tests/AgentsTests/Fixtures/aider-0.86.2/`). Custom agents declare plain texts in git
/// config (`readyPattern`, `promptPattern`, `questionPattern`); one that declares nothing is
/// judged by whether its screen stopped changing, the fallback.
package struct ScreenSigns: Equatable, Sendable {
    /// One way of recognising a state on the screen.
    package enum Rule: Equatable, Sendable {
        /// The text appears on any row (a custom agent's `readyPattern`).
        case anywhere(String)
        /// The text appears on the input line (a custom agent's prompt or question pattern).
        case inputLineContains(String)
        /// The input line is a prompt ending in `marker` (after at most two lowercase mode words,
        /// as in aider's `ask>` or `diff multi>`), with nothing typed after it when `empty`.
        case prompt(marker: Character, empty: Bool)

        package func matches(screen: [String], inputLine: String) -> Bool {
            switch self {
            case .anywhere(let text): return screen.contains { $0.contains(text) }
            case .inputLineContains(let text): return inputLine.contains(text)
            case .prompt(let marker, let empty):
                guard let end = inputLine.firstIndex(of: marker) else { return false }
                let typed = inputLine[inputLine.index(after: end)...]
                if empty ? !typed.isEmpty : !(typed.isEmpty || typed.hasPrefix(" ")) { return false }
                let words = inputLine[..<end].split(separator: " ", omittingEmptySubsequences: false)
                if words == [""] { return true }
                return words.count <= 2 && words.allSatisfy { word in
                    word.first.map { ("a"..."z").contains($0) } == true && word.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
                }
            }
        }
    }

    /// What the screen says right now.
    package enum Reading: Equatable, Sendable {
        /// Ready for a pasted prompt.
        case ready
        /// At its prompt (possibly with unsent text typed), waiting for the next task.
        case atPrompt
        /// Asking a question; the text is the input line holding it.
        case question(String)
        /// None of the above: busy, starting, or a screen git-ao does not know.
        case other
    }

    package var ready: Rule?
    package var prompt: Rule?
    package var questions: [Rule]
    /// Whether these rules come from the program itself (a built-in agent) and can be trusted
    /// to judge every state: then "not at its prompt" means "busy", and a pasted message waits
    /// for the prompt, since text typed into a busy program arrives as separate lines.
    package var judgesInputLine: Bool

    /// Whether the rules say what the agent's prompt looks like (a built-in agent's, or a custom
    /// agent's promptPattern): then anywhere else it is busy, however still its screen, and a
    /// nudge or message waits for that prompt. Without it, "the screen stopped changing" decides.
    package var knowsItsPrompt: Bool { judgesInputLine || prompt != nil }

    package init(ready: Rule? = nil, prompt: Rule? = nil, questions: [Rule] = [], judgesInputLine: Bool = false) {
        self.ready = ready
        self.prompt = prompt
        self.questions = questions
        self.judgesInputLine = judgesInputLine
    }

    /// Whether anything is declared; when not, readiness falls back to "the screen stopped changing".
    package var declaresAnything: Bool { ready != nil || prompt != nil || !questions.isEmpty }

    /// aider 0.86.2: its input line is `> ` under a rule of `─`, preceded by the edit format when
    /// it is not the model's default and by `multi` in multi-line mode (`ask> `, `diff multi> `);
    /// every confirmation it asks ends its line with `(Y)es/(N)o` (then `[Yes]:`, or more
    /// choices: `(Y)es/(N)o/(A)ll/(S)kip all/(D)on't ask again`).
    package static let aider = ScreenSigns(ready: .prompt(marker: ">", empty: true), prompt: .prompt(marker: ">", empty: false),
                                           questions: [.inputLineContains("(Y)es/(N)o")], judgesInputLine: true)

    /// Reads a screen. `cursorRow` is the row holding the terminal cursor when known; without it
    /// the input line is the last row with text.
    package func read(_ screen: [String], cursorRow: Int? = nil) -> Reading {
        let line = ScreenSigns.inputLine(screen, cursorRow: cursorRow)
        for question in questions where question.matches(screen: screen, inputLine: line) {
            return .question(line)
        }
        if let ready, ready.matches(screen: screen, inputLine: line) { return .ready }
        if let prompt, prompt.matches(screen: screen, inputLine: line) { return .atPrompt }
        return .other
    }

    /// The input line, whitespace collapsed: the cursor's row when it has text, else the last row
    /// with text (patterns never count in what has scrolled above it).
    package static func inputLine(_ screen: [String], cursorRow: Int?) -> String {
        if let cursorRow, cursorRow >= 0, cursorRow < screen.count {
            let line = collapsed(screen[cursorRow])
            if !line.isEmpty { return line }
            // An empty cursor row below text: the program printed a line and is busy.
            if screen[..<cursorRow].contains(where: { !collapsed($0).isEmpty }) { return "" }
        }
        return collapsed(screen.last(where: { !collapsed($0).isEmpty }) ?? "")
    }

    private static func collapsed(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }
}
