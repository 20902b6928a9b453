/// git-ao's configuration, read from git config with git's own rules.
///
/// It is read by running `git config` rather than through libgit2: git is the authority on its
/// configuration, and only git applies `git -c` / `--config-env` (passed down in
/// GIT_CONFIG_PARAMETERS), conditional includes and per-worktree config exactly as the user
/// expects. One `git config` call costs about 2 ms, and only commands that need a setting pay it.
package struct GitConfig {
    package struct Entry: Equatable {
        package let key: String
        package let value: String?
        package let scope: String?

        package init(key: String, value: String? = nil, scope: String? = nil) {
            self.key = key
            self.value = value
            self.scope = scope
        }
    }

    package private(set) var entries: [Entry] = []

    /// Reads every `ao.*` key and the few git keys git-ao consults.
    package static func load(in directory: String? = nil) throws -> GitConfig {
        let pattern = "^ao\\.|^color\\.ui$|^core\\.hookspath$|^checkout\\.defaultremote$"
        let result: ProcessResult
        do {
            result = try GitCLI.run(["config", "--show-scope", "-z", "--get-regexp", pattern], in: directory)
        } catch {
            throw Messages.gitMissing()
        }
        switch result.status {
        case 0: return GitConfig(entries: parse(result.stdout))
        case 1: return GitConfig()
        default: throw Messages.configUnreadable(result.stderrText)
        }
    }

    package init(entries: [Entry] = []) { self.entries = entries }

    /// Parses `git config --show-scope -z` output: `scope NUL key LF value NUL`, or
    /// `scope NUL key NUL` for a key written without `=` (a boolean true).
    package static func parse(_ bytes: [UInt8]) -> [Entry] {
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        var result: [Entry] = []
        var index = 0
        while index + 1 < fields.count {
            let scope = fields[index]
            let record = fields[index + 1]
            index += 2
            if let newline = record.firstIndex(of: "\n") {
                result.append(Entry(key: record[..<newline].description, value: String(record[record.index(after: newline)...]), scope: scope))
            } else if !record.isEmpty {
                result.append(Entry(key: record, value: nil, scope: scope))
            }
        }
        return result
    }

    /// git's canonical form of a key: section and variable lower-cased, subsection kept.
    package static func canonical(_ key: String) -> String {
        guard let first = key.firstIndex(of: "."), let last = key.lastIndex(of: ".") else { return key.lowercased() }
        let section = key[..<first].lowercased()
        let variable = key[key.index(after: last)...].lowercased()
        if first == last { return section + "." + variable }
        return section + key[first..<last] + "." + variable
    }

    /// The value in force (the last one git lists), or nil when unset.
    /// A key written without a value (`[ao] flag`) reads as "true", as in git.
    package func string(_ key: String) -> String? {
        let wanted = GitConfig.canonical(key)
        guard let entry = entries.last(where: { $0.key == wanted }) else { return nil }
        return entry.value ?? "true"
    }

    /// Every value of a multi-valued key, in the order git lists them.
    package func strings(_ key: String) -> [String] {
        let wanted = GitConfig.canonical(key)
        return entries.filter { $0.key == wanted }.map { $0.value ?? "true" }
    }

    /// A non-empty string value.
    package func nonEmpty(_ key: String) -> String? {
        string(key).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A boolean with git's spellings (true/yes/on/1, false/no/off/0/empty).
    package func bool(_ key: String) throws -> Bool? {
        guard let value = string(key) else { return nil }
        switch value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: throw Messages.invalidConfig(key: key, value: value, expected: "a boolean (true or false)")
        }
    }

    /// A duration in milliseconds: a number with an optional unit, `ms`, `s`, `m` or `h`
    /// (seconds by default).
    package func milliseconds(_ key: String) throws -> Int64? {
        guard let value = string(key) else { return nil }
        guard let span = GitConfig.parseMilliseconds(value) else {
            throw Messages.invalidConfig(key: key, value: value, expected: "a duration such as 90s, 10m or 1h")
        }
        return span
    }

    package static func parseMilliseconds(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard let number = Int64(digits), number >= 0 else { return nil }
        switch trimmed.dropFirst(digits.count).lowercased() {
        case "ms": return number
        case "", "s": return number * 1000
        case "m", "min": return number * 60_000
        case "h": return number * 3_600_000
        default: return nil
        }
    }

    /// The subsection names that have `variable` set under `section`
    /// (`ao.agent.<name>.command` -> the custom agent names).
    package func subsections(of section: String, having variable: String) -> [String] {
        let prefix = section.lowercased() + "."
        let suffix = "." + variable.lowercased()
        var names: [String] = []
        for entry in entries where entry.key.hasPrefix(prefix) && entry.key.hasSuffix(suffix) {
            let middle = entry.key.dropFirst(prefix.count).dropLast(suffix.count)
            if !middle.isEmpty && !names.contains(String(middle)) { names.append(String(middle)) }
        }
        return names
    }
}
