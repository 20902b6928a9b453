import AOTestSupport
import Foundation
import Glibc
import Testing
import TmuxRuntime

@Suite("launch channel")
struct LaunchChannelTests {
    @Test("each attempt has its own pipes; an attempt's pipes are removed only once its process is gone")
    func pipesPerAttempt() throws {
        let env = try TestEnvironment("launch-channel")
        defer { env.close() }
        let run = env.root.appendingPathComponent("run").path
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        // A pid that is certainly gone: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        let abandoned = run + "/ao-x.\(dead).zz.plan", live = run + "/ao-x.\(getpid()).yy.plan", other = run + "/ao-xy.\(dead).zz.plan"
        for path in [abandoned, live, other] { #expect(mkfifo(path, 0o600) == 0) }

        let first = try LaunchChannel(directory: run, name: "ao-x")
        let second = try LaunchChannel(directory: run, name: "ao-x")
        #expect(first.planPath != second.planPath && first.ackPath != second.ackPath)
        #expect(FileManager.default.fileExists(atPath: first.planPath) && FileManager.default.fileExists(atPath: second.planPath))
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: live) && FileManager.default.fileExists(atPath: other))
        second.remove()
        #expect(FileManager.default.fileExists(atPath: first.planPath) && FileManager.default.fileExists(atPath: first.ackPath))
        first.remove()
        #expect(!FileManager.default.fileExists(atPath: first.planPath))
    }
}
