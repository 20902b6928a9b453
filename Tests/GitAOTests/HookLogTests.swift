import AOTestSupport
import Foundation
@testable import GitAO
import Platform
import Testing

@Suite("hooks.log")
struct HookLogTests {
    @Test("entries are appended; at 1 MiB the log moves to hooks.log.1 and starts again")
    func capped() throws {
        let env = try TestEnvironment("hooklog")
        defer { env.close() }
        let directory = env.root.appendingPathComponent("ao")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        HookLog.append("first problem", aoDirectory: directory.path)
        let log = directory.appendingPathComponent("hooks.log")
        #expect((env.read(log) ?? "").contains("first problem"))
        try Data(repeating: 0x2E, count: HookLog.limit).write(to: log)
        HookLog.append("after the cap", aoDirectory: directory.path)
        #expect(env.read(log)?.contains("after the cap") == true)
        #expect((try FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int ?? 0) < 1000)
        #expect((try FileManager.default.attributesOfItem(atPath: log.path + ".1")[.size] as? Int ?? 0) == HookLog.limit)
        // No ao/ folder (git-ao never ran here): nothing is created.
        HookLog.append("nowhere", aoDirectory: env.root.appendingPathComponent("missing").path)
        #expect(!FileManager.default.fileExists(atPath: env.root.appendingPathComponent("missing").path))
    }
}
