import ArgumentParser
import Lifecycle
import Platform
import Store
import TmuxRuntime

/// `git ao status` (also plain `git ao`): every session of the repository, in one table.
/// No network, and one tmux query for all sessions together.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the sessions of this repository.",
        discussion: """
            Lists sessions with their id, name, branch, agent, status and age. Ended sessions are \
            hidden unless --all is given. The status is derived when read: one tmux query checks \
            every session's tmux session; no network call is made. Where GitHub is observed, a line \
            says when it was last asked and when it will be asked next (ao.github.interval), from \
            the database.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Print stable, line-oriented records for scripts (see git-ao(1)).")
    var porcelain = false

    @Flag(name: .shortAndLong, help: "Add each session's worktree path and the reason behind its status.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Include ended sessions.")
    var all = false

    func validate() throws {
        if output.json && porcelain { throw ValidationError("--json and --porcelain cannot be combined.") }
    }

    var options: StatusOptions {
        StatusOptions(all: all, verbose: verbose, json: output.json, porcelain: porcelain)
    }

    func run() throws {
        try global.apply()
        try StatusAction.run(options)
    }
}

/// What `git ao status` was asked for: plain values, filled by ArgumentParser or, for the
/// common spellings, by the fast dispatcher (see FastPath).
struct StatusOptions: Equatable {
    var all = false
    var verbose = false
    var json = false
    var porcelain = false
}

enum StatusAction {
    static func run(_ options: StatusOptions) throws {
        let workspace = try Workspace.locate()
        // One tmux query for all sessions, started before the database is read so the two
        // overlap; dropped unanswered when nothing turns out to be live.
        let hasDatabase = fileExists(workspace.location.aoDirectory + "/" + StateStore.fileName)
        let pending = hasDatabase ? Tmux.locate()?.startListingSessions() : nil
        var sessions = try workspace.sessions()
        let probed = RuntimeProbing.probed(sessions)
        let now = Clock.now()
        if probed.isEmpty {
            pending?.cancel()
        } else if let pending, let store = try workspace.store() {
            // What the probe saw goes through the reducer, so status both shows and keeps the
            // truth (a vanished tmux session moves on to detecting, then to terminated). Keeping it
            // is opportunistic: when another process holds the database for more than a second,
            // or this user cannot write it, status shows what the probe saw without storing it.
            let (probes, tripped) = RuntimeProbing.probes(for: sessions, listing: pending.result())
            store.setBusyTimeout(seconds: 1)
            let unstored = { sessions.map { s in probes[s.id].map { Lifecycle.decide(s, .runtime($0), now).patch.applied(to: s) } ?? s } }
            if store.isReadOnly {
                sessions = unstored()
            } else {
                do {
                    sessions = try RuntimeProbing.apply(probes, to: sessions, store: store, now: now, breakerTripped: tripped).sessions
                } catch let error as StoreError where error.kind == .busy || error.kind == .conflict || error.kind == .readOnly {
                    sessions = unstored()
                }
            }
        }
        let shown = options.all ? sessions : sessions.filter { !$0.isTerminated }
        let github = hasDatabase ? ((try? workspace.store()?.forgeRepositoryStates()) ?? [:]) : [:]
        let conflicts = hasDatabase ? ((try? workspace.store()?.conflictPredictions()) ?? [:]) : [:]
        var model = StatusModel(sessions: shown, hidden: sessions.count - shown.count, now: now, github: github, conflicts: conflicts)
        if !github.isEmpty, let interval = try? workspace.config().timeSpan(ConfigKeys.githubInterval) { model.githubInterval = interval }
        if options.verbose && hasDatabase {
            for s in shown where !s.isTerminated {
                model.followers[s.id] = CIFollower.running(aoDirectory: workspace.location.aoDirectory, session: s.id)
            }
        }
        if !options.json && !options.porcelain {
            model.screenJudgments = ScreenJudgments.of(shown, workspace: workspace, now: now)
        }
        model.reviews = ReviewSummary.latest(store: try? workspace.store())
        if options.json {
            Console.out(model.json())
        } else if options.porcelain {
            Console.out(model.porcelain())
        } else {
            Console.out(model.human(verbose: options.verbose, palette: Console.palette(config: { try? workspace.config() })))
        }
    }
}

/// What status shows, and its three renderings.
struct StatusModel {
    static let formatVersion = 1

    let sessions: [Session]
    let hidden: Int
    let now: Timestamp
    /// What the screen said about screen-judged sessions; an old judgment is shown with its age.
    var screenJudgments: [SessionID: ScreenJudgments.Judgment] = [:]
    /// GitHub bookkeeping by repository, from the database (no network).
    var github: [String: ForgeRepositoryState] = [:]
    /// Local conflict predictions by session, from the database.
    var conflicts: [SessionID: ConflictPrediction] = [:]
    /// `ao.github.interval`, to say when GitHub will be asked next.
    var githubInterval: TimeSpan = .seconds(30)
    /// Running CI followers by session (status -v).
    var followers: [SessionID: Int32] = [:]

    /// One line per repository whose GitHub observation is impaired: a refused token, a rate
    /// limit, no token.
    func githubNotes() -> [String] {
        github.sorted { $0.key < $1.key }.compactMap { repository, state in
            if let since = state.tokenUnhealthySince {
                return "GitHub (\(repository)): the token was refused (401) \((now - since).age(.compact)) ago; observation resumes once a request with it succeeds (git ao doctor)."
            }
            if let until = state.rateLimitedUntil, until > now {
                return "GitHub (\(repository)): rate limited; asked again after \(isoTimestamp(until))."
            }
            if state.lastError == ForgeStep.noToken { return "GitHub (\(repository)): off, \(ForgeStep.noToken)." }
            return nil
        }
    }
    /// One line per repository GitHub is observed for and not impaired: when it was last asked and
    /// when it will be asked next. There is no daemon: "next" is the first observation pass (a git
    /// hook, an agent's hook, `observe`, `watch`, a CI follower) after that time.
    func githubSchedule() -> [String] {
        github.sorted { $0.key < $1.key }.compactMap { repository, state in
            guard state.tokenUnhealthySince == nil, state.lastError != ForgeStep.noToken,
                  !(state.rateLimitedUntil.map { $0 > now } ?? false), let last = state.lastPollAt,
                  let next = state.nextPollAt(interval: githubInterval) else { return nil }
            let every = max(githubInterval, state.pollInterval ?? githubInterval)
            let ago = last <= now ? "\((now - last).age(.compact)) ago" : "at \(isoTimestamp(last))"
            let when = next <= now ? "by the next observation pass" : "by the first observation pass after \(isoTimestamp(next))"
            let seconds = every.seconds
            let period = seconds >= 60 && seconds % 60 == 0 ? "\(seconds / 60) min" : "\(seconds) s"
            return "GitHub (\(repository)): asked \(ago); asked again \(when) (every \(period))."
        }
    }

    /// The latest review of each session that has one (`ReviewSummary`).
    var reviews: [SessionID: String] = [:]

    private func display(_ s: Session) -> (status: DisplayStatus, reason: String) {
        DisplayStatus.of(s, now: now, conflictingPaths: conflicts[s.id].flatMap { $0.conflicting ? $0.paths : nil })
    }

    func json() -> String {
        struct GitHubView: Encodable {
            let repository: String
            let token_unhealthy_since: String?
            let rate_limited_until: String?
            let last_poll_at: String?
            let next_poll_at: String?
            let last_error: String?
        }
        struct Payload: Encodable {
            let version: Int
            let sessions: [SessionView]
            let hidden_terminated: Int
            let github: [GitHubView]
        }
        let githubViews = github.sorted { $0.key < $1.key }.map { repository, state in
            GitHubView(repository: repository, token_unhealthy_since: state.tokenUnhealthySince.map(isoTimestamp),
                       rate_limited_until: state.rateLimitedUntil.map(isoTimestamp), last_poll_at: state.lastPollAt.map(isoTimestamp),
                       next_poll_at: state.nextPollAt(interval: githubInterval).map(isoTimestamp), last_error: state.lastError)
        }
        return JSON.encode(Payload(version: StatusModel.formatVersion,
                                   sessions: sessions.map { SessionView($0, now: now, includePrompt: false, conflict: conflicts[$0.id], review: reviews[$0.id]) },
                                   hidden_terminated: hidden, github: githubViews), pretty: true) + "\n"
    }

    /// `# ao.version 1`, `# ao.sessions <shown> <hidden>`, then one record per session:
    /// `s <id> <status> <agent> <created-unix> <branch> <worktree> <name>`, with the worktree and
    /// the name C-quoted when they hold spaces, quotes, control or non-ASCII characters (`""` for none).
    func porcelain() -> String {
        var out = "# ao.version \(StatusModel.formatVersion)\n# ao.sessions \(sessions.count) \(hidden)\n"
        for s in sessions {
            out += "s \(s.id) \(display(s).status.name) \(s.agent) \(s.createdAt.seconds) \(s.branch) \(cQuoted(s.worktreePath)) \(cQuoted(s.name ?? ""))\n"
        }
        return out
    }

    func human(verbose: Bool, palette: Palette) -> String {
        if sessions.isEmpty {
            var text = "No sessions."
            text += hidden > 0 ? " \(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all).\n" : " Start one with: git ao spawn --prompt '...'\n"
            return text
        }
        let withPR = sessions.contains { $0.pr != nil }
        // The verdict column (the review loop on each commit) appears once some session has a review.
        let withReviews = sessions.contains { reviews[$0.id] != nil }
        var table = TextTable(header: ["ID", "NAME", "BRANCH", "AGENT", "STATUS", "AGE"] + (withPR ? ["PR", "CI", "REVIEW"] : [])
                                  + (withReviews ? ["VERDICT"] : []) + (verbose ? ["WORKTREE", "REASON"] : []))
        let displayed = sessions.map(display)
        for (s, shown) in zip(sessions, displayed) {
            // Only a status that comes from the screen carries its age (a PR's status does not).
            let judged = [.working, .idle, .needsInput].contains(shown.status) ? screenJudgments[s.id] : nil
            var cells = [s.id.rawValue, displaySafe(s.name ?? "-"), displaySafe(s.branch.rawValue), s.agent,
                         shown.status.name + (judged?.stale == true ? "?" : ""), (now - s.createdAt).age(.compact)]
            if withPR { cells += StatusModel.prCells(s.pr) }
            if withReviews { cells.append(reviews[s.id] ?? "-") }
            if verbose { cells += [s.worktreePath, (judged?.reason ?? shown.reason) + (followers[s.id].map { "; following CI (pid \($0))" } ?? "")] }
            table.rows.append(cells)
        }
        table.style = { r, c, text in
            guard c == 4 else { return c == 0 ? palette.bold(text) : text }
            return StatusModel.paint(displayed[r].status, text, palette)
        }
        var out = table.render()
        for note in githubNotes() { out += displaySafe(note) + "\n" }
        for line in githubSchedule() { out += displaySafe(line) + "\n" }
        if hidden > 0 { out += "\(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all)\n" }
        return out
    }

    /// PR, CI and REVIEW cells: `#12`, `failing`, `changes (2)`; `-` where nothing is known.
    static func prCells(_ pr: PRStatus?) -> [String] {
        guard let pr else { return ["-", "-", "-"] }
        let number = "#\(pr.number)" + (pr.mergeability == .conflicting ? " conflict" : "")
        let ci = pr.ci == .none ? "-" : pr.ci.rawValue
        var review: String
        switch pr.review {
        case .none: review = "-"
        case .approved: review = "approved"
        case .changesRequested: review = "changes"
        case .reviewRequired: review = "required"
        }
        let threads = pr.humanThreads + pr.botThreads
        if threads > 0 { review += " (\(threads) thread\(threads == 1 ? "" : "s"))" }
        return [number, ci, review]
    }

    static func paint(_ status: DisplayStatus, _ text: String, _ palette: Palette) -> String {
        switch status {
        case .working: return palette.green(text)
        case .needsInput, .stuck: return palette.yellow(text)
        case .detecting, .unreachable, .noSignal: return palette.red(text)
        case .terminated, .merged: return palette.dim(text)
        case .pr, .idle, .spawning, .starting, .done: return palette.cyan(text)
        }
    }
}
