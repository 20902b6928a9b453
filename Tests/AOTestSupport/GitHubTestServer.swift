import Foundation

/// A loopback stand-in for GitHub's API: plain HTTP on 127.0.0.1, answering only what a test
/// registered, like gh's httpmock. `verify()` fails the test on a request nobody expected and
/// on an expectation that was never met. The binary under test finds it through the ordinary
/// `AO_GITHUB_API_URL` setting; nothing in the product knows it exists.
///
/// A second instance serves as the "blob" host GitHub redirects job logs to; its `requests`
/// show whether an `Authorization` header arrived there.
public final class GitHubTestServer: @unchecked Sendable {
    public struct Request: Sendable, CustomStringConvertible {
        public let method: String
        /// Path and query, as sent.
        public let target: String
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: Data

        public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
        public var description: String { "\(method) \(target)" }
        public func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    public struct Response: Sendable {
        public var status: Int
        public var headers: [(String, String)]
        public var body: Data

        public init(status: Int = 200, headers: [(String, String)] = [], body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        /// A JSON body (an object or array from `GitHubFixtures`, or any JSONSerialization value),
        /// with an ETag: a request carrying that ETag in If-None-Match gets a 304 instead.
        public static func json(_ value: Any, status: Int = 200, etag: String? = nil, headers: [(String, String)] = []) -> Response {
            let body = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])) ?? Data()
            var all = [("Content-Type", "application/json; charset=utf-8")] + headers
            if let etag { all.append(("ETag", etag)) }
            return Response(status: status, headers: all, body: body)
        }

        public static func text(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> Response {
            Response(status: status, headers: [("Content-Type", "text/plain")] + headers, body: Data(text.utf8))
        }

        public static func redirect(to url: String, status: Int = 302) -> Response {
            Response(status: status, headers: [("Location", url)])
        }

        /// Adds `Link: <url>; rel="next"` for pagination.
        public func linkingNext(to url: String) -> Response {
            var copy = self
            copy.headers.append(("Link", "<\(url)>; rel=\"next\""))
            return copy
        }

        var etag: String? { headers.last { $0.0.lowercased() == "etag" }?.1 }
    }

    /// One registered answer: `times` requests (nil: one or more) of `method target`.
    public final class Expectation: @unchecked Sendable {
        public let method: String
        public let target: String
        public let times: Int?
        let respond: @Sendable (Request) -> Response
        public internal(set) var hits = 0

        init(method: String, target: String, times: Int?, respond: @escaping @Sendable (Request) -> Response) {
            self.method = method
            self.target = target
            self.times = times
            self.respond = respond
        }

        var exhausted: Bool { times.map { hits >= $0 } ?? false }
        var met: Bool { times.map { hits == $0 } ?? (hits > 0) }
    }

    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Added before every response is written, to make request overlap measurable.
    public let latency: TimeInterval

    private let listener: Int32
    private let lock = NSLock()
    private var expectations: [Expectation] = []
    private var received: [Request] = []
    private var unexpected: [Request] = []
    private var stopped = false

    public init(latency: TimeInterval = 0) throws {
        self.latency = latency
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else { close(fd); throw TestFailure("bind/listen: \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [weak self] in self?.acceptLoop(fd) }
        thread.start()
    }

    deinit { stop() }

    // MARK: Expectations

    /// Registers an answer for `method target` (target: path and query exactly as the client
    /// sends them). `times: nil` accepts one or more requests.
    @discardableResult
    public func expect(_ target: String, method: String = "GET", times: Int? = 1,
                       respond: @escaping @Sendable (Request) -> Response) -> Expectation {
        let expectation = Expectation(method: method, target: target, times: times, respond: respond)
        lock.withLock { expectations.append(expectation) }
        return expectation
    }

    @discardableResult
    public func expect(_ target: String, method: String = "GET", times: Int? = 1, _ response: Response) -> Expectation {
        expect(target, method: method, times: times) { _ in response }
    }

    /// Registers a list that spans pages, as GitHub serves one: `target` answers the first page,
    /// `target&page=2` (or `?page=2`) the second, and so on, each page but the last with a
    /// `Link: rel="next"` to the following one (an absolute URL on this server).
    public func expectPages(_ target: String, times: Int? = 1, _ pages: [Response]) {
        let separator = target.contains("?") ? "&" : "?"
        for (index, page) in pages.enumerated() {
            let here = index == 0 ? target : target + separator + "page=\(index + 1)"
            let next = target + separator + "page=\(index + 2)"
            expect(here, times: times, index + 1 < pages.count ? page.linkingNext(to: baseURL + next) : page)
        }
    }

    /// Every request received so far, in arrival order.
    public var requests: [Request] { lock.withLock { received } }

    /// Throws when a request arrived that nobody expected, or an expectation was not met.
    public func verify() throws {
        let (surprises, unmet) = lock.withLock { (unexpected, expectations.filter { !$0.met }) }
        var problems: [String] = []
        problems += surprises.map { "unexpected request: \($0)" }
        problems += unmet.map { "expected \($0.method) \($0.target) \($0.times.map { "\($0) time(s)" } ?? "at least once"), got \($0.hits)" }
        if !problems.isEmpty { throw TestFailure(problems.joined(separator: "\n")) }
    }

    /// Forgets what was received and expected (between two phases of one test).
    public func reset() {
        lock.withLock { expectations = []; received = []; unexpected = [] }
    }

    public func stop() {
        let wasStopped = lock.withLock { () -> Bool in defer { stopped = true }; return stopped }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    // MARK: Serving

    private func acceptLoop(_ fd: Int32) {
        while true {
            let client = accept(fd, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [weak self] in
                self?.serve(client)
                close(client)
            }
            thread.start()
        }
    }

    private func serve(_ client: Int32) {
        guard let request = readRequest(client) else { return }
        let matched: Expectation? = lock.withLock {
            received.append(request)
            guard let expectation = expectations.first(where: { $0.method == request.method && $0.target == request.target && !$0.exhausted }) else {
                unexpected.append(request)
                return nil
            }
            expectation.hits += 1
            return expectation
        }
        let response = matched?.respond(request) ?? Response.text("no expectation for \(request)\n", status: 501)
        var answer = response
        if let etag = response.etag, (200..<300).contains(response.status),
           let sent = request.header("if-none-match"), sent == etag {
            answer = Response(status: 304, headers: response.headers.filter { $0.0.lowercased() != "content-type" }, body: Data())
        }
        if latency > 0 { Thread.sleep(forTimeInterval: latency) }
        write(answer, to: client)
    }

    private func readRequest(_ client: Int32) -> Request? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headEnd: Range<Data.Index>?
        while headEnd == nil {
            let n = read(client, &chunk, chunk.count)
            if n <= 0 { return nil }
            buffer.append(contentsOf: chunk[0..<n])
            headEnd = buffer.range(of: Data("\r\n\r\n".utf8))
        }
        let head = String(decoding: buffer[..<headEnd!.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(buffer[headEnd!.upperBound...])
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while body.count < length {
            let n = read(client, &chunk, chunk.count)
            if n <= 0 { break }
            body.append(contentsOf: chunk[0..<n])
        }
        return Request(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private func write(_ response: Response, to client: Int32) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        var bytes = Data(head.utf8)
        bytes.append(response.body)
        bytes.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(client, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n <= 0 { return }
                sent += n
            }
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 302: return "Found"
        case 304: return "Not Modified"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
