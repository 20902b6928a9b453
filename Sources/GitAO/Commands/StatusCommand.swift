import ArgumentParser
import Lifecycle
import Store

/// `git ao status` (also plain `git ao`): every session of the repository, in one table.
/// No network, and one tmux query for all sessions together.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the sessions of this repository.",
        discussion: """
            Lists sessions with their id, name, branch, agent, status and age. Ended sessions are \
            hidden unless --all is given. The status is derived when read: one tmux query checks \
            every session's tmux session; no network call is made.
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
        let sessions = try workspace.sessions()
        let live = sessions.filter { !$0.isTerminated }
        let probe: Tmux.Probe
        if live.isEmpty {
            pending?.cancel()
            probe = .listed([:])
        } else {
            probe = pending?.result() ?? .failed("tmux is not installed")
        }
        let shown = options.all ? sessions : live
        let rows = shown.map { StatusRow(session: $0, status: DisplayedStatus.of($0, runtime: RuntimeCheck.of($0, in: probe))) }
        let model = StatusModel(rows: rows, hidden: sessions.count - shown.count, now: Clock.now())
        if options.json {
            Console.out(model.json())
        } else if options.porcelain {
            Console.out(model.porcelain())
        } else {
            Console.out(model.human(verbose: options.verbose, palette: Console.palette(config: { try? workspace.config() })))
        }
    }
}

struct StatusRow {
    let session: Session
    let status: DisplayedStatus
}

/// What status shows, and its three renderings.
struct StatusModel {
    static let formatVersion = 1

    let rows: [StatusRow]
    let hidden: Int
    let now: Timestamp

    func json() -> String {
        struct Payload: Encodable {
            let version: Int
            let sessions: [SessionView]
            let hidden_terminated: Int
        }
        return JSON.encode(Payload(version: StatusModel.formatVersion,
                                   sessions: rows.map { SessionView($0.session, status: $0.status, includePrompt: false) },
                                   hidden_terminated: hidden), pretty: true) + "\n"
    }

    /// `# ao.version 1`, `# ao.sessions <shown> <hidden>`, then one record per session:
    /// `s <id> <status> <agent> <created-unix> <branch> <worktree> <name>`, with the worktree and
    /// the name C-quoted when they hold spaces, quotes, control or non-ASCII characters (`""` for none).
    func porcelain() -> String {
        var out = "# ao.version \(StatusModel.formatVersion)\n# ao.sessions \(rows.count) \(hidden)\n"
        for row in rows {
            let s = row.session
            out += "s \(s.id) \(row.status.status) \(s.agent) \(s.createdAt.seconds) \(s.branch) \(cQuoted(s.worktreePath)) \(cQuoted(s.name ?? ""))\n"
        }
        return out
    }

    func human(verbose: Bool, palette: Palette) -> String {
        if rows.isEmpty {
            var text = "No sessions."
            text += hidden > 0 ? " \(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all).\n" : " Start one with: git ao spawn --prompt '...'\n"
            return text
        }
        var table = TextTable(header: ["ID", "NAME", "BRANCH", "AGENT", "STATUS", "AGE"] + (verbose ? ["WORKTREE", "REASON"] : []))
        for row in rows {
            let s = row.session
            var cells = [s.id.rawValue, displaySafe(s.name ?? "-"), s.branch.rawValue, s.agent, row.status.status, compactAge(now - s.createdAt)]
            if verbose { cells += [s.worktreePath, row.status.reason] }
            table.rows.append(cells)
        }
        table.style = { r, c, text in
            guard c == 4 else { return c == 0 ? palette.bold(text) : text }
            return StatusModel.paint(self.rows[r].status.status, text, palette)
        }
        var out = table.render()
        if hidden > 0 { out += "\(hidden) ended session\(hidden == 1 ? "" : "s") hidden (git ao status --all)\n" }
        return out
    }

    static func paint(_ status: String, _ text: String, _ palette: Palette) -> String {
        switch status {
        case "working": return palette.green(text)
        case "needs_input", "stuck", "no_signal": return palette.yellow(text)
        case "detecting", "dead": return palette.red(text)
        case "terminated", "merged": return palette.dim(text)
        default: return palette.cyan(text)
        }
    }
}
