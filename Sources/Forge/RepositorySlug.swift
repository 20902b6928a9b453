import Platform

/// owner/name of a GitHub repository, parsed from a remote's URL.
package struct RepositorySlug: Sendable, Hashable, CustomStringConvertible {
    package let owner: String
    package let name: String
    /// The host the remote names (github.com, a GitHub Enterprise host, or an ssh alias).
    package let host: String

    package init(owner: String, name: String, host: String = "github.com") {
        self.owner = owner
        self.name = name
        self.host = host
    }

    /// `owner/name`, as GitHub writes `full_name`.
    package var fullName: String { "\(owner)/\(name)" }
    package var description: String { fullName }

    /// Parses the remote URL forms git accepts for a hosted repository:
    /// `https://host/o/r(.git)`, `ssh://[user@]host[:port]/o/r(.git)`, `git://host/o/r`, and the
    /// scp-like `[user@]host:o/r(.git)`. Local paths and `file://` URLs are not GitHub remotes.
    package static func parse(remoteURL raw: String) -> RepositorySlug? {
        let url = raw.trimmingSpaces
        var host: Substring
        var path: Substring
        if let schemeEnd = url.firstRange(of: "://") {
            let scheme = url[..<schemeEnd.lowerBound].lowercased()
            guard ["https", "http", "ssh", "git", "git+ssh", "ssh+git"].contains(scheme) else { return nil }
            let rest = url[schemeEnd.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            host = rest[..<slash]
            path = rest[rest.index(after: slash)...]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
            if let colon = host.lastIndex(of: ":"), !host.hasPrefix("[") { host = host[..<colon] }
        } else {
            // scp-like: a colon before any slash, and not a Windows drive letter or a local path.
            guard let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") else { return nil }
            host = url[..<colon]
            path = url[url.index(after: colon)...]
            if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
            guard host.count > 1 else { return nil }
        }
        while path.hasPrefix("/") { path = path.dropFirst() }
        while path.hasSuffix("/") { path = path.dropLast() }
        if path.hasSuffix(".git") { path = path.dropLast(4) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !host.isEmpty, parts.count == 2, parts.allSatisfy({ isNamePart($0) }) else { return nil }
        return RepositorySlug(owner: String(parts[0]), name: String(parts[1]), host: host.lowercased())
    }

    /// GitHub's owner and repository names: ASCII letters, digits, `-`, `_` and `.`, not `.`/`..`.
    private static func isNamePart(_ part: Substring) -> Bool {
        !part.isEmpty && part != "." && part != ".." && part.unicodeScalars.allSatisfy {
            ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || $0 == "-" || $0 == "_" || $0 == "."
        }
    }
}
