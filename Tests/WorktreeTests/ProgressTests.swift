import AOTestSupport
import Foundation
import Testing
@testable import Worktree

/// `Repository.progress` against git's own answers: `git rev-list --left-right --count` and
/// `git diff --shortstat $(git merge-base ...)`.
@Suite("worktree progress")
struct ProgressTests {
    @Test("counts agree with git's CLI; the key changes with an unstaged edit of the same size; reuse skips the computation")
    func agreesWithGit() throws {
        let env = try TestEnvironment("progress")
        defer { env.close() }
        let repo = try env.makeRepository("repo", files: ["README.md": "hello\n", "a.txt": "1\n2\n3\n"])
        let linked = env.root.appendingPathComponent("linked")
        try env.git(["worktree", "add", "-q", "-b", "side", linked.path], in: repo)
        try env.write("1\nzwei\n3\n4\n", to: linked.appendingPathComponent("a.txt"))
        try env.git(["commit", "-qam", "side"], in: linked)
        try env.write("main\n", to: repo.appendingPathComponent("m.txt"))
        try env.git(["add", "m.txt"], in: repo)
        try env.git(["commit", "-qm", "main"], in: repo)
        try env.write("hello\nagain\n", to: linked.appendingPathComponent("README.md"))
        let recorded = try env.git(["rev-parse", "main~1"], in: repo).trimmingCharacters(in: .whitespacesAndNewlines)

        let first = try #require(try Repository.progress(ofWorktreeAt: linked.path, baseRef: "main", recordedBase: recorded) { _ in nil })
        let counts = try env.git(["rev-list", "--left-right", "--count", "HEAD...main"], in: linked).split(whereSeparator: { $0 == "\t" || $0 == "\n" })
        let mergeBase = try env.git(["merge-base", "HEAD", "main"], in: linked).trimmingCharacters(in: .whitespacesAndNewlines)
        let shortstat = try env.git(["diff", "--shortstat", mergeBase], in: linked)
        #expect(counts == ["\(first.counts.ahead)", "\(first.counts.behind)"], "\(counts) \(first)")
        #expect(shortstat.contains("\(first.counts.insertions) insertion") && shortstat.contains("\(first.counts.deletions) deletion"), "\(shortstat) \(first)")
        #expect(first.dirty && first.computed && !first.baseIsRecorded)

        // Reused for the same key.
        let again = try #require(try Repository.progress(ofWorktreeAt: linked.path, baseRef: "main", recordedBase: recorded) { key in
            key == first.key ? first.counts : nil
        })
        #expect(!again.computed && again.counts == first.counts)

        // Same size, new content: a new key.
        try env.write("hello\nAGAIN\n", to: linked.appendingPathComponent("README.md"))
        let edited = try #require(try Repository.progress(ofWorktreeAt: linked.path, baseRef: "main", recordedBase: recorded) { _ in nil })
        #expect(edited.key != first.key)

        // Unrelated base ref gone: the recorded commit; no worktree: nil.
        let gone = try #require(try Repository.progress(ofWorktreeAt: linked.path, baseRef: "no-such-branch", recordedBase: recorded) { _ in nil })
        #expect(gone.baseIsRecorded && gone.counts.behind == 0)
        #expect(try Repository.progress(ofWorktreeAt: env.root.appendingPathComponent("nowhere").path, baseRef: "main", recordedBase: recorded) { _ in nil } == nil)
    }
}
