import AOTestSupport
import Foundation
import Lifecycle
import Store
import Testing
@testable import Worktree

/// The progress cache's line format.
@Suite("progress cache")
struct ProgressCacheTests {
    @Test("figures and snapshot come back as kept; a path with a tab or newline makes the snapshot never hold")
    func roundTrip() throws {
        let env = try TestEnvironment("progress-cache")
        defer { env.close() }
        let cache = ProgressCache(aoDirectory: env.root.path)
        let file = env.root.appendingPathComponent("ünï file.txt")
        try env.write("x\n", to: file)
        let stat = Repository.statKey(file.path)
        let entry = ProgressCache.Entry(key: "head base fp", ahead: 2, behind: 1, insertions: 30, deletions: 4,
                                        dirty: true, baseIsRecorded: false, snapshot: [file.path: stat])
        cache.keep(entry, for: SessionID("abc123"))
        #expect(cache.entry(for: SessionID("abc123")) == entry)
        #expect(WorktreeProgress.snapshotHolds(entry.snapshot))

        var odd = entry
        odd.snapshot["/tmp/a\tb"] = "-"
        cache.keep(odd, for: SessionID("odd"))
        let back = try #require(cache.entry(for: SessionID("odd")))
        #expect(!WorktreeProgress.snapshotHolds(back.snapshot))
        #expect(cache.entry(for: SessionID("missing")) == nil)
    }
}
