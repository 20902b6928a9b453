import AOTestSupport
import Foundation
@testable import GitAO
import Glibc
import Lifecycle
import Platform
import Testing

/// Coalesced background passes: a burst of hook events starts one pass, and no request is ever
/// left without a pass that will serve it.
@Suite("pass requests")
struct PassRequestTests {
    let session = SessionID("abc123")

    func directory(_ name: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ao-pass-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    func sha(_ n: Int) -> String { String(repeating: "0", count: 40 - String(n).count) + String(n) }

    /// A process that has exited and been reaped: its pid names nobody.
    func deadPID() throws -> pid_t {
        let pid = try Subprocess.spawnDetached(["/bin/true"])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return pid
    }

    @Test("a burst of requests starts one pass, which gets every review in order; the next request starts another")
    func coalesces() throws {
        let ao = try directory("burst")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        var starts = 0
        for n in 0..<10 { PassRequest.post(aoDirectory: ao, session: session, review: sha(n)) { _ in starts += 1; return getpid() } }
        PassRequest.post(aoDirectory: ao, session: session, review: nil) { _ in starts += 1; return getpid() }
        #expect(starts == 1)
        let watch = try #require(PassRequest.watch(aoDirectory: ao, session: session))
        #expect(watch.consume() == (0..<10).map(sha))
        #expect(!FileManager.default.fileExists(atPath: PassRequest.path(aoDirectory: ao, session: session)))
        #expect(PassRequest.watch(aoDirectory: ao, session: session) == nil, "nothing left for a second pass")
        PassRequest.post(aoDirectory: ao, session: session, review: sha(11)) { _ in starts += 1; return getpid() }
        #expect(starts == 2)
    }

    @Test("a request whose pass died gets a new pass at once, reviews and all; a watched one never does")
    func deadPass() throws {
        let ao = try directory("dead")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        let dead = try deadPID()
        var starts = 0
        PassRequest.post(aoDirectory: ao, session: session, review: sha(1)) { _ in starts += 1; return dead }
        PassRequest.post(aoDirectory: ao, session: session, review: sha(2)) { _ in starts += 1; return getpid() }
        #expect(starts == 2, "the second hook must not wait on a dead pass")
        // The new pass is alive (this process) and watching: later requests join it.
        let watch = try #require(PassRequest.watch(aoDirectory: ao, session: session))
        PassRequest.post(aoDirectory: ao, session: session, review: sha(3)) { _ in starts += 1; return dead }
        #expect(starts == 2)
        #expect(watch.consume() == [sha(1), sha(2), sha(3)])
    }

    @Test("a request with no pass recorded gets a new one once it is older than the stale limit, not before")
    func oldRequest() throws {
        let ao = try directory("old")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        let path = PassRequest.path(aoDirectory: ao, session: session)
        try FileManager.default.createDirectory(atPath: ao + "/pending", withIntermediateDirectories: true)
        var starts = 0
        try "created \(Platform.Clock.epochMilliseconds())\nreview \(sha(1))\n".write(toFile: path, atomically: false, encoding: .utf8)
        PassRequest.post(aoDirectory: ao, session: session, review: sha(2)) { _ in starts += 1; return getpid() }
        #expect(starts == 0, "a fresh request's pass may still be starting")
        let old = Platform.Clock.epochMilliseconds() - PassRequest.staleAfter - 1_000
        try "created \(old)\nreview \(sha(1))\n".write(toFile: path, atomically: false, encoding: .utf8)
        PassRequest.post(aoDirectory: ao, session: session, review: sha(2)) { _ in starts += 1; return getpid() }
        #expect(starts == 1)
        #expect(try #require(PassRequest.watch(aoDirectory: ao, session: session)).consume() == [sha(1), sha(2)])
    }

    @Test("a request its hook died making (no creation line), or naming a pass pid that lives on as another process with no creation line, gets a pass")
    func halfMade() throws {
        let ao = try directory("half")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        let path = PassRequest.path(aoDirectory: ao, session: session)
        try FileManager.default.createDirectory(atPath: ao + "/pending", withIntermediateDirectories: true)
        var starts = 0
        for content in ["", "pass 1\n"] {
            try content.write(toFile: path, atomically: false, encoding: .utf8)
            PassRequest.post(aoDirectory: ao, session: session, review: sha(5)) { _ in starts += 1; return getpid() }
        }
        #expect(starts == 2)
        #expect(try #require(PassRequest.watch(aoDirectory: ao, session: session)).consume().contains(sha(5)))
    }

    @Test("every pass starts a pass for any session's request whose pass died; a watched request is left to its pass")
    func sweep() throws {
        let ao = try directory("sweep")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        let dead = try deadPID()
        let other = SessionID("zzz999")
        PassRequest.post(aoDirectory: ao, session: session, review: sha(1)) { _ in dead }
        PassRequest.post(aoDirectory: ao, session: other, review: sha(2)) { _ in getpid() }
        let watched = try #require(PassRequest.watch(aoDirectory: ao, session: other))
        var started: [SessionID] = []
        let swept = PassRequest.sweep(aoDirectory: ao) { started.append($0); return getpid() }
        #expect(swept == [session] && started == [session])
        // Its new pass is recorded: a second sweep leaves it alone.
        #expect(PassRequest.sweep(aoDirectory: ao) { _ in getpid() }.isEmpty)
        #expect(watched.consume() == [sha(2)])
        #expect(try #require(PassRequest.watch(aoDirectory: ao, session: session)).consume() == [sha(1)])
    }

    @Test("two passes watching one request: the first consumes it, the second gets nothing")
    func consumedOnce() throws {
        let ao = try directory("once")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        PassRequest.post(aoDirectory: ao, session: session, review: sha(1)) { _ in getpid() }
        let first = try #require(PassRequest.watch(aoDirectory: ao, session: session))
        let second = try #require(PassRequest.watch(aoDirectory: ao, session: session))
        #expect(first.consume() == [sha(1)])
        #expect(second.consume() == [])
    }

    @Test("4 posters and a consuming pass at once: no review request is lost, and far fewer passes start than requests (a request may be served twice, never lost)")
    func concurrent() throws {
        let ao = try directory("concurrent")
        defer { try? FileManager.default.removeItem(atPath: ao) }
        let perPoster = 300
        let session = self.session
        let consumed = Locked<[String]>([])
        let starts = Locked(0)
        let done = Locked(false)
        let consumer = Thread {
            while true {
                let finished = done.value
                if let watch = PassRequest.watch(aoDirectory: ao, session: session) {
                    let shas = watch.consume()
                    consumed.update { $0 += shas }
                } else if finished {
                    return
                }
            }
        }
        consumer.start()
        DispatchQueue.concurrentPerform(iterations: 4) { poster in
            for n in 0..<perPoster {
                PassRequest.post(aoDirectory: ao, session: session, review: sha(poster * 10_000 + n)) { carried in
                    starts.update { $0 += 1 }
                    // A pass started with the review itself serves it, request file or not.
                    if let carried { consumed.update { $0.append(carried) } }
                    return getpid()
                }
            }
        }
        done.update { $0 = true }
        while !consumer.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        let expected = Set((0..<4).flatMap { poster in (0..<perPoster).map { sha(poster * 10_000 + $0) } })
        #expect(expected.subtracting(consumed.value).count == 0, "lost: \(expected.subtracting(consumed.value).sorted().prefix(5))")
        #expect(starts.value < expected.count)
    }

    @Test("a review whose debounce process was killed -9 is still made, by the next pass")
    func strandedClaim() throws {
        let s = try Scenario("pass-stranded-claim")
        defer { s.close() }
        try ReviewFixtures.install(s, debounce: "3s")
        try ReviewFixtures.useCommand(s)
        try s.ao("init")
        let id = try s.spawn("--prompt", "start")
        let head = try ReviewFixtures.commit(s, in: try s.worktreePath(of: id), ["a.txt": "a\n"], message: "work")
        var token = ""
        try s.env.eventually("the debounce claim", timeout: 20) {
            // sqlite3 may meet a busy database while the hook and its pass write: ask again.
            token = ((try? s.sql("SELECT pending_token FROM review WHERE session_id = '\(id)'")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            return !token.isEmpty
        }
        let pid = try #require(pid_t(token.split(separator: "-").first ?? ""))
        kill(pid, SIGKILL)
        Thread.sleep(forTimeInterval: 3.5)
        #expect(try ReviewFixtures.runs(s, session: id).isEmpty, "nobody reviewed it: its process died")
        let pass = try s.observe()
        #expect(pass.stdout.contains("review_resumed"), "\(pass)")
        try s.env.eventually("the review of the commit", timeout: 30) {
            try ReviewFixtures.runs(s, session: id).contains { $0["sha"] as? String == head && $0["verdict"] as? String == "approved" }
        }
    }

    @Test("a request that names no session is dropped by the pass it gets, not retried by every pass")
    func garbageRequest() throws {
        let s = try Scenario("pass-garbage")
        defer { s.close() }
        _ = try s.spawn()
        let pending = s.repo.appendingPathComponent(".git/ao/pending")
        try FileManager.default.createDirectory(at: pending, withIntermediateDirectories: true)
        let garbage = pending.appendingPathComponent("nosuch")
        try s.env.write("junk\n", to: garbage)
        try s.observe()
        try s.env.eventually("the garbage request dropped", timeout: 20) { !FileManager.default.fileExists(atPath: garbage.path) }
    }

    @Test("a commit after a pass was killed before it served its request still gets its pass and its review")
    func killedPassEndToEnd() throws {
        let s = try Scenario("pass-killed")
        defer { s.close() }
        try ReviewFixtures.install(s)
        try ReviewFixtures.useCommand(s)
        try s.ao("init")
        let id = try s.spawn("--prompt", "start")
        let worktree = try s.worktreePath(of: id)
        // What a pass killed -9 right after its hook started it leaves: a fresh request, unwatched.
        let pending = s.repo.appendingPathComponent(".git/ao/pending")
        try FileManager.default.createDirectory(at: pending, withIntermediateDirectories: true)
        try s.env.write("created \(Platform.Clock.epochMilliseconds())\npass \(try deadPID())\n", to: pending.appendingPathComponent(id))
        let head = try ReviewFixtures.commit(s, in: worktree, ["after-kill.txt": "x\n"], message: "after the kill")
        try s.env.eventually("the review of the new commit", timeout: 30) {
            try ReviewFixtures.runs(s, session: id).contains { $0["sha"] as? String == head && $0["verdict"] as? String == "approved" }
        }
        #expect(!FileManager.default.fileExists(atPath: pending.appendingPathComponent(id).path))
    }
}

/// A value shared between threads.
final class Locked<Value>: @unchecked Sendable {
    private var stored: Value
    private let lock = NSLock()
    init(_ value: Value) { stored = value }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
    func update(_ change: (inout Value) -> Void) { lock.lock(); change(&stored); lock.unlock() }
}
