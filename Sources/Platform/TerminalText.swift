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
