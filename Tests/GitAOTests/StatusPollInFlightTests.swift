import AOTestSupport
import Foundation
import Testing

/// While a GitHub poll is in flight, status never presents the previous poll's error as that
/// poll's result: it says a poll is under way, and dates the error to the poll that had it.
@Suite("status: a GitHub poll in flight")
struct StatusPollInFlightTests {
    @Test("the previous poll's HTTP 500 is shown as the previous poll's, with its time, while the next one waits for GitHub",
          .timeLimit(.minutes(15)))
    func previousErrorNotTheCurrentPoll() throws {
        let w = try ForgeObservationTests.World("status-poll-in-flight")
        defer { w.close() }
        _ = try w.s.spawn()
        let list = w.base + "/pulls?state=open&per_page=100"
        w.server.expect(list, times: 2, .json(["message": "boom"], status: 500))
        try w.observe("--refresh")
        let failed = try w.s.ao("status").stdout
        #expect(failed.contains("the last poll") && failed.contains("HTTP 500"), "\(failed)")

        // The next poll: GitHub holds its answer until the test has looked at status.
        let release = DispatchSemaphore(value: 0)
        w.server.expect(list, times: 1) { _ in
            _ = release.wait(timeout: .now() + 60)
            return .json([Any](), etag: "\"l\"")
        }
        let done = DispatchSemaphore(value: 0)
        let observed = ResultBox()
        Thread.detachNewThread {
            observed.append(try? w.s.ao(arguments: ["observe", "--refresh"], environment: w.github))
            done.signal()
        }
        try w.s.env.eventually("the poll to reach GitHub", timeout: 30) { w.server.requests.filter { $0.target == list }.count == 3 }

        let during = try w.s.ao("status").stdout
        #expect(!during.contains("the last poll"), "the error is not the poll in flight's: \(during)")
        #expect(during.contains("a poll started") && during.contains("has not finished"), "\(during)")
        #expect(during.contains("the poll before it") && during.contains("HTTP 500"), "the earlier error, dated: \(during)")
        let github = try #require((try w.s.ao("status", "--json").json()["github"] as? [[String: Any]])?.first)
        #expect(github["poll_in_flight_since"] is String && github["last_result_at"] is String, "\(github)")
        #expect(github["poll_in_flight_since"] as? String == github["last_poll_at"] as? String, "\(github)")
        let doctor = try w.s.ao(arguments: ["doctor"], environment: w.github).stdout
        #expect(doctor.contains("the last finished poll") && doctor.contains("HTTP 500"), "\(doctor)")

        release.signal()
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(observed.all.first??.succeeded == true, "\(observed.all)")
        let after = try w.s.ao("status").stdout
        #expect(!after.contains("HTTP 500") && !after.contains("has not finished"), "\(after)")
        let settled = try #require((try w.s.ao("status", "--json").json()["github"] as? [[String: Any]])?.first)
        #expect(settled["poll_in_flight_since"] == nil || settled["poll_in_flight_since"] is NSNull, "\(settled)")
        try w.server.verify()
    }

    @Test("a poll killed with kill -9 before its answer is said as unfinished, never as the earlier error; the next poll settles it",
          .timeLimit(.minutes(15)))
    func killedPoll() throws {
        let w = try ForgeObservationTests.World("status-poll-killed")
        defer { w.close() }
        _ = try w.s.spawn()
        let list = w.base + "/pulls?state=open&per_page=100"
        w.server.expect(list, times: 2, .json(["message": "boom"], status: 500))
        try w.observe("--refresh")
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }
        w.server.expect(list, times: 1) { _ in
            _ = release.wait(timeout: .now() + 60)
            return .json([Any](), etag: "\"l\"")
        }
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            _ = try? w.s.ao(arguments: ["observe", "--refresh"], environment: w.github)
            done.signal()
        }
        try w.s.env.eventually("the poll to reach GitHub", timeout: 30) { w.server.requests.filter { $0.target == list }.count == 3 }
        // The poller: the git-ao observe process working in this repository.
        let repo = w.s.repo.resolvingSymlinksInPath().path
        let poller = IssueSpawnRaceTests.processes(with: ["git-ao", "observe", "--refresh"]).filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/cwd")) == repo
        }
        #expect(poller.count == 1, "\(poller)")
        for pid in poller { kill(pid, SIGKILL) }
        #expect(done.wait(timeout: .now() + 30) == .success)

        let after = try w.s.ao("status").stdout
        #expect(after.contains("has not finished") && after.contains("the poll before it") && !after.contains("the last poll"), "\(after)")
        release.signal()
        w.server.expect(list, times: 1, .json([Any](), etag: "\"l2\""))
        try w.observe("--refresh")
        let settled = try w.s.ao("status").stdout
        #expect(!settled.contains("has not finished") && !settled.contains("HTTP 500"), "\(settled)")
    }
}
