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
