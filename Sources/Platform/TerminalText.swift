/// Text made safe to type into a terminal program.
///
/// Everything git-ao types into an agent (`send`, pasted prompts, queued messages and automated
/// nudges, and later text that comes from GitHub) goes through `inert` first, so no message can
/// act as a key: no Ctrl-C that kills the agent, no Escape sequence, no end of a bracketed paste
/// (`ESC [ 2 0 1 ~`) followed by keys the agent would take as typed.
///
/// Controls are shown, not dropped and not refused: the agent reads what was there (a log line
/// with a stray `^[[31m` stays understandable), and an automated nudge never fails because of
/// text it quotes.
package enum TerminalText {
    /// `text` with every C0 control except newline and tab, DEL, and every C1 control replaced
    /// by a visible spelling: C0 and DEL in caret notation (`^C`, `^[`, `^?`), C1 as `<U+009B>`.
    /// A carriage return, alone or before a newline, becomes a newline: in a paste it would
    /// submit the line. The result contains no character a terminal acts on other than `\n`
    /// and `\t`, and `inert(inert(x)) == inert(x)`.
    package static func inert(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            switch scalar.value {
            case 0x0A, 0x09:
                out.append(scalar)
            case 0x0D:
                out.append("\n")
                if pending == "\n" { pending = scalars.next() }
            case 0x00..<0x20:
                out.append("^")
                out.append(Unicode.Scalar(UInt8(scalar.value + 0x40)))
            case 0x7F:
                out.append(contentsOf: "^?".unicodeScalars)
            case 0x80..<0xA0:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out.append(contentsOf: "<U+00\(hex)>".unicodeScalars)
            default:
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// Whether `text` holds anything `inert` would change.
    package static func isInert(_ text: String) -> Bool {
        !text.unicodeScalars.contains { s in
            (s.value < 0x20 && s.value != 0x0A && s.value != 0x09) || (0x7F..<0xA0).contains(s.value)
        }
    }
}

/// Text from a program's output made safe to print on a terminal: escape sequences (CSI, OSC
/// and the other ESC forms) are removed, so a log cannot move the cursor, retitle the window
/// or hide lines; other control characters (C0 and C1, DEL) are shown as visible escapes.
package func terminalSafe(_ text: String) -> String {
    var out = ""
    var scalars = Array(text.unicodeScalars)[...]
    while let scalar = scalars.popFirst() {
        switch scalar.value {
        case 0x1b:
            guard let next = scalars.popFirst() else { break }
            switch next {
            case "[":
                // CSI: parameters and intermediates up to a final byte in @...~.
                while let c = scalars.popFirst(), !(0x40...0x7e).contains(c.value) {}
            case "]", "P", "X", "^", "_":
                // OSC, DCS, SOS, PM, APC: up to BEL or ESC \.
                while let c = scalars.popFirst() {
                    if c.value == 0x07 { break }
                    if c.value == 0x1b { _ = scalars.popFirst(); break }
                }
            default:
                break
            }
        case 0x9b:
            while let c = scalars.popFirst(), !(0x40...0x7e).contains(c.value) {}
        case 0x09:
            out += "    "
        case 0..<0x20, 0x7f:
            out += "^" + String(Character(Unicode.Scalar(UInt8(scalar.value ^ 0x40))))
        case 0x80..<0xa0:
            out += "\\u{\(String(scalar.value, radix: 16))}"
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// The last `count` lines of the file at `path` (reading at most its last 64 KiB), each made
/// terminal-safe; a carriage return keeps only what was written after it, as a terminal shows.
package func lastLines(of path: String, count: Int) -> [String] {
    guard let bytes = readBytes(path) else { return [] }
    let tail = bytes.suffix(65536)
    var lines = String(decoding: tail, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines.suffix(count).map { line in
        let shown = line.split(separator: "\r", omittingEmptySubsequences: false).last(where: { !$0.isEmpty }).map(String.init) ?? ""
        return terminalSafe(shown)
    }
}
