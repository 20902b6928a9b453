import Foundation
import Glibc

/// A loopback HTTPS server (Tests/Fixtures/tls_server.py) whose certificate comes from a private
/// authority, `authority`, that no system trust store holds; started with the python3 the test
/// agents' venv or PATH provides.
public final class TLSTestServer {
    let process = Process()
    public let port: Int
    let portFile: URL

    public static let fixtures = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures")
    /// The CA certificate to trust (`ao.github.caInfo`).
    public static var authority: String { fixtures.appendingPathComponent("tls/ca.pem").path }

    public init() throws {
        let venv = TestEnvironment.packageRoot.appendingPathComponent(".build/test-agents/aider/bin/python")
        let python = FileManager.default.isExecutableFile(atPath: venv.path) ? venv.path
            : ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let python else { throw TestFailure("python3 is needed for the TLS test server: run ./install.sh --with-test-agents") }
        // Its port is read from a file: a pipe read here blocked under the test runner.
        portFile = FileManager.default.temporaryDirectory.appendingPathComponent("ao-tls-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: portFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TLSTestServer.fixtures.appendingPathComponent("tls_server.py").path]
        process.standardOutput = try FileHandle(forWritingTo: portFile)
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        var found: Int?
        while found == nil && Date() < deadline {
            found = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if found == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let found else { kill(process.processIdentifier, SIGKILL); throw TestFailure("the TLS server did not start") }
        port = found
    }

    public var url: String { "https://127.0.0.1:\(port)" }

    public func stop() {
        // SIGKILL: the test runner's children may inherit SIGTERM ignored.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: portFile)
    }
}
