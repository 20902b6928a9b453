/// One HTTP request as Forge's GitHub client builds it. Header names are kept as written;
/// `Authorization` is only ever sent to the host the request was made for (see `CurlTransport`).
package struct HTTPRequest: Sendable, Equatable {
    package enum Method: String, Sendable { case get = "GET", post = "POST", put = "PUT" }

    package var method: Method
    package var url: String
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package init(_ method: Method = .get, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    package static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }

    /// The value of a header (names compare case-insensitively).
    package func header(_ name: String) -> String? {
        headers.last { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// A response: status, headers (names lower-cased, in arrival order) and body.
package struct HTTPResponse: Sendable, Equatable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]
    /// The URL that answered, after redirects.
    package var url: String

    package init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], url: String = "") {
        self.status = status
        self.headers = headers.map { ($0.name.lowercased(), $0.value) }
        self.body = body
        self.url = url
    }

    package static func == (a: HTTPResponse, b: HTTPResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.url == b.url
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }

    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.last { $0.name == wanted }?.value
    }
}

/// Why a request got no HTTP response at all.
package struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    package enum Kind: Sendable, Equatable {
        case timeout
        case connection
        case tls
        case tooManyRedirects
        case other
    }

    package let kind: Kind
    /// What libcurl said, for the hooks log. Never contains a header value.
    package let detail: String

    package init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    package var description: String { detail }
}

/// Performs a batch of requests, concurrently where the implementation can, and answers them in
/// the order given. Small on purpose: the GitHub client needs nothing more, and tests exercise
/// the real implementation against a loopback server instead of replacing it.
package protocol HTTPTransport: Sendable {
    func perform(_ requests: [HTTPRequest]) -> [Result<HTTPResponse, TransportError>]
}

extension HTTPTransport {
    package func perform(_ request: HTTPRequest) -> Result<HTTPResponse, TransportError> {
        perform([request])[0]
    }
}
