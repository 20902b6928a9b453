import Lifecycle
import Platform
import Store
import Worktree

/// What status shows, and its three renderings.
struct StatusModel {
    static let formatVersion = 1

    let sessions: [Session]
    let hidden: Int
    let now: Timestamp
    /// Why the probe could not answer, for sessions shown as unreachable.
    var unreachable: [SessionID: String] = [:]
    /// What the screen said about screen-judged sessions; an old judgment is shown with its age.
    var screenJudgments: [SessionID: ScreenJudgments.Judgment] = [:]
    /// GitHub bookkeeping by repository, from the database (no network).
    var github: [String: ForgeRepositoryState] = [:]
    /// Local conflict predictions by session, from the database.
    var conflicts: [SessionID: ConflictPrediction] = [:]
    /// The GitHub issue of each intake (or spawn --issue) session.
    var issues: [SessionID: String] = [:]
    /// Issue intake per GitHub repository (a backoff is worth a line).
    var intake: [String: IntakeRepositoryState] = [:]
    /// `ao.github.interval`, to say when GitHub will be asked next.
    var githubInterval: TimeSpan = .seconds(30)
    /// Running CI followers by session (status -v).
    var followers: [SessionID: Int32] = [:]
    /// Progress against the base by session (status -v and --json).
    var progress: [SessionID: WorktreeProgress] = [:]

    /// One line per repository whose GitHub observation is impaired: a refused token, a rate
    /// limit, no token.
    /// One note per repository with a GitHub problem, the most recent problem first: the
    /// latest poll's failure (a rate limit, an HTTP error, malformed JSON), with the age of the
    /// PR, CI and review facts shown; then a refused token still marked, if that is older news.
    func githubNotes() -> [String] {
        github.sorted { $0.key < $1.key }.flatMap { repository, state -> [String] in
            if state.lastError == ForgeStep.noToken { return ["GitHub (\(repository)): off, \(ForgeStep.noToken)."] }
            let facts = state.lastSuccessAt.map { "PR, CI and review facts shown are from \((now - $0).age(.compact)) ago" }
                ?? "PR, CI and review facts shown are from before it"
            let refused = state.tokenUnhealthySince.map {
                "GitHub (\(repository)): the token was refused (401) \((now - $0).age(.compact)) ago; observation resumes once a request with it succeeds (git ao doctor)."
            }
            var notes: [String] = []
            var latestIsRefusal = false
            if let until = state.rateLimit(at: now) {
                notes.append("GitHub (\(repository)): rate limited; asked again after \(isoTimestamp(until)); \(facts).")
            } else if let error = state.lastError {
                latestIsRefusal = state.tokenUnhealthySince != nil && error.contains("(401)")
                if latestIsRefusal, let refused { notes.append(refused) } else if let since = state.pollInFlightSince {
                    // The error on record is not the answer of the poll under way: it is dated to
                    // the poll that had it.
                    let before = state.lastResultAt.map { ", \(StatusModel.ago($0, now))," } ?? ""
                    notes.append("GitHub (\(repository)): a poll started \(StatusModel.ago(since, now)) has not finished; "
                                 + "the poll before it\(before) failed: \(error); \(facts).")
                } else {
                    // Dated by the request that had the error (a CI follower's is not the last claim's).
                    let when = (state.lastResultAt ?? state.lastPollAt).map { " \(StatusModel.ago($0, now))" } ?? ""
                    notes.append("GitHub (\(repository)): the last poll\(when) failed: \(error); \(facts).")
                }
            }
            if !latestIsRefusal, let refused { notes.append(refused) }
            return notes
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
            let ago = StatusModel.ago(last, now) + (state.pollInFlightSince != nil ? ", no answer recorded yet" : "")
            let when = next <= now ? "by the next observation pass" : "by the first observation pass after \(isoTimestamp(next))"
            return "GitHub (\(repository)): asked \(ago); asked again \(when) (every \(every.period))."
        }
    }

    /// "3s ago", or the time itself when it is ahead of `now` (a clock set back).
    static func ago(_ time: Timestamp, _ now: Timestamp) -> String {
        time <= now ? "\((now - time).age(.compact)) ago" : "at \(isoTimestamp(time))"
    }

    /// The latest review of each session that has one (`ReviewSummary`).
    var reviews: [SessionID: String] = [:]

    /// One line per repository whose issue intake is backing off.
    func intakeNotes() -> String {
        var out = ""
        for (repository, state) in intake.sorted(by: { $0.key < $1.key }) {
            guard let until = state.backoffUntil, until > now else { continue }
            out += displaySafe("Intake (\(repository)): backing off until \(isoTimestamp(until))" + (state.lastError.map { " after: \($0)" } ?? "") + ".") + "\n"
        }
        return out
    }

    private func conflictBeside(_ s: Session, _ status: DisplayStatus) -> Bool {
        DisplayStatus.conflictBeside(status, session: s, conflicting: conflicts[s.id]?.conflicting == true)
    }

    private func display(_ s: Session) -> (status: DisplayStatus, reason: String) {
        let shown = DisplayStatus.of(s, now: now, conflictingPaths: conflicts[s.id].flatMap { $0.conflicting ? $0.paths : nil })
        if shown.status == .unreachable, let why = unreachable[s.id] { return (shown.status, why + "; " + shown.reason) }
        return shown
    }

    func json() -> String {
        struct GitHubView: Encodable {
            let repository: String
            let token_unhealthy_since: String?
            let rate_limited_until: String?
            let last_poll_at: String?
            let next_poll_at: String?
            let last_error: String?
            /// When the poll that `last_error` belongs to was made (null in a database from
            /// before this was kept).
            let last_result_at: String?
            /// A poll claimed and not finished (or killed): `last_error` is the earlier poll's.
            let poll_in_flight_since: String?
        }
        struct IntakeView: Encodable {
            let repository: String
            let last_run_at: String?
            let backoff_until: String?
            let last_error: String?
        }
        struct Payload: Encodable {
            let version: Int
            let sessions: [SessionView]
            let hidden_terminated: Int
            let github: [GitHubView]
            let intake: [IntakeView]
        }
        let githubViews = github.sorted { $0.key < $1.key }.map { repository, state in
            GitHubView(repository: repository, token_unhealthy_since: state.tokenUnhealthySince.map(isoTimestamp),
                       rate_limited_until: state.rateLimitedUntil.map(isoTimestamp), last_poll_at: state.lastPollAt.map(isoTimestamp),
                       next_poll_at: state.nextPollAt(interval: githubInterval).map(isoTimestamp), last_error: state.lastError,
                       last_result_at: state.lastResultAt.map(isoTimestamp), poll_in_flight_since: state.pollInFlightSince.map(isoTimestamp))
        }
        return JSON.encode(Payload(version: StatusModel.formatVersion,
                                   sessions: sessions.map { SessionView($0, now: now, includePrompt: false, unreachable: unreachable[$0.id], conflict: conflicts[$0.id], review: reviews[$0.id], issue: issues[$0.id], progress: progress[$0.id]) },
                                   hidden_terminated: hidden, github: githubViews,
                                   intake: intake.sorted { $0.key < $1.key }.map { repository, state in
                                       IntakeView(repository: repository, last_run_at: state.lastRunAt.map(isoTimestamp),
                                                  backoff_until: state.backoffUntil.flatMap { $0 > now ? isoTimestamp($0) : nil }, last_error: state.lastError)
                                   }), pretty: true) + "\n"
    }

    /// `# ao.version 1`, `# ao.sessions <shown> <hidden>`, then one record per session:
    /// `s <id> <status> <agent> <created-unix> <branch> <worktree> <name>`, with the worktree and
    /// the name C-quoted when they hold spaces, quotes, control or non-ASCII characters (`""` for none).
    func porcelain() -> String {
        var out = "# ao.version \(StatusModel.formatVersion)\n# ao.sessions \(sessions.count) \(hidden)\n"
        for s in sessions {
            out += "s \(s.id) \(display(s).status.name) \(cQuoted(s.agent)) \(s.createdAt.seconds) \(cQuoted(s.branch.rawValue)) \(cQuoted(s.worktreePath)) \(cQuoted(s.name ?? ""))\n"
        }
        return out
    }

    /// The widest a name and a branch are shown on a terminal.
    static let nameWidth = 24
    static let branchWidth = 40

    /// `text` cut to `width` characters, the last one an ellipsis, when it is longer.
    static func ellipsized(_ text: String, _ width: Int) -> String {
        text.count > width ? String(text.prefix(width - 1)) + "…" : text
    }

    func human(verbose: Bool, palette: Palette, truncate: Bool = false) -> String {
        if sessions.isEmpty {
            var text = "No sessions."
            text += hidden > 0 ? " \(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all).\n" : " Start one with: git ao spawn --prompt '...'\n"
            return text + intakeNotes()
        }
        let withPR = sessions.contains { $0.pr != nil }
        // The verdict column (the review loop on each commit) appears once some session has a review.
        let withReviews = sessions.contains { reviews[$0.id] != nil }
        var table = TextTable(header: ["ID", "NAME", "BRANCH", "AGENT", "STATUS", "AGE"] + (withPR ? ["PR", "CI", "REVIEW"] : [])
                                  + (withReviews ? ["VERDICT"] : []) + (verbose ? ["PROGRESS", "WORKTREE", "REASON"] : []))
        let displayed = sessions.map(display)
        for (s, shown) in zip(sessions, displayed) {
            // Only a status that comes from the screen carries its age (a PR's status does not).
            let judged = [.working, .idle, .needsInput].contains(shown.status) ? screenJudgments[s.id] : nil
            let name = displaySafe(s.name ?? "-")
            let branch = displaySafe(s.branch.rawValue)
            var cells = [s.id.rawValue, truncate ? StatusModel.ellipsized(name, StatusModel.nameWidth) : name,
                         truncate ? StatusModel.ellipsized(branch, StatusModel.branchWidth) : branch, displaySafe(s.agent),
                         shown.status.name + (judged?.stale == true ? "?" : "") + (conflictBeside(s, shown.status) ? ", conflict" : ""),
                         (now - s.createdAt).age(.compact)]
            if withPR { cells += StatusModel.prCells(s.pr) }
            if withReviews { cells.append(reviews[s.id] ?? "-") }
            if verbose { cells += [SessionProgress.cell(progress[s.id]), displaySafe(s.worktreePath), displaySafe(judged?.reason ?? shown.reason) + (followers[s.id].map { "; following CI (pid \($0))" } ?? "")
                                               + (issues[s.id].map { "; issue \(displaySafe($0))" } ?? "")] }
            table.rows.append(cells)
        }
        table.style = { r, c, text in
            guard c == 4 else { return c == 0 ? palette.bold(text) : text }
            return StatusModel.paint(displayed[r].status, text, palette)
        }
        var out = table.render()
        for note in githubNotes() { out += displaySafe(note) + "\n" }
        out += intakeNotes()
        for line in githubSchedule() { out += displaySafe(line) + "\n" }
        if hidden > 0 { out += "\(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all)\n" }
        return out
    }

    /// PR, CI and REVIEW cells: `#12`, `failing`, `changes (2)`; `-` where nothing is known.
    /// The PR cell names every state but open (`#12 draft, conflict`, `#12 merged`): the CI and
    /// review cells alone would make a finished or draft PR read like an open one.
    static func prCells(_ pr: PRStatus?) -> [String] {
        guard let pr else { return ["-", "-", "-"] }
        var words: [String] = []
        switch pr.state {
        case .open: break
        case .draft, .merged, .closed: words.append(pr.state.rawValue)
        }
        // A finished PR's mergeability is GitHub's last word before it ended, not a conflict to fix.
        if pr.isOpen && pr.mergeability == .conflicting { words.append("conflict") }
        let number = "#\(pr.number)" + (words.isEmpty ? "" : " " + words.joined(separator: ", "))
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
