/// The keys `git ao send --key` may press: a fixed list of tmux key names, so no user text ever
/// reaches `tmux send-keys` (which would read words like `C-c` or `Enter` as keys).
package enum SpecialKey: String, CaseIterable, Sendable {
    case escape = "Escape"
    case enter = "Enter"
    case tab = "Tab"
    case backTab = "BTab"
    case space = "Space"
    case backspace = "BSpace"
    case up = "Up"
    case down = "Down"
    case left = "Left"
    case right = "Right"
    case home = "Home"
    case end = "End"
    case pageUp = "PageUp"
    case pageDown = "PageDown"
    case ctrlC = "C-c"
    case ctrlD = "C-d"
    case ctrlL = "C-l"
    case ctrlU = "C-u"

    /// Accepts the names as listed, ignoring case (`escape`, `c-c`).
    package init?(name: String) {
        guard let key = SpecialKey.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = key
    }

    /// The names, in the order they are documented.
    package static var names: [String] { allCases.map(\.rawValue) }
}
