/// The "did you mean" guess for a mistyped name (a command, an agent). It lives in Agents because
/// the agent catalog is the lowest layer that names things a user types; the commands use it too.
package enum NameSuggestion {
    /// The known name `word` most likely meant, or nil when none is close enough to be worth a
    /// guess. A known name that starts with the word (`claude` for `claude-code`) counts, as does
    /// one a typo or two away (`stauts`, a swap; `spwan`): a wrong guess only costs a line, but a
    /// guess for a word that resembles nothing would read as nonsense, so short words need to be
    /// closer.
    package static func closest(to word: String, among names: [String]) -> String? {
        let typed = word.lowercased()
        // The distance table is words x names: a megabyte pasted by mistake must not cost a
        // gigabyte, and nothing that long is a typo of a short name anyway.
        guard !typed.isEmpty, typed.count <= 64 else { return nil }
        let prefixed = names.filter { $0.lowercased().hasPrefix(typed) && typed.count >= 3 }
        if prefixed.count == 1 { return prefixed[0] }
        let allowed = typed.count <= 3 ? 1 : 2
        let ranked = names.map { (name: $0, distance: distance(typed, $0.lowercased())) }
            .filter { $0.distance <= allowed && $0.distance < max(typed.count, $0.name.count) }
            .sorted { $0.distance < $1.distance }
        guard let best = ranked.first else { return nil }
        // Two names equally close: no guess is better than a coin toss.
        if ranked.count > 1 && ranked[1].distance == best.distance { return nil }
        return best.name
    }

    /// Edit distance counting a swap of two neighbours as one edit (optimal string alignment):
    /// `stauts` is one edit from `status`, as a person would count it.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
