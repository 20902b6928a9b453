import AOTestSupport
import Foundation
@testable import Forge
import Testing

@Suite("libcurl transport")
struct TransportTests {
    @Test("a batch runs concurrently, in order, with the headers given")
    func concurrentBatch() throws {
        let server = try GitHubTestServer(latency: 0.2)
        defer { server.stop() }
        for n in 0..<16 { server.expect("/item/\(n)", .json(["n": n])) }
        let transport = CurlTransport()
        let requests = (0..<16).map { HTTPRequest(url: server.baseURL + "/item/\($0)", headers: [("X-Test", "yes")]) }
        let started = Date()
        let results = transport.perform(requests)
        let elapsed = Date().timeIntervalSince(started)
        for (n, result) in results.enumerated() {
            let response = try result.get()
            #expect(response.status == 200)
            #expect(String(decoding: response.body, as: UTF8.self) == "{\"n\":\(n)}")
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        }
        // 16 requests of 0.2 s, 8 at a time: two waves, far less than 3.2 s one after another.
        #expect(elapsed < 1.5, "took \(elapsed) s")
        #expect(server.requests.allSatisfy { $0.header("x-test") == "yes" })
        try server.verify()
    }

    @Test("no more than 8 requests are in flight at once")
    func inFlightCap() throws {
        let server = try GitHubTestServer(latency: 0.3)
        defer { server.stop() }
        let counter = InFlight()
        for n in 0..<12 {
            server.expect("/slow/\(n)") { _ in counter.enter(); Thread.sleep(forTimeInterval: 0.1); counter.leave(); return .json([:]) }
        }
        _ = CurlTransport().perform((0..<12).map { HTTPRequest(url: server.baseURL + "/slow/\($0)") })
        #expect(counter.peak <= 8)
        #expect(counter.peak >= 2)
        try server.verify()
    }

    @Test("a redirect to another host is followed without Authorization")
    func redirectDropsAuthorization() throws {
        let api = try GitHubTestServer()
        let blob = try GitHubTestServer()
        defer { api.stop(); blob.stop() }
        api.expect("/repos/acme/widgets/actions/jobs/7/logs", .redirect(to: blob.baseURL + "/logs/7.txt?sig=abc"))
        blob.expect("/logs/7.txt?sig=abc", .text("line 1\nline 2\n"))
        api.expect("/same-origin", .redirect(to: api.baseURL + "/landing"))
        api.expect("/landing", .text("ok"))
        let headers = [("Authorization", "Bearer s3cr3t-token")]
        let results = CurlTransport().perform([
            HTTPRequest(url: api.baseURL + "/repos/acme/widgets/actions/jobs/7/logs", headers: headers),
            HTTPRequest(url: api.baseURL + "/same-origin", headers: headers),
        ])
        let log = try results[0].get()
        #expect(log.status == 200)
        #expect(String(decoding: log.body, as: UTF8.self) == "line 1\nline 2\n")
        #expect(log.url == blob.baseURL + "/logs/7.txt?sig=abc")
        #expect(api.requests.allSatisfy { $0.header("authorization") == "Bearer s3cr3t-token" })
        #expect(blob.requests.count == 1)
        #expect(blob.requests.allSatisfy { $0.header("authorization") == nil })
        #expect(try results[1].get().status == 200)
        try api.verify()
        try blob.verify()
    }

    @Test("a connection refused is a transport error, not a response")
    func connectionRefused() throws {
        let server = try GitHubTestServer()
        let url = server.baseURL + "/x"
        server.stop()
        let result = CurlTransport(connectTimeoutMilliseconds: 2000).perform(HTTPRequest(url: url))
        guard case .failure(let error) = result else { Issue.record("expected a failure, got \(result)"); return }
        #expect(error.kind == .connection)
    }

    @Test("the total timeout ends a request that takes too long")
    func totalTimeout() throws {
        let server = try GitHubTestServer(latency: 3)
        defer { server.stop() }
        server.expect("/slow", .json([:]))
        let result = CurlTransport(totalTimeoutMilliseconds: 500).perform(HTTPRequest(url: server.baseURL + "/slow"))
        guard case .failure(let error) = result else { Issue.record("expected a timeout, got \(result)"); return }
        #expect(error.kind == .timeout)
    }

    @Test("a POST sends its body")
    func post() throws {
        let server = try GitHubTestServer()
        defer { server.stop() }
        server.expect("/graphql", method: "POST") { request in
            .json(["echo": String(decoding: request.body, as: UTF8.self)])
        }
        let response = try CurlTransport().perform(HTTPRequest(.post, url: server.baseURL + "/graphql", body: Array("{\"q\":1}".utf8))).get()
        #expect(String(decoding: response.body, as: UTF8.self) == "{\"echo\":\"{\\\"q\\\":1}\"}")
        try server.verify()
    }

    @Test("the test server fails on an unexpected request and on an unmet expectation")
    func serverVerifies() throws {
        let server = try GitHubTestServer()
        defer { server.stop() }
        server.expect("/wanted", .json([:]))
        let response = try CurlTransport().perform(HTTPRequest(url: server.baseURL + "/unwanted")).get()
        #expect(response.status == 501)
        #expect(throws: TestFailure.self) { try server.verify() }
    }

    @Test("the test server answers 304 to a matching If-None-Match")
    func serverETag() throws {
        let server = try GitHubTestServer()
        defer { server.stop() }
        server.expect("/e", times: 2, .json(["a": 1], etag: "\"v1\""))
        let transport = CurlTransport()
        let first = try transport.perform(HTTPRequest(url: server.baseURL + "/e")).get()
        #expect(first.status == 200 && first.header("etag") == "\"v1\"")
        let second = try transport.perform(HTTPRequest(url: server.baseURL + "/e", headers: [("If-None-Match", "\"v1\"")])).get()
        #expect(second.status == 304 && second.body.isEmpty)
        try server.verify()
    }
}

/// Counts concurrent entries, remembering the peak.
final class InFlight: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 0
    private(set) var peak = 0
    func enter() { lock.withLock { current += 1; peak = max(peak, current) } }
    func leave() { lock.withLock { current -= 1 } }
}
