import AOTestSupport
import Foundation
@testable import Forge
import Testing

/// HTTPS through the real libcurl against a loopback server whose certificate comes from a
/// private authority (Tests/Fixtures/tls): trusted only through `caInfo` (`ao.github.caInfo`).
@Suite("libcurl over TLS")
struct TLSTransportTests {
    @Test("a private authority's certificate is refused by default, as a TLS failure, and accepted with caInfo")
    func caInfo() throws {
        let server = try TLSTestServer()
        defer { server.stop() }
        let request = HTTPRequest(url: server.url + "/repos/acme/widgets/pulls", headers: [("Accept", "application/json")])

        let refused = CurlTransport().perform([request])[0]
        guard case .failure(let error) = refused else { Issue.record("an unknown authority was trusted: \(refused)"); return }
        #expect(error.kind == .tls, "\(error)")

        let trusted = CurlTransport(caInfo: TLSTestServer.authority).perform([request])[0]
        let response = try trusted.get()
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "[]")
    }

    @Test("a caInfo file that does not exist fails the request; it never falls back to trusting everything")
    func missingCAInfo() throws {
        let server = try TLSTestServer()
        defer { server.stop() }
        let result = CurlTransport(caInfo: "/nonexistent/ca.pem").perform([HTTPRequest(url: server.url + "/x")])[0]
        guard case .failure = result else { Issue.record("a missing CA file let the request through: \(result)"); return }
    }
}
