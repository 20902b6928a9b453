/// git's C-style quoting (quote_c_style with core.quotePath on): text that is plain printable
/// ASCII without spaces, quotes or backslashes is printed as it is; anything else is wrapped in
/// double quotes with escapes, bytes above 0x7f as octal. Porcelain output uses it so every
/// record stays on one line, whatever a name holds.
package func cQuoted(_ text: String, quoteSpaces: Bool = true) -> String {
    let bytes = Array(text.utf8)
    let needs = bytes.isEmpty || bytes.contains { $0 < 0x20 || $0 >= 0x7f || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || (quoteSpaces && $0 == 0x20) }
    guard needs else { return text }
    var out = "\""
    for byte in bytes {
        switch byte {
        case 0x07: out += "\\a"
        case 0x08: out += "\\b"
        case 0x09: out += "\\t"
        case 0x0a: out += "\\n"
        case 0x0b: out += "\\v"
        case 0x0c: out += "\\f"
        case 0x0d: out += "\\r"
        case UInt8(ascii: "\""): out += "\\\""
        case UInt8(ascii: "\\"): out += "\\\\"
        case 0x20..<0x7f: out.append(Character(Unicode.Scalar(byte)))
        default:
            let octal = String(byte, radix: 8)
            out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
        }
    }
    return out + "\""
}

/// Text for a terminal table cell: control characters shown as escapes, the rest as it is
/// (non-ASCII names stay readable on a terminal). C1 controls (which a branch name may hold:
/// git forbids only C0 and DEL) show as `<U+009B>`, as in `TerminalText.inert`.
package func displaySafe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x0a: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0d: out += "\\r"
        case 0..<0x20, 0x7f: out += "^" + String(Character(Unicode.Scalar(UInt8(scalar.value ^ 0x40))))
        case 0x80..<0xa0: out += "<U+00" + String(scalar.value, radix: 16, uppercase: true) + ">"
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}


/// Single-quotes a word for a POSIX shell ('it'\''s').
package func shellQuoted(_ word: String) -> String {
    "'" + word.replacingAll("'", with: "'\\''") + "'"
}
