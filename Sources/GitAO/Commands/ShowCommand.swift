import ArgumentParser
import Forge
import Lifecycle
import Platform
import TmuxRuntime

/// `git ao show <id>`: one session in full, with its recent events.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one session in full, with its recent events.",
        discussion: """
            With --screen[=n], prints instead the last n lines (default 40) of the agent's screen, \
            from tmux, without attaching: controls are shown as visible escapes (^[, <U+009B>), so \
            nothing the agent printed acts on this terminal. A session that is not running has no \
            screen: that is an error (SESSION_NOT_RUNNING).

            Progress (also in status -v and --json): commits ahead of and behind the base (the \
            base ref as it is now; the base commit recorded at spawn when that ref is gone), lines \
            added and removed since the merge base with it, committed and uncommitted (tracked \
            files, like git diff), and whether the worktree has uncommitted changes (tracked \
            changes, staged or not, or untracked files that are not ignored).
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption


    @Option(help: ArgumentHelp("How many recent events to show.", valueName: "n"))
    var events = 20

    /// The session and `--screen[=<n>]`, in any order. ArgumentParser has no option whose value
    /// may be left out, and it drops unknown options that come before a positional argument,
    /// so both are taken from one list of what it did not recognise; anything else is refused.
    @Argument(parsing: .allUnrecognized,
              help: ArgumentHelp("Session id, unique id prefix, or name; with --screen[=n], print the last n lines (default 40) of the agent's screen instead.",
                                 valueName: "id"))
    var words: [String] = []

    /// The session named, and the lines `--screen` asked for (nil without it).
    var request: (session: String, screenLines: Int?) {
        get throws {
            var lines: Int?
            var session: String?
            for word in words {
                if word == "--screen" { lines = ScreenTail.defaultLines; continue }
                if word.hasPrefix("--screen=") {
                    guard let n = Int(word.dropFirst("--screen=".count)), (1...ScreenTail.maxLines).contains(n) else {
                        throw ValidationError("--screen takes a number of lines from 1 to \(ScreenTail.maxLines), as --screen=40.")
                    }
                    lines = n
                    continue
                }
                if word.hasPrefix("-") { throw ValidationError("Unknown option '\(word)'.") }
                if let session { throw ValidationError("Give one session, not '\(session)' and '\(word)'.") }
                session = word
            }
            guard let session else { throw ValidationError("Missing expected argument '<id>'.") }
            return (session, lines)
        }
    }

    func validate() throws { _ = try request }

    func run() throws {
        try global.apply()
        let workspace = try Workspace.locate()
        let request = try request
        var session = try workspace.resolveSession(request.session)
        if let lines = request.screenLines {
            let screen = try ScreenTail.lines(of: session, count: lines)
            Console.out(screen.map { $0 + "\n" }.joined())
            return
        }
        var unreachable: String?
        if let store = try workspace.store() {
            // One session on its own: may start confirming a death, never conclude one.
            let refreshed = try workspace.storeCall { try RuntimeProbing.refresh([session], store: store, tmux: Tmux.locate(), scope: .singleSession) }
            session = refreshed.sessions[0]
            unreachable = RuntimeProbing.unreachableReasons(refreshed.outcome)[session.id]
        }
        let now = Clock.now()
        let conflict = (try? workspace.storeCall { try workspace.store()?.conflictPredictions()[session.id] }) ?? nil
        let predicted = conflict?.conflicting == true ? conflict : nil
        var status = DisplayStatus.of(session, now: now, conflictingPaths: predicted?.paths)
        if status.status == .unreachable, let unreachable { status.reason = unreachable + "; " + status.reason }
        let reviews = (try? workspace.store()?.reviewRuns(session: session.id)) ?? []
        let issue = (try? workspace.storeCall { try workspace.store()?.issueID(of: session.id) }) ?? nil
        let recent = try workspace.storeCall { try workspace.store()?.events(session: session.id, limit: max(0, events)) ?? [] }
        let progress = SessionProgress.of([session], aoDirectory: workspace.location.aoDirectory)[session.id]
        if output.json {
            struct Payload: Encodable {
                let version: Int
                let session: SessionView
                let events: [EventView]
            }
            Console.out(JSON.encode(Payload(version: 1, session: SessionView(session, now: now, includePrompt: true, unreachable: unreachable, conflict: conflict,
                                                             review: reviews.last.map(ReviewSummary.word), issue: issue, progress: progress),
                                            events: recent.map(EventView.init)), pretty: true) + "\n")
            return
        }
        let palette = Console.palette(config: { try? workspace.config() })
        var lines = [palette.bold("session \(session.id)") + (session.name.map { " (\(displaySafe($0)))" } ?? "")]
        func field(_ label: String, _ value: String) { lines.append("  " + (label + ":").padding(11) + value) }
        let beside = DisplayStatus.conflictBeside(status.status, session: session, conflicting: predicted != nil) ? ", conflict" : ""
        field("status", StatusModel.paint(status.status, status.status.name + beside, palette) + " - " + displaySafe(status.reason))
        field("axes", "runtime \(session.runtime.rawValue), activity \(session.activity?.rawValue ?? "none")" +
              (session.activitySince.map { " since \((now - $0).age(.compact)) ago" } ?? "") + (session.agentHasHooks ? ", reports its own activity" : ", judged by its screen"))
        field("branch", displaySafe("\(session.branch) (from \(session.baseRef) at \(session.baseSHA.short))"))
        if session.cleanedAt == nil { field("progress", displaySafe(SessionProgress.line(progress, session: session))) }
        field("worktree", displaySafe(session.worktreePath))
        field("agent", displaySafe(session.agent + (session.agentSessionID.map { " (agent session \($0))" } ?? "")))
        field("tmux", displaySafe(session.tmuxName + " on " + (session.tmuxSocket ?? "the caller's default server (not recorded yet)")))
        if let port = session.livePort { field("port", "\(port) (AO_PORT)") }
        if let issue { field("issue", displaySafe(issue)) }
        field("created", "\(isoTimestamp(session.createdAt)) (\((now - session.createdAt).age(.compact)) ago)")
        field("updated", "\(isoTimestamp(session.updatedAt)) (revision \(session.revision))")
        if let run = reviews.last {
            field("review", "\(ReviewSummary.word(run)) by \(displaySafe(run.reviewer)) at \(run.targetSHA.prefix(12)) (git ao review show \(run.id))")
        }
        if let cleaned = session.cleanedAt { field("cleaned", isoTimestamp(cleaned)) }
        if let prompt = session.prompt, !prompt.isEmpty {
            let first = prompt.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            field("prompt", displaySafe(String(first.prefix(100))) + (first.count > 100 || prompt.contains("\n") ? " ..." : ""))
        }
        if let predicted {
            field("conflict", displaySafe("with \(predicted.baseRef) in " + predicted.paths.joined(separator: ", ")))
        }
        if let pr = session.pr {
            // A finished PR's summary is its state: said once ("#31 merged: ..."), not twice.
            let summary = pr.summary ?? pr.displaySummary
            var text = "#\(pr.number) \(pr.state.rawValue)" + (summary == pr.state.rawValue ? "" : ", \(summary)") + ": CI \(pr.ci.rawValue), review \(pr.review.rawValue.replacingAll("_", with: " ")), "
            text += "mergeability \(pr.mergeability.rawValue)"
            if pr.humanThreads + pr.botThreads > 0 { text += ", \(pr.humanThreads) unresolved thread(s) + \(pr.botThreads) from bots" }
            field("pr", text)
            let stored = (try? workspace.storeCall { try workspace.store()?.pullRequestFacts(for: session.id) ?? [:] }) ?? [:]
            if let facts = stored[pr.number].flatMap(PullRequestFacts.decode) {
                // GitHub text: terminal controls (C1 included) removed before it reaches a terminal.
                if !facts.url.isEmpty { field("pr url", displaySafe(UntrustedText.inline(facts.url))) }
                for check in facts.checks where check.outcome != .passed && check.outcome != .skipped {
                    field("check", displaySafe(UntrustedText.inline("\(check.name): \(check.outcome.rawValue)" + (check.url.map { " \($0)" } ?? ""))))
                }
                for thread in facts.threads {
                    let first = thread.comments.first
                    let where_ = "\(thread.path):\(thread.line.map(String.init) ?? "?")" + (thread.outdated ? " (outdated)" : "")
                    let who = first.map { "@\($0.author)" + ($0.isBot ? " [bot]" : "") } ?? "?"
                    let body = String((first?.body ?? "").split(separator: "\n").first ?? "").prefix(80)
                    field("thread", displaySafe(UntrustedText.inline("\(where_) \(who): \(body)")))
                }
            }
        }
        if !recent.isEmpty {
            lines.append("")
            lines.append(palette.bold("recent events"))
            for event in recent { lines.append("  " + EventsRendering.line(event, palette: palette, withSession: false)) }
        }
        Console.out(lines.joined(separator: "\n") + "\n")
    }
}
