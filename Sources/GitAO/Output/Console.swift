import CSystem
import Glibc

/// Standard streams, terminal detection and colour. Commands write through this, never with
/// `print`, so every byte of output goes through one place.
enum Console {
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    static var stdinIsTerminal: Bool { isatty(0) == 1 }
    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    static func out(_ text: String) {
        fputs(text, ao_stdout())
    }

    static func line(_ text: String = "") {
        fputs(text + "\n", ao_stdout())
    }

    static func err(_ text: String) {
        fflush(ao_stdout())
        fputs(text, ao_stderr())
    }

    static func flush() {
        fflush(ao_stdout())
        fflush(ao_stderr())
    }

    /// Colour for human output: only on a terminal, only when NO_COLOR is unset, and only when
    /// git's `color.ui` does not say never. Reads git config only when the first two allow it,
    /// so piped output never pays for a `git config` call.
    static func palette(config: () -> GitConfig?) -> Palette {
        guard stdoutIsTerminal, !Environment.isSet("NO_COLOR") else { return Palette(enabled: false) }
        let setting = config()?.string("color.ui")?.lowercased()
        return Palette(enabled: !(setting == "never" || setting == "false" || setting == "off" || setting == "no" || setting == "0"))
    }
}

/// ANSI styles, or nothing when colour is off.
struct Palette {
    let enabled: Bool

    private func wrap(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ t: String) -> String { wrap("1", t) }
    func dim(_ t: String) -> String { wrap("2", t) }
    func red(_ t: String) -> String { wrap("31", t) }
    func green(_ t: String) -> String { wrap("32", t) }
    func yellow(_ t: String) -> String { wrap("33", t) }
    func blue(_ t: String) -> String { wrap("34", t) }
    func magenta(_ t: String) -> String { wrap("35", t) }
    func cyan(_ t: String) -> String { wrap("36", t) }
}

/// A plain text table: columns padded to the widest cell (by characters), no trailing spaces.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Applied to a cell after padding (so escapes do not disturb widths).
    var style: (_ row: Int, _ column: Int, _ text: String) -> String = { _, _, t in t }

    func render() -> String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for (r, row) in all.enumerated() {
            var line = ""
            for (i, cell) in row.enumerated() {
                let last = i == row.count - 1
                let padded = last ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
                line += (i > 0 ? "  " : "") + (r == 0 ? padded : style(r - 1, i, padded))
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
