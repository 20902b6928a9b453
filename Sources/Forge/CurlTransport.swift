import CCurl
import Glibc

/// libcurl is initialised once per process, on first use (curl_global_init is not free).
private let curlInitialised: Bool = aocurl_load() == nil && ao_curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

/// `HTTPTransport` over libcurl's multi interface: the requests of one batch run concurrently,
/// at most `maxInFlight` at a time, over HTTP/2 where the server offers it (several requests then
/// share one connection).
///
/// Redirects are followed here rather than by libcurl, so that the rule that matters is visible
/// and tested in one place: a header named `Authorization` is sent only to the origin (scheme,
/// host, port) of the original request. GitHub's job logs redirect to blob storage, which must
/// never see the token.
package struct CurlTransport: HTTPTransport {
    package var maxInFlight: Int
    package var connectTimeoutMilliseconds: Int
    package var totalTimeoutMilliseconds: Int
    /// A CA bundle for a private certificate authority (`ao.github.caInfo`).
    package var caInfo: String?
    package var maxRedirects = 5
    /// Bodies larger than this are cut off and the request fails (a job log can be large; the
    /// tail of it is all git-ao uses).
    package var maxBodyBytes = 64 << 20

    package init(maxInFlight: Int = 8, connectTimeoutMilliseconds: Int = 10_000, totalTimeoutMilliseconds: Int = 30_000,
                 caInfo: String? = nil) {
        self.maxInFlight = max(1, maxInFlight)
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.totalTimeoutMilliseconds = totalTimeoutMilliseconds
        self.caInfo = caInfo
    }

    package func perform(_ requests: [HTTPRequest]) -> [Result<HTTPResponse, TransportError>] {
        var results = [Result<HTTPResponse, TransportError>?](repeating: nil, count: requests.count)
        guard curlInitialised, let multi = ao_curl_multi_init() else {
            return requests.map { _ in .failure(TransportError(.other, "libcurl could not be initialised")) }
        }
        defer { ao_curl_multi_cleanup(multi) }
        _ = ao_curl_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))

        var queue: [Transfer] = []
        for (index, request) in requests.enumerated() {
            guard let origin = WebURL(request.url) else {
                results[index] = .failure(TransportError(.other, "not an http(s) URL: \(request.url)"))
                continue
            }
            queue.append(Transfer(index: index, request: request, origin: origin, hops: 0))
        }
        queue.reverse() // popLast takes them in the order given
        var active: [UnsafeMutableRawPointer: Transfer] = [:]

        while !queue.isEmpty || !active.isEmpty {
            while active.count < maxInFlight, let transfer = queue.popLast() {
                guard let easy = start(transfer) else {
                    results[transfer.index] = .failure(TransportError(.other, "libcurl could not start a transfer"))
                    continue
                }
                ao_curl_multi_add_handle(multi, easy)
                active[easy] = transfer
            }
            var running: Int32 = 0
            ao_curl_multi_perform(multi, &running)
            var finishedAny = false
            var easy: UnsafeMutableRawPointer?
            var code = CURLE_OK
            while ao_curl_multi_next_done(multi, &easy, &code) == 1, let handle = easy, let transfer = active.removeValue(forKey: handle) {
                finishedAny = true
                ao_curl_multi_remove_handle(multi, handle)
                let outcome = finish(transfer, easy: handle, code: code)
                ao_curl_easy_cleanup(handle)
                transfer.release()
                switch outcome {
                case .done(let result): results[transfer.index] = result
                case .follow(let next): queue.append(next)
                }
            }
            if !finishedAny && !active.isEmpty {
                var ready: Int32 = 0
                ao_curl_multi_poll(multi, nil, 0, 200, &ready)
            }
        }
        return results.map { $0 ?? .failure(TransportError(.other, "request was not performed")) }
    }

    // MARK: - One transfer

    private enum Outcome {
        case done(Result<HTTPResponse, TransportError>)
        case follow(Transfer)
    }

    private func start(_ transfer: Transfer) -> UnsafeMutableRawPointer? {
        guard let easy = ao_curl_easy_init() else { return nil }
        let request = transfer.request
        _ = ao_curl_easy_setopt_string(easy, CURLOPT_URL, request.url)
        _ = ao_curl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = ao_curl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0)
        _ = ao_curl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = ao_curl_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        if request.url.lowercased().hasPrefix("https:") {
            // Over TLS, ALPN says at handshake time whether HTTP/2 is on offer: waiting for it lets
            // the batch share one multiplexed connection. Over plain HTTP the answer only comes
            // with a response, and waiting would serialise the batch.
            _ = ao_curl_easy_setopt_long(easy, CURLOPT_PIPEWAIT, 1)
        }
        _ = ao_curl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, connectTimeoutMilliseconds)
        _ = ao_curl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, totalTimeoutMilliseconds)
        _ = ao_curl_easy_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        if let caInfo { _ = ao_curl_easy_setopt_string(easy, CURLOPT_CAINFO, caInfo) }

        // A header sent elsewhere than the original origin loses Authorization: the token is
        // for the API host only.
        let current = WebURL(request.url)
        let crossOrigin = current.map { !$0.sameOrigin(as: transfer.origin) } ?? true
        var list: UnsafeMutablePointer<curl_slist>?
        for header in request.headers {
            if crossOrigin && header.name.lowercased() == "authorization" { continue }
            list = ao_curl_slist_append(list, "\(header.name): \(header.value)")
        }
        if request.method != .get {
            // Without this, curl would send `Expect: 100-continue` and wait for the server.
            list = ao_curl_slist_append(list, "Expect:")
        }
        transfer.headerList = list
        _ = ao_curl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        if request.method != .get {
            // A PUT is sent as curl's POST with its verb replaced: the body goes the same way.
            if request.method == .put { _ = ao_curl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, "PUT") }
            _ = ao_curl_easy_setopt_long(easy, CURLOPT_POST, 1)
            _ = ao_curl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, request.body.count)
            request.body.withUnsafeBytes { raw in
                _ = ao_curl_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }

        let context = Unmanaged.passRetained(transfer).toOpaque()
        transfer.context = context
        _ = ao_curl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context)
        _ = ao_curl_easy_setopt_write_callback(easy, CURLOPT_WRITEFUNCTION) { data, size, count, userdata in
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard transfer.body.count + length <= transfer.limit else { return 0 }
            if let data, length > 0 { transfer.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
            return length
        }
        _ = ao_curl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context)
        _ = ao_curl_easy_setopt_write_callback(easy, CURLOPT_HEADERFUNCTION) { data, size, count, userdata in
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata!).takeUnretainedValue()
            let length = size * count
            guard let data else { return length }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            transfer.headerLine(line)
            return length
        }
        transfer.limit = maxBodyBytes
        return easy
    }

    private func finish(_ transfer: Transfer, easy: UnsafeMutableRawPointer, code: CURLcode) -> Outcome {
        guard code == CURLE_OK else {
            let detail = String(cString: ao_curl_easy_strerror(code)) + " (\(transfer.request.method.rawValue) \(transfer.request.url))"
            return .done(.failure(TransportError(Self.kind(of: code), detail)))
        }
        var status = 0
        _ = ao_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        let response = HTTPResponse(status: status, headers: transfer.headers, body: transfer.body, url: transfer.request.url)
        guard [301, 302, 303, 307, 308].contains(status) else { return .done(.success(response)) }

        var raw: UnsafeMutableRawPointer?
        _ = ao_curl_easy_getinfo_pointer(easy, CURLINFO_REDIRECT_URL, &raw)
        guard let raw else { return .done(.success(response)) }
        let location = String(cString: raw.assumingMemoryBound(to: CChar.self))
        guard WebURL(location) != nil else {
            return .done(.failure(TransportError(.other, "redirect to a non-http(s) URL refused (\(transfer.request.url))")))
        }
        guard transfer.hops < maxRedirects else {
            return .done(.failure(TransportError(.tooManyRedirects, "more than \(maxRedirects) redirects (\(transfer.request.url))")))
        }
        var next = transfer.request
        next.url = location
        if status == 303 { next.method = .get; next.body = [] }
        return .follow(Transfer(index: transfer.index, request: next, origin: transfer.origin, hops: transfer.hops + 1))
    }

    private static func kind(of code: CURLcode) -> TransportError.Kind {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: return .timeout
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_SEND_ERROR,
             CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_HTTP2, CURLE_HTTP2_STREAM:
            return .connection
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM:
            return .tls
        default: return .other
        }
    }
}

/// The mutable state of one transfer, reached from libcurl's callbacks through an unmanaged
/// pointer that lives exactly as long as the easy handle.
private final class Transfer {
    let index: Int
    let request: HTTPRequest
    /// The origin of the request the caller made, before any redirect.
    let origin: WebURL
    let hops: Int
    var headers: [(name: String, value: String)] = []
    var body: [UInt8] = []
    var limit = Int.max
    var headerList: UnsafeMutablePointer<curl_slist>?
    var context: UnsafeMutableRawPointer?

    init(index: Int, request: HTTPRequest, origin: WebURL, hops: Int) {
        self.index = index
        self.request = request
        self.origin = origin
        self.hops = hops
    }

    func headerLine(_ line: String) {
        let trimmed = line.trimmingCharacters(in: "\r\n")
        if trimmed.hasPrefix("HTTP/") { headers = []; return }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        let value = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: " \t")
        headers.append((name, value))
    }

    /// Frees the header list and drops the callbacks' reference.
    func release() {
        if let headerList { ao_curl_slist_free_all(headerList) }
        headerList = nil
        if let context { Unmanaged<Transfer>.fromOpaque(context).release() }
        context = nil
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
