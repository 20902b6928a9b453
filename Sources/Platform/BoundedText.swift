/// Text cut to a number of UTF-8 bytes at a character boundary, with a notice saying how much
/// was left out and where the rest is: what is typed into an agent never grows with its source
/// (a 1.5 MB log line is still a few KiB of nudge).
package enum BoundedText {
    /// The end of `text` (a log's tail is what explains a failure); the notice comes first.
    package static func tail(_ text: String, bytes: Int, whereIsTheRest: String) -> String {
        guard text.utf8.count > bytes else { return text }
        var kept = 0
        var start = text.endIndex
        while start > text.startIndex {
            let previous = text.index(before: start)
            let size = text[previous].utf8.count
            if kept + size > bytes { break }
            kept += size
            start = previous
        }
        return "[... \(amount(text.utf8.count - kept)) of earlier output left out; \(whereIsTheRest)]\n" + text[start...]
    }

    /// The beginning of `text`; the notice comes last.
    package static func head(_ text: String, bytes: Int, whereIsTheRest: String) -> String {
        guard text.utf8.count > bytes else { return text }
        let (kept, size) = prefix(text, bytes: bytes)
        return kept + "\n[... \(amount(text.utf8.count - size)) more left out; \(whereIsTheRest)]"
    }

    /// Parts joined by blank lines, the whole at most `bytes` including its notice.
    package static func message(_ parts: [String], bytes: Int, whereIsTheRest: String) -> String {
        let text = parts.joined(separator: "\n\n")
        guard text.utf8.count > bytes else { return text }
        let notice = { (left: Int) in "\n[... message cut here: \(amount(left)) left out; \(whereIsTheRest)]" }
        // The notice's length depends on the figure in it; the longest figure bounds it.
        let room = max(0, bytes - notice(text.utf8.count).utf8.count)
        let (kept, size) = prefix(text, bytes: room)
        return kept + notice(text.utf8.count - size)
    }

    private static func prefix(_ text: String, bytes: Int) -> (String, Int) {
        var kept = 0
        var end = text.startIndex
        while end < text.endIndex {
            let size = text[end].utf8.count
            if kept + size > bytes { break }
            kept += size
            end = text.index(after: end)
        }
        return (String(text[..<end]), kept)
    }

    /// "812 bytes", "3.4 KiB", "1.5 MiB".
    package static func amount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) byte\(bytes == 1 ? "" : "s")" }
        if bytes < 1024 * 1024 { return oneDecimal(Double(bytes) / 1024) + " KiB" }
        return oneDecimal(Double(bytes) / (1024 * 1024)) + " MiB"
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
