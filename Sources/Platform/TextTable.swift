/// A plain text table: columns padded to the widest cell (by characters), no trailing spaces.
package struct TextTable {
    package var header: [String]
    package var rows: [[String]] = []
    /// Applied to a cell after padding (so escapes do not disturb widths).
    package var style: (_ row: Int, _ column: Int, _ text: String) -> String = { _, _, t in t }

    package func render() -> String {
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

    package init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = rows
    }
}
