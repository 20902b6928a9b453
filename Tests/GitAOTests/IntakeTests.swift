import AOTestSupport
import Foundation
import Testing

/// Issue intake end to end: the real binary against the loopback GitHub, real tmux, git and SQLite.
@Suite("issue intake", .timeLimit(.minutes(15)))
struct IntakeTests {
    typealias World = ForgeObservationTests.World
    static let list = "/repos/acme/widgets/issues?state=open&labels=ai&per_page=100"

    func world(_ label: String, max: Int? = nil, labels: [String] = ["ai"], assignee: String? = nil) throws -> World {
        let w = try World(label)
        try w.s.env.git(["config", "ao.intake.enabled", "true"], in: w.s.repo)
        for label in labels { try w.s.env.git(["config", "--add", "ao.intake.labels", label], in: w.s.repo) }
        if let assignee { try w.s.env.git(["config", "ao.intake.assignee", assignee], in: w.s.repo) }
        if let max { try w.s.env.git(["config", "ao.intake.max", String(max)], in: w.s.repo) }
        return w
    }

    func intake(_ w: World, _ arguments: String...) throws -> RunResult {
        try w.s.ao(arguments: ["intake", "--json"] + arguments, environment: w.github)
    }

    /// The report's issues by number.
    func outcomes(_ result: RunResult) throws -> [Int: [String: Any]] {
        let issues = try result.json()["issues"] as? [[String: Any]] ?? []
        return Dictionary(issues.map { ($0["number"] as! Int, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Live sessions by issue id.
    func liveByIssue(_ w: World) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for (id, session) in try w.s.sessions() where session["terminated"] as? Bool == false {
            if let issue = session["issue"] as? String { result[issue, default: []].append(id) }
        }
        return result
    }

    @Test("eligibility by label and assignee (* and none); pull requests are skipped; --dry-run spawns nothing")
    func eligibility() throws {
        let w = try world("intake-eligible", assignee: "*")
        defer { w.close() }
        let issues = [
            GitHubFixtures.issue(number: 1, title: "Assigned", labels: ["ai"], assignees: ["alice"]),
            GitHubFixtures.issue(number: 2, title: "Nobody on it", labels: ["ai"]),
            GitHubFixtures.issue(number: 3, title: "A pull request", labels: ["ai"], assignees: ["alice"], pullRequest: true),
            GitHubFixtures.issue(number: 4, title: "Other label", labels: ["docs"], assignees: ["bob"]),
        ]
        w.server.expect("/repos/acme/widgets/issues?state=open&labels=ai&assignee=*&per_page=100", .json(issues, etag: "\"any\""))
        let dry = try intake(w, "--dry-run")
        #expect(dry.succeeded, "\(dry)")
        let seen = try outcomes(dry)
        #expect(seen[1]?["action"] as? String == "would_spawn")
        #expect(seen[1]?["branch"] as? String == "ao/issue-1-assigned")
        #expect(seen[2]?["reason"] as? String == "not_eligible" && seen[2]?["detail"] as? String == "not assigned")
        #expect(seen[3]?["reason"] as? String == "pull_request")
        #expect(seen[4]?["reason"] as? String == "not_eligible")
        #expect(try w.s.sessions().isEmpty)

        try w.s.env.git(["config", "ao.intake.assignee", "none"], in: w.s.repo)
        w.server.expect("/repos/acme/widgets/issues?state=open&labels=ai&assignee=none&per_page=100", times: 2, .json([issues[1], issues[2]]))
        let none = try outcomes(try intake(w, "--dry-run"))
        #expect(none[2]?["action"] as? String == "would_spawn")
        #expect(none[3]?["reason"] as? String == "pull_request")
        let human = try w.s.ao(arguments: ["intake", "--dry-run"], environment: w.github)
        #expect(human.stdout.contains("#3 skipped: pull request"), "\(human)")
        try w.server.verify()
    }

    @Test("spawns one session per issue up to max; a second run reuses the ETag (304) and spawns nothing; an ended issue waits for --retry")
    func spawnMaxRestartRetry() throws {
        let w = try world("intake-spawn", max: 2)
        defer { w.close() }
        let issues = [
            GitHubFixtures.issue(number: 11, title: "Fix the login bug", labels: ["ai"]),
            GitHubFixtures.issue(number: 12, title: "Übersetzung: Menü prüfen!", labels: ["ai"]),
            GitHubFixtures.issue(number: 13, title: "Third", labels: ["ai"]),
        ]
        let list = w.server.expect(Self.list, times: nil, .json(issues, etag: "\"issues-v1\""))
        let first = try intake(w)
        #expect(first.succeeded, "\(first)")
        var seen = try outcomes(first)
        #expect(seen[11]?["action"] as? String == "spawned" && seen[12]?["action"] as? String == "spawned")
        #expect(seen[13]?["reason"] as? String == "over_max")
        var live = try liveByIssue(w)
        #expect(live["github:acme/widgets#11"]?.count == 1 && live["github:acme/widgets#12"]?.count == 1 && live.count == 2)
        let id12 = try #require(live["github:acme/widgets#12"]?.first)
        #expect(try w.s.session(id12)["branch"] as? String == "ao/issue-12-ubersetzung-menu-prufen")
        let shown = try w.s.ao(arguments: ["show", "--json", id12]).json()["session"] as? [String: Any]
        #expect(shown?["issue"] as? String == "github:acme/widgets#12")
        let prompt = shown?["prompt"] as? String ?? ""
        #expect(prompt.contains("https://github.com/acme/widgets/issues/12") && prompt.contains("untrusted-github-data"))
        let verbose = try w.s.ao("status", "-v")
        #expect(verbose.stdout.contains("issue github:acme/widgets#12"), "\(verbose)")

        // Restart safety: the same answer (now a 304) spawns nothing.
        let second = try intake(w)
        #expect(second.succeeded, "\(second)")
        seen = try outcomes(second)
        #expect(seen[11]?["reason"] as? String == "has_live_session" && seen[13]?["reason"] as? String == "over_max")
        #expect(try liveByIssue(w).count == 2)
        let requests = w.server.requests.filter { $0.target == Self.list }
        #expect(requests.count == 2 && requests[1].header("If-None-Match") == "\"issues-v1\"")
        #expect(list.hits == 2)

        // An ended session's issue is not taken again; the free slot goes to the next issue.
        let id11 = try #require(live["github:acme/widgets#11"]?.first)
        #expect(try w.s.ao("kill", id11).succeeded)
        seen = try outcomes(try intake(w))
        #expect(seen[11]?["reason"] as? String == "ended" && seen[13]?["action"] as? String == "spawned")
        #expect(try w.s.session(id11)["issue"] as? String == "github:acme/widgets#11")
        // --retry allows it once more (with room under max).
        try w.s.env.git(["config", "ao.intake.max", "3"], in: w.s.repo)
        seen = try outcomes(try intake(w, "--retry", "11"))
        #expect(seen[11]?["action"] as? String == "spawned", "\(seen)")
        live = try liveByIssue(w)
        #expect(live.count == 3 && live.values.allSatisfy { $0.count == 1 })
        // The ended session cannot come back beside the new one.
        expectError(try w.s.ao("restore", id11), "ISSUE_HAS_LIVE_SESSION", mentioning: ["github:acme/widgets#11"])
        #expect(try w.s.sql("SELECT count(*) FROM intake_retries").trimmingCharacters(in: .whitespacesAndNewlines) == "0")
        try w.server.verify()
    }

    @Test("a merged session's issue is never spawned again, not even with --retry; an abandoned spawn's issue needs no --retry")
    func mergedAndAbandoned() throws {
        let w = try world("intake-merged")
        defer { w.close() }
        let issues = [GitHubFixtures.issue(number: 51, title: "Merged", labels: ["ai"]), GitHubFixtures.issue(number: 52, title: "Abandoned", labels: ["ai"])]
        w.server.expect(Self.list, times: nil, .json(issues, etag: "\"m\""))
        #expect(try intake(w).succeeded)
        let live = try liveByIssue(w)
        let merged = try #require(live["github:acme/widgets#51"]?.first), abandoned = try #require(live["github:acme/widgets#52"]?.first)
        #expect(try w.s.ao("kill", merged).succeeded && w.s.ao("kill", abandoned).succeeded)
        _ = try w.s.sql("UPDATE sessions SET pr_number = 60, pr_state = 'merged', terminal_reason = 'pr_merged' WHERE id = '\(merged)'")
        _ = try w.s.sql("UPDATE sessions SET terminal_reason = 'spawn_failed' WHERE id = '\(abandoned)'")
        let seen = try outcomes(try intake(w, "--retry", "51"))
        #expect(seen[51]?["reason"] as? String == "merged", "\(seen)")
        #expect(seen[52]?["action"] as? String == "spawned", "\(seen)")
        #expect(try liveByIssue(w)["github:acme/widgets#51"] == nil)
        try w.server.verify()
    }

    @Test("ao.intake.repo reads another repository's issues and names them by it; a malformed one is INVALID_CONFIG")
    func otherRepository() throws {
        let w = try world("intake-repo")
        defer { w.close() }
        try w.s.env.git(["config", "ao.intake.repo", "octo/tracker"], in: w.s.repo)
        w.server.expect("/repos/octo/tracker/issues?state=open&labels=ai&per_page=100",
                        .json([GitHubFixtures.issue(number: 9, title: "Elsewhere", labels: ["ai"], repository: "octo/tracker")]))
        let seen = try outcomes(try intake(w, "--dry-run"))
        #expect(seen[9]?["id"] as? String == "github:octo/tracker#9" && seen[9]?["action"] as? String == "would_spawn")
        try w.s.env.git(["config", "ao.intake.repo", "not a repo"], in: w.s.repo)
        expectError(try w.s.ao(arguments: ["intake", "--dry-run"], environment: w.github), "INVALID_CONFIG", mentioning: ["ao.intake.repo"])
        try w.server.verify()
    }

    @Test("two intake processes at once spawn each issue exactly once")
    func concurrentDedupe() throws {
        let w = try world("intake-race", max: 5)
        defer { w.close() }
        let issues = (21...23).map { GitHubFixtures.issue(number: $0, title: "Race \($0)", labels: ["ai"]) }
        w.server.expect(Self.list, times: nil, .json(issues, etag: "\"race\""))
        let results = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let result = try? w.s.ao(arguments: ["intake", "--json"], environment: w.github)
            results.append(result)
        }
        for result in results.all { #expect(result?.succeeded == true, "\(String(describing: result))") }
        let live = try liveByIssue(w)
        #expect(live.count == 3 && live.values.allSatisfy { $0.count == 1 }, "\(live)")
        #expect(try w.s.sql("SELECT count(*) FROM sessions").trimmingCharacters(in: .whitespacesAndNewlines) == "3")
        #expect(try w.s.tmuxSessions().count == 3)

        // Two spawn --issue at once (no intake lock between them): the unique index lets one win.
        w.server.expect("/repos/acme/widgets/issues/24", times: 2, .json(GitHubFixtures.issue(number: 24, title: "Race 24", labels: ["ai"])))
        let byHand = ResultBox()
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            byHand.append(try? w.s.ao(arguments: ["spawn", "--no-attach", "--issue", "24"], environment: w.github))
        }
        #expect(byHand.all.filter { $0?.succeeded == true }.count == 1, "\(byHand.all)")
        #expect(try liveByIssue(w)["github:acme/widgets#24"]?.count == 1)
        #expect(try w.s.sql("SELECT count(*) FROM sessions").trimmingCharacters(in: .whitespacesAndNewlines) == "4")
        #expect(try w.s.tmuxSessions().count == 4)
    }

    @Test("a 500 when listing backs the repository off for 5 minutes: the next run asks nothing, nor does a pass")
    func backoff() throws {
        let w = try world("intake-backoff")
        defer { w.close() }
        w.server.expect(Self.list, times: 2, .json(["message": "boom"], status: 500))
        let failed = try intake(w)
        #expect(failed.status == 1, "\(failed)")
        let report = try failed.json()
        #expect((report["error"] as? String)?.contains("HTTP 500") == true && report["backing_off_until"] is String)
        let until = try w.s.sql("SELECT backoff_until - last_run_at FROM intake_repositories WHERE repository = 'acme/widgets'")
        #expect(until.trimmingCharacters(in: .whitespacesAndNewlines) == "300000")
        let again = try intake(w)
        let againReport = try again.json()
        #expect(again.succeeded && againReport["backing_off_until"] is String, "\(again)")
        let status = try w.s.ao("status")
        #expect(status.stdout.contains("Intake (acme/widgets): backing off until") && status.stdout.contains("HTTP 500"), "\(status)")
        let json = try w.s.ao("status", "--json").json()
        let intakeState = (json["intake"] as? [[String: Any]])?.first
        #expect(intakeState?["repository"] as? String == "acme/widgets" && intakeState?["backoff_until"] is String
                && (intakeState?["last_error"] as? String)?.contains("HTTP 500") == true, "\(json)")
        let doctor = try w.s.ao(arguments: ["doctor"], environment: w.github)
        #expect(doctor.stdout.contains("intake") && doctor.stdout.contains("acme/widgets: backing off until"), "\(doctor)")
        try w.observe()
        Thread.sleep(forTimeInterval: 1)
        #expect(w.server.requests.filter { $0.target == Self.list }.count == 2)
        try w.server.verify()
    }

    @Test("INTAKE_UNSCOPED without a label or an assignee; INTAKE_DISABLED unless enabled (a dry run still works)")
    func unscoped() throws {
        let w = try world("intake-unscoped", labels: [])
        defer { w.close() }
        expectError(try w.s.ao(arguments: ["intake"], environment: w.github), "INTAKE_UNSCOPED", mentioning: ["ao.intake.labels", "ao.intake.assignee"])
        expectError(try w.s.ao(arguments: ["intake", "--dry-run"], environment: w.github), "INTAKE_UNSCOPED")
        try w.s.env.git(["config", "ao.intake.labels", "ai"], in: w.s.repo)
        try w.s.env.git(["config", "ao.intake.enabled", "false"], in: w.s.repo)
        expectError(try w.s.ao(arguments: ["intake"], environment: w.github), "INTAKE_DISABLED", mentioning: ["ao.intake.enabled"])
        w.server.expect(Self.list, .json([Any]()))
        #expect(try w.s.ao(arguments: ["intake", "--dry-run"], environment: w.github).succeeded)
        // A pass with intake unscoped starts nothing (and does not fail).
        try w.s.env.git(["config", "ao.intake.enabled", "true"], in: w.s.repo)
        try w.s.env.git(["config", "--unset-all", "ao.intake.labels"], in: w.s.repo)
        try w.observe()
        try w.server.verify()
        #expect(try w.s.ao("intake", "--retry", "0").status == 64)
        // doctor says why intake will never start anything.
        let doctor = try w.s.ao(arguments: ["doctor"], environment: w.github)
        #expect(doctor.stdout.contains("ao.intake.labels"), "\(doctor)")
    }

    @Test("spawn --issue: same id, branch and prompt rules; body over 8 KiB cut with a notice; ISSUE_HAS_LIVE_SESSION, ISSUE_NOT_FOUND, ISSUE_NOT_OPEN")
    func spawnByHand() throws {
        let w = try world("intake-hand")
        defer { w.close() }
        let body = String(repeating: "Lorem ipsum dolor sit amet. ", count: 400) + "THE-END"
        w.server.expect("/repos/acme/widgets/issues/31", times: 2, .json(GitHubFixtures.issue(number: 31, title: "Größe: 9 KiB \u{1B}[31mred", body: body)))
        let result = try w.s.ao(arguments: ["spawn", "--no-attach", "--json", "--issue", "31"], environment: w.github)
        #expect(result.succeeded, "\(result)")
        let session = try result.json()
        #expect(session["issue"] as? String == "github:acme/widgets#31")
        #expect(session["branch"] as? String == "ao/issue-31-grosse-9-kib-red")
        let prompt = session["prompt"] as? String ?? ""
        #expect(!prompt.contains("THE-END") && prompt.contains("cut here at 8 KiB") && !prompt.contains("\u{1B}"))
        let id = session["id"] as! String
        expectError(try w.s.ao(arguments: ["spawn", "--no-attach", "--issue", "31"], environment: w.github), "ISSUE_HAS_LIVE_SESSION", mentioning: [id, "#31"])
        w.server.expect("/repos/acme/widgets/issues/32", .json(["message": "Not Found"], status: 404))
        expectError(try w.s.ao(arguments: ["spawn", "--no-attach", "--issue", "32"], environment: w.github), "ISSUE_NOT_FOUND", mentioning: ["#32"])
        w.server.expect("/repos/acme/widgets/issues/33", .json(GitHubFixtures.issue(number: 33, title: "done", state: "closed")))
        expectError(try w.s.ao(arguments: ["spawn", "--no-attach", "--issue", "33"], environment: w.github), "ISSUE_NOT_OPEN", mentioning: ["#33", "closed"])
        #expect(try w.s.ao("spawn", "--issue", "3", "--prompt", "x").status == 64)
        #expect(try w.s.sql("SELECT count(*) FROM sessions").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        try w.server.verify()
    }

    @Test("an observation pass starts intake in the background; a closed issue notifies once and the session goes on")
    func passAndClosed() throws {
        let w = try world("intake-pass")
        defer { w.close() }
        try w.s.env.git(["config", "ao.github.interval", "1s"], in: w.s.repo)
        let open = [GitHubFixtures.issue(number: 41, title: "From a pass", labels: ["ai"])]
        w.server.expect(Self.list, .json(open, etag: "\"v1\""))
        #expect(try w.s.ao("init").succeeded)  // the database a pass writes to
        try w.observe()
        try w.s.env.eventually("the background intake spawns", timeout: 60) { try liveByIssue(w)["github:acme/widgets#41"]?.count == 1 }
        let id = try #require(try liveByIssue(w)["github:acme/widgets#41"]?.first)

        w.server.expect(Self.list, times: nil, .json([Any](), etag: "\"v2\""))
        w.server.expect("/repos/acme/widgets/issues/41", times: nil, .json(GitHubFixtures.issue(number: 41, title: "From a pass", labels: ["ai"], state: "closed"), etag: "\"c\""))
        for _ in 0..<2 {
            let result = try intake(w)
            #expect(result.succeeded, "\(result)")
            #expect(try result.json()["closed"] as? [String] == [id])
        }
        #expect(try w.s.eventKinds(id).filter { $0 == "issue_closed" }.count == 1)
        #expect(try w.s.sql("SELECT count(*) FROM outbox WHERE topic = 'issue_closed'").trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try w.s.session(id)["terminated"] as? Bool == false)
        // The human hears it through ao.notify.command, from the next pass's outbox delivery.
        let log = w.s.env.root.appendingPathComponent("notifications.jsonl")
        try w.s.env.installScript("notify-me", "#!/bin/sh\ncat >> '\(log.path)'\n")
        try w.s.env.git(["config", "ao.notify.command", "notify-me"], in: w.s.repo)
        try w.s.env.git(["config", "ao.intake.enabled", "false"], in: w.s.repo)
        try w.observe()
        try w.s.env.eventually("the issue_closed notification", timeout: 30) { (w.s.env.read(log) ?? "").contains("\"issue_closed\"") }
        #expect((w.s.env.read(log) ?? "").contains("github:acme/widgets#41 was closed"))
        try w.expectNoTokenLeak([])
    }
}

/// Results collected from concurrent threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [RunResult?] = []
    func append(_ item: RunResult?) { lock.withLock { items.append(item) } }
    var all: [RunResult?] { lock.withLock { items } }
}
