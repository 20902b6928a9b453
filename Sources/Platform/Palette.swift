/// ANSI styles, or nothing when colour is off.
package struct Palette {
    package let enabled: Bool

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    package func bold(_ t: String) -> String { wrap("1", t) }
    package func dim(_ t: String) -> String { wrap("2", t) }
    package func red(_ t: String) -> String { wrap("31", t) }
    package func green(_ t: String) -> String { wrap("32", t) }
    package func yellow(_ t: String) -> String { wrap("33", t) }
    package func blue(_ t: String) -> String { wrap("34", t) }
    package func magenta(_ t: String) -> String { wrap("35", t) }
    package func cyan(_ t: String) -> String { wrap("36", t) }

    package init(enabled: Bool) {
        self.enabled = enabled
    }
}
