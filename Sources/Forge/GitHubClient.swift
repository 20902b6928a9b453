import Glibc
import Platform

/// A REST response kept with the ETag that validates it, so a later 304 can be answered from it.
package struct CachedResponse: Sendable, Equatable {
    package var etag: String
    package var body: [UInt8]
    /// The `rel="next"` page it pointed to, so a 304 page still leads to the next one.
    package var next: String?

    package init(etag: String, body: [UInt8], next: String? = nil) {
        self.etag = etag
        self.body = body
        self.next = next
    }
}

/// Why a GitHub read gave nothing usable. A failed fetch is a fact of its own: it never reads
/// as "no pull request" or "closed".
package enum FetchFailure: Error, Sendable, Equatable, CustomStringConvertible {
    case unauthorized
    case rateLimited(resetAt: Int64)
    case notFound
    case status(Int)
    case transport(String)
    case malformed(endpoint: String, reason: String)
    /// Not asked: an earlier answer in this pass (401, rate limit) stopped GitHub calls.
    case skipped

    package var description: String {
        switch self {
        case .unauthorized: return "GitHub refused the token (401)"
        case .rateLimited(let reset): return "GitHub rate limit reached until \(isoTimestamp(milliseconds: reset * 1000))"
        case .notFound: return "not found (404)"
        case .status(let code): return "GitHub answered HTTP \(code)"
        case .transport(let detail): return detail
        case .malformed(let endpoint, let reason): return "malformed JSON from \(endpoint): \(reason)"
        case .skipped: return "not asked (GitHub calls stopped earlier in this pass)"
        }
    }
}

/// A successful read: the body, fresh or from the cache.
package struct Fetched: Sendable {
    package var body: [UInt8]
    /// True when GitHub answered 304 and the cached body was used.
    package var notModified: Bool
    package var next: String?
}

/// Conditional REST reads and GraphQL queries for one pass. Holds the ETag cache it was given
/// and collects what changed in it; stops asking GitHub after a 401 or a rate limit, and
/// retries a 5xx or a timeout once, after a random pause.
package final class GitHubClient {
    package let configuration: ForgeConfiguration
    private let token: GitHubToken
    private let transport: any HTTPTransport
    private let userAgent: String
    private let nowSeconds: () -> Int64

    /// ETag cache by URL: what the caller stored, plus what this pass learned.
    package private(set) var cache: [String: CachedResponse]
    /// Entries this pass wrote (to persist).
    package private(set) var changedCache: [String: CachedResponse] = [:]

    /// Set by a 401: the token is unhealthy.
    package private(set) var unauthorized = false
    /// Set by any authenticated success, a 304 included: GitHub checks the token before it
    /// compares ETags (a refused token is a 401 whatever If-None-Match says), so a 304 proves
    /// the token as well as a 200 does. A repaired token whose every answer is unchanged must
    /// clear the 401 mark.
    package private(set) var authenticated = false
    /// When GitHub may be asked again, after a rate limit (epoch seconds).
    package private(set) var rateLimitedUntil: Int64?
    /// The largest X-Poll-Interval seen (seconds).
    package private(set) var pollInterval: Int?
    /// Counts for the log and the benchmark.
    package private(set) var requestCount = 0
    package private(set) var notModifiedCount = 0
    package private(set) var graphQLCount = 0
    /// What went wrong, one line each, naming the endpoint. Never contains the token.
    package private(set) var problems: [String] = []

    package init(configuration: ForgeConfiguration, token: GitHubToken, transport: any HTTPTransport, version: String,
                 cache: [String: CachedResponse] = [:], nowSeconds: @escaping () -> Int64 = { Int64(Glibc.time(nil)) }) {
        self.configuration = configuration
        self.token = token
        self.transport = transport
        self.userAgent = "git-ao/\(version)"
        self.cache = cache
        self.nowSeconds = nowSeconds
    }

    /// The longest wait a rate limit can impose, in seconds (an hour, GitHub's own window).
    package static let longestRateLimit: Int64 = 3600

    package var stopped: Bool { unauthorized || rateLimitedUntil != nil }

    // MARK: REST

    /// GETs every URL (absolute, or a path under the API base) concurrently, conditionally.
    /// `cached: false` (job logs): no If-None-Match, and the body is not kept in the cache.
    package func get(_ targets: [String], cached: Bool = true) -> [Result<Fetched, FetchFailure>] {
        let urls = targets.map { $0.hasPrefix("http") ? $0 : configuration.url($0) }
        var results = [Result<Fetched, FetchFailure>](repeating: .failure(.skipped), count: urls.count)
        var pending = Array(urls.indices)
        for attempt in 0..<2 {
            guard !stopped, !pending.isEmpty else { break }
            if attempt > 0 { Self.jitterPause() }
            let responses = transport.perform(pending.map { request(for: urls[$0], conditional: cached) })
            var retry: [Int] = []
            for (index, response) in zip(pending, responses) {
                switch classify(response, url: urls[index], cacheable: cached) {
                case .done(let result): results[index] = result
                case .retry(let failure):
                    results[index] = .failure(failure)
                    if attempt == 0 { retry.append(index) } else { problems.append("\(Self.endpoint(urls[index])): \(failure)") }
                }
            }
            pending = retry
        }
        return results
    }

    /// Parses a fetched body, turning a parse error into a failed fetch that names the endpoint.
    package func json(_ fetched: Fetched, from target: String) -> Result<JSONValue, FetchFailure> {
        do { return .success(try JSONValue.parse(fetched.body)) } catch {
            return .failure(malformed(target, "\(error)"))
        }
    }

    /// Records a problem the caller judged from the answers without failing its pass (a linked
    /// pull request GitHub no longer knows), so the log, `status` and `doctor` still say it.
    package func report(_ problem: String) {
        problems.append(problem)
    }

    package func malformed(_ target: String, _ reason: String) -> FetchFailure {
        let failure = FetchFailure.malformed(endpoint: Self.endpoint(target), reason: reason)
        problems.append(failure.description)
        return failure
    }

    // MARK: GraphQL

    /// POSTs one GraphQL query per element concurrently. GraphQL has no conditional requests:
    /// callers ask only when something changed.
    package func graphQL(_ bodies: [JSONValue]) -> [Result<JSONValue, FetchFailure>] {
        var results = [Result<JSONValue, FetchFailure>](repeating: .failure(.skipped), count: bodies.count)
        var pending = Array(bodies.indices)
        let url = configuration.graphQLEndpoint
        for attempt in 0..<2 {
            guard !stopped, !pending.isEmpty else { break }
            if attempt > 0 { Self.jitterPause() }
            graphQLCount += pending.count
            let responses = transport.perform(pending.map {
                var request = self.request(for: url, conditional: false)
                request.method = .post
                request.body = Array(bodies[$0].serialized().utf8)
                request.headers.append(("Content-Type", "application/json"))
                return request
            })
            var retry: [Int] = []
            for (index, response) in zip(pending, responses) {
                switch classify(response, url: url) {
                case .retry(let failure):
                    results[index] = .failure(failure)
                    if attempt == 0 { retry.append(index) } else { problems.append("GraphQL: \(failure)") }
                case .done(.failure(let failure)): results[index] = .failure(failure)
                case .done(.success(let fetched)):
                    guard let value = try? JSONValue.parse(fetched.body) else {
                        results[index] = .failure(malformed(url, "not JSON"))
                        continue
                    }
                    if case .array(let errors)? = value["errors"], !errors.isEmpty {
                        if errors.contains(where: { $0["type"]?.stringValue == "RATE_LIMITED" }) {
                            rateLimitedUntil = nowSeconds() + 60
                            results[index] = .failure(.rateLimited(resetAt: rateLimitedUntil!))
                        } else {
                            let message = errors.first?["message"]?.stringValue ?? "error"
                            results[index] = .failure(malformed(url, "GraphQL error: \(message)"))
                        }
                        continue
                    }
                    results[index] = .success(value)
                }
            }
            pending = retry
        }
        return results
    }

    // MARK: Writes

    /// POSTs a JSON body to a REST path and answers the JSON GitHub returned. Never retried: a
    /// POST that timed out may have landed, and a second one would post twice.
    package func post(_ target: String, json: JSONValue) -> Result<JSONValue, FetchFailure> {
        guard !stopped else { return .failure(.skipped) }
        let url = target.hasPrefix("http") ? target : configuration.url(target)
        var request = self.request(for: url, conditional: false)
        request.method = .post
        request.body = Array(json.serialized().utf8)
        request.headers.append(("Content-Type", "application/json"))
        switch classify(transport.perform([request])[0], url: url) {
        case .retry(let failure):
            problems.append("\(Self.endpoint(url)): \(failure)")
            return .failure(failure)
        case .done(.failure(let failure)):
            if case .notFound = failure { problems.append("\(Self.endpoint(url)): \(failure)") }
            return .failure(failure)
        case .done(.success(let fetched)):
            return self.json(fetched, from: url)
        }
    }

    /// Posts a review with event COMMENT on a pull request (GitHub refuses approve or request
    /// changes on one's own PR, so a verdict goes in the body); answers the review's id.
    package func postReview(_ repository: RepositorySlug, pullRequest: Int, body: String) -> Result<Int64, FetchFailure> {
        let path = "/repos/\(repository.owner)/\(repository.name)/pulls/\(pullRequest)/reviews"
        return post(path, json: .object([("event", .string("COMMENT")), ("body", .string(body))])).flatMap { value in
            guard let id = value["id"]?.int64 else { return .failure(malformed(path, "no review id in the answer")) }
            return .success(id)
        }
    }

    /// GitHub's answer to a merge (`PUT /repos/{o}/{r}/pulls/{n}/merge`).
    package enum MergeAnswer: Sendable, Equatable {
        case merged(sha: String)
        /// 405: GitHub will not merge it (checks, reviews, branch protection, conflicts).
        case notMergeable(message: String)
        /// 409: the head is no longer the sha given.
        case headMoved(message: String)
        case failed(FetchFailure)
    }

    /// Merges a pull request only if its head is still `sha`. Never retried: a request that timed
    /// out may have merged, which the caller learns by reading the pull request again.
    package func mergePullRequest(_ repository: RepositorySlug, number: Int, sha: String, method: String) -> MergeAnswer {
        guard !stopped else { return .failed(.skipped) }
        let url = configuration.url("/repos/\(repository.owner)/\(repository.name)/pulls/\(number)/merge")
        var request = self.request(for: url, conditional: false)
        request.method = .put
        request.body = Array(JSONValue.object([("sha", .string(sha)), ("merge_method", .string(method))]).serialized().utf8)
        request.headers.append(("Content-Type", "application/json"))
        let result = transport.perform([request])[0]
        if case .success(let response) = result, response.status == 405 || response.status == 409 {
            requestCount += 1
            let message = (try? JSONValue.parse(response.body))?["message"]?.string ?? "HTTP \(response.status)"
            return response.status == 405 ? .notMergeable(message: message) : .headMoved(message: message)
        }
        switch classify(result, url: url) {
        case .retry(let failure), .done(.failure(let failure)):
            return .failed(failure)
        case .done(.success(let fetched)):
            guard let value = try? JSONValue.parse(fetched.body), value["merged"]?.bool == true, let merged = value["sha"]?.string else {
                return .failed(malformed(url, "the answer does not say the pull request merged"))
            }
            return .merged(sha: merged)
        }
    }

    /// Whether GitHub reports the pull request merged (a fresh read, never the cache).
    package func pullRequestIsMerged(_ repository: RepositorySlug, number: Int) -> Result<Bool, FetchFailure> {
        let path = "/repos/\(repository.owner)/\(repository.name)/pulls/\(number)"
        guard let fetched = get([path], cached: false).first else { return .failure(.skipped) }
        return fetched.flatMap { json($0, from: path) }.map { $0["merged"]?.bool == true }
    }

    // MARK: Internals

    private func request(for url: String, conditional: Bool = true) -> HTTPRequest {
        var headers: [(name: String, value: String)] = [
            ("User-Agent", userAgent),
            ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"),
            ("Authorization", "Bearer \(token.value)"),
        ]
        if conditional, let cached = cache[url] { headers.append(("If-None-Match", cached.etag)) }
        return HTTPRequest(url: url, headers: headers)
    }

    private enum Classified {
        case done(Result<Fetched, FetchFailure>)
        case retry(FetchFailure)
    }

    private func classify(_ result: Result<HTTPResponse, TransportError>, url: String, cacheable: Bool = false) -> Classified {
        let response: HTTPResponse
        switch result {
        case .failure(let error):
            return .retry(.transport(error.detail))
        case .success(let r): response = r
        }
        requestCount += 1
        if let interval = response.header("x-poll-interval").flatMap({ Int($0) }), interval > 0 {
            pollInterval = max(pollInterval ?? 0, min(interval, 3600))
        }
        let next = Self.nextLink(response.header("link"))
        switch response.status {
        case 200..<300:
            authenticated = true
            if cacheable, let etag = response.header("etag"), !etag.isEmpty {
                let entry = CachedResponse(etag: etag, body: response.body, next: next)
                cache[url] = entry
                changedCache[url] = entry
            }
            return .done(.success(Fetched(body: response.body, notModified: false, next: next)))
        case 304:
            authenticated = true
            notModifiedCount += 1
            guard let cached = cache[url] else {
                problems.append("\(Self.endpoint(url)): 304 without a cached body")
                return .done(.failure(.status(304)))
            }
            return .done(.success(Fetched(body: cached.body, notModified: true, next: cached.next)))
        case 401:
            unauthorized = true
            problems.append("\(Self.endpoint(url)): \(FetchFailure.unauthorized)")
            return .done(.failure(.unauthorized))
        case 403, 429:
            let body = String(decoding: response.body.prefix(4096), as: UTF8.self).lowercased()
            let primary = response.header("x-ratelimit-remaining") == "0"
            if response.status == 429 || primary || body.contains("secondary rate limit") || response.header("retry-after") != nil {
                let now = nowSeconds()
                var reset = now + 60
                // Bounded: GitHub's resets are at most an hour away, and a wrong header (a reset
                // in 2286) must not switch observation off for good.
                if let after = response.header("retry-after").flatMap({ Int64($0) }) {
                    reset = now + min(max(after, 1), Self.longestRateLimit)
                } else if primary, let at = response.header("x-ratelimit-reset").flatMap({ Int64($0) }), at > now {
                    reset = min(at, now + Self.longestRateLimit)
                }
                rateLimitedUntil = max(rateLimitedUntil ?? 0, reset)
                problems.append("\(Self.endpoint(url)): rate limited (HTTP \(response.status)) until \(isoTimestamp(milliseconds: reset * 1000))")
                return .done(.failure(.rateLimited(resetAt: reset)))
            }
            problems.append("\(Self.endpoint(url)): HTTP 403")
            return .done(.failure(.status(403)))
        case 404:
            return .done(.failure(.notFound))
        case 500..<600:
            return .retry(.status(response.status))
        default:
            problems.append("\(Self.endpoint(url)): HTTP \(response.status)")
            return .done(.failure(.status(response.status)))
        }
    }

    /// The path of a URL, for logs (never its query string, which may carry a signature).
    package static func endpoint(_ url: String) -> String {
        let path = WebURL(url)?.path ?? url
        return String(path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }

    /// 100 to 500 ms, so that processes retrying after the same outage do not retry together.
    private static func jitterPause() {
        usleep(UInt32(100_000 + Int.random(in: 0..<400_000)))
    }
}
