import ArgumentParser
@testable import GitAO
import Platform
import Testing

/// The fast dispatcher must mean exactly what ArgumentParser means, for every input it takes.
@Suite("fast path")
struct FastPathTests {
    static let flags = ["--json", "--porcelain", "-v", "--verbose", "-a", "--all", "-q", "--quiet"]

    /// Every subset of the status flags, in order and reversed, with and without "status".
    static var combinations: [[String]] {
        var result: [[String]] = []
        for mask in 0..<(1 << flags.count) {
            let subset = flags.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
            for ordered in [subset, subset.reversed()] {
                result.append(ordered)
                result.append(["status"] + ordered)
            }
        }
        return result
    }

    @Test("for every status invocation it accepts, the fast path agrees with ArgumentParser")
    func agreesWithArgumentParser() throws {
        var accepted = 0
        for arguments in Self.combinations {
            guard let fast = FastPath.statusOptions(arguments) else { continue }
            accepted += 1
            let parsed = try GitAOCommand.parseAsRoot(arguments)
            let status = try #require(parsed as? StatusCommand, "ArgumentParser did not route \(arguments) to status")
            #expect(status.options == fast, "\(arguments)")
        }
        // It takes the common forms (so status really is fast)...
        #expect(accepted > 100)
        for common in [[], ["status"], ["status", "--json"], ["status", "-v", "--all"], ["--porcelain"]] {
            #expect(FastPath.statusOptions(common) != nil, "\(common)")
        }
    }

    @Test("it leaves help, mistakes and unusual spellings to ArgumentParser")
    func declines() {
        for arguments in [["--help"], ["status", "--help"], ["status", "-h"], ["status", "--json", "--porcelain"],
                          ["status", "-av"], ["status", "--all", "--all"], ["status", "-a", "--all"], ["status", "--bogus"],
                          ["spawn"], ["status", "extra"], ["help"], ["--version"], ["status", "-C", "/tmp"]] {
            #expect(FastPath.statusOptions(arguments) == nil, "\(arguments)")
        }
    }
}
