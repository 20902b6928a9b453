import Platform

/// An argv template from git config, such as `my-agent --model fast --task {prompt}`.
///
/// The template is split into words the way a POSIX shell splits a simple command (spaces
/// separate words; single quotes keep everything literal; double quotes keep spaces and honour
/// `\"` and `\\`; a backslash outside quotes escapes the next character) but nothing else of a
/// shell applies: no variables, globs, substitutions, pipes or redirections. Placeholders are
/// filled in after splitting, so a prompt with spaces, quotes or `$(...)` stays one argument,
/// byte for byte.
package struct CommandTemplate: Equatable {
    /// The words, with placeholders still in them.
    package let words: [String]

    package enum ParseError: Error, Equatable {
        case empty
        case unterminatedQuote(Character)
        case trailingBackslash
    }

    package static let placeholders = ["{prompt}", "{prompt_file}", "{session}", "{agent_session}"]

    package init(words: [String]) { self.words = words }

    package init(parsing text: String) throws {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = Array(text).makeIterator()
        while let c = iterator.next() {
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "'" { closed = true; break }
                    current.append(q)
                }
                if !closed { throw ParseError.unterminatedQuote("'") }
            case "\"":
                inWord = true
                var closed = false
                while let q = iterator.next() {
                    if q == "\"" { closed = true; break }
                    if q == "\\" {
                        guard let next = iterator.next() else { throw ParseError.unterminatedQuote("\"") }
                        if next != "\"" && next != "\\" { current.append("\\") }
                        current.append(next)
                    } else {
                        current.append(q)
                    }
                }
                if !closed { throw ParseError.unterminatedQuote("\"") }
            case "\\":
                guard let next = iterator.next() else { throw ParseError.trailingBackslash }
                inWord = true
                current.append(next)
            default:
                inWord = true
                current.append(c)
            }
        }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw ParseError.empty }
        self.words = words
    }

    /// Whether any word mentions `placeholder`.
    package func mentions(_ placeholder: String) -> Bool { words.contains { $0.contains(placeholder) } }

    /// The argv with placeholders replaced. A word that is exactly a placeholder whose value
    /// is absent is dropped (so `agent {prompt}` without a prompt runs plain `agent`); inside a
    /// longer word an absent value reads as empty.
    package func render(_ values: [String: String?]) -> [String] {
        var argv: [String] = []
        for word in words {
            if let value = values[word] {
                if let value { argv.append(value) }
                continue
            }
            argv.append(CommandTemplate.substitute(word, values))
        }
        return argv
    }

    /// Replaces placeholders in one left-to-right pass: text put in is never scanned again,
    /// so a prompt that contains `{session}` stays as written.
    private static func substitute(_ word: String, _ values: [String: String?]) -> String {
        var out = ""
        var rest = Substring(word)
        outer: while !rest.isEmpty {
            if rest.first == "{" {
                for (key, value) in values where rest.hasPrefix(key) {
                    out += value ?? ""
                    rest = rest.dropFirst(key.count)
                    continue outer
                }
            }
            out.append(rest.removeFirst())
        }
        return out
    }
}

extension CommandTemplate.ParseError: CustomStringConvertible {
    package var description: String {
        switch self {
        case .empty: return "it is empty"
        case .unterminatedQuote(let q): return "a \(q) quote is not closed"
        case .trailingBackslash: return "it ends with a lone backslash"
        }
    }
}
