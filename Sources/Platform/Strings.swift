/// String helpers that FoundationEssentials lacks.

extension StringProtocol {
    /// The string without leading and trailing spaces, tabs and newlines.
    package var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}

extension String {
    package func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    /// Splits on a separator string (FoundationEssentials has no `components(separatedBy:)`).
    package func components(separatedBy separator: String) -> [String] {
        guard !separator.isEmpty else { return [self] }
        var parts: [String] = []
        var current = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            current += rest[..<range.lowerBound]
            parts.append(current)
            current = ""
            rest = rest[range.upperBound...]
        }
        parts.append(current + rest)
        return parts
    }
}

extension String {
    /// Pads with spaces to at least `width` characters.
    package func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
