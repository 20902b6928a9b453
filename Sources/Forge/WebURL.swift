/// The parts of an absolute http(s) URL that Forge decides things on: which origin a request
/// goes to (a token only ever goes to the origin it was meant for) and which host to ask for
/// credentials. Not a general URL parser.
package struct WebURL: Sendable, Equatable {
    package let scheme: String
    package let host: String
    package let port: Int
    /// Path and query, starting with `/` (or empty).
    package let path: String
    /// Credentials before the host (`user:password@`), when the URL carries any.
    package let hasUserInfo: Bool
    /// The URL as written, with any credentials replaced by `***`, for messages.
    package let masked: String

    package init?(_ text: String) {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[schemeEnd.upperBound...]
        let isDelimiter: (Character) -> Bool = { $0 == "/" || $0 == "?" || $0 == "#" }
        let authorityEnd = rest.firstIndex(where: isDelimiter) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let at = authority.lastIndex(of: "@")
        if let at { authority = authority[authority.index(after: at)...] }
        var host = String(authority)
        var port = scheme == "https" ? 443 : 80
        if authority.hasPrefix("[") {
            // IPv6 literal: [::1]:8080
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[...close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { guard let p = Int(after.dropFirst()) else { return nil }; port = p }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            let digits = authority[authority.index(after: colon)...]
            if !digits.isEmpty { guard let p = Int(digits), (1...65535).contains(p) else { return nil }; port = p }
        }
        guard !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.path = String(rest[authorityEnd...])
        self.hasUserInfo = at != nil
        self.masked = at.map { text[..<schemeEnd.upperBound] + "***" + text[$0...] } ?? text
    }

    /// Two URLs share an origin when scheme, host and port are equal.
    package func sameOrigin(as other: WebURL) -> Bool {
        scheme == other.scheme && host == other.host && port == other.port
    }
}
