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
            Lists sessions with their id, name, branch, agent, status and age; -v adds each \
            session's progress (commits ahead of and behind its base, lines added and removed since \
            the merge base, committed and uncommitted, and whether it has uncommitted changes), its \
            worktree and the reason behind its status. Ended sessions are \
            hidden unless --all is given; cleaned ones are not listed (git ao events and git ao show \
            keep their history). The status is derived when read: one tmux query per tmux \
            server checks every session on the server it was spawned on (whatever TMUX or \
            TMUX_TMPDIR say here); no network call is made. A session whose server cannot be asked \
            shows as unreachable, with the reason (-v); it is never taken for dead. Where GitHub is observed, a line \
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
        // One tmux query per server, the caller's default one started before the database is
        // read so the two overlap; dropped unanswered when nothing turns out to be live there.
        let hasDatabase = fileExists(workspace.location.aoDirectory + "/" + StateStore.fileName)
        let tmux = hasDatabase ? Tmux.locate() : nil
        let speculative = tmux?.on(socket: Tmux.resolvedDefaultSocketPath()).startListingSessions()
        var sessions = try workspace.sessions()
        let now = Clock.now()
        var reasons: [SessionID: String] = [:]
        if RuntimeProbing.probed(sessions).isEmpty {
            speculative?.cancel()
        } else if let store = try workspace.store() {
            // What the probes saw goes through the reducer, so status both shows and keeps the
            // truth (a vanished tmux session moves on to detecting, then to terminated). Keeping it
            // is opportunistic: when another process holds the database for more than a second,
            // status shows what the probe saw without storing it; so it does when this user cannot
            // write the database.
            let pending = RuntimeProbing.startListings(for: sessions, tmux: tmux, reuse: speculative)
            let outcome = RuntimeProbing.probes(for: sessions, listings: RuntimeProbing.collect(pending))
            reasons = RuntimeProbing.unreachableReasons(outcome)
            store.setBusyTimeout(seconds: 1)
            if store.isReadOnly {
                sessions = RuntimeProbing.preview(outcome, to: sessions, now: now, scope: .fullPass)
            } else {
                do {
                    sessions = try RuntimeProbing.apply(outcome, to: sessions, store: store, now: now, scope: .fullPass).sessions
                } catch let error as StoreError where error.kind == .busy || error.kind == .conflict || error.kind == .readOnly {
                    sessions = RuntimeProbing.preview(outcome, to: sessions, now: now, scope: .fullPass)
                }
            }
        }
        // A cleaned session has no worktree, branch or tmux session left: it is history, which
        // `git ao events` and `git ao show` keep, not something to list even with --all.
        let listed = sessions.filter { $0.cleanedAt == nil }
        let shown = options.all ? listed : listed.filter { !$0.isTerminated }
        let github = hasDatabase ? ((try? workspace.store()?.forgeRepositoryStates()) ?? [:]) : [:]
        let conflicts = hasDatabase ? ((try? workspace.store()?.conflictPredictions()) ?? [:]) : [:]
        var model = StatusModel(sessions: shown, hidden: listed.count - shown.count, now: now, unreachable: reasons, github: github, conflicts: conflicts)
        model.issues = hasDatabase ? ((try? workspace.store()?.issueIDs()) ?? [:]) : [:]
        model.intake = hasDatabase ? ((try? workspace.store()?.intakeStates()) ?? [:]) : [:]
        // As the latest pass read it: status itself never runs git config for this.
        if let interval = github.values.compactMap(\.configuredInterval).max() { model.githubInterval = interval }
        if options.verbose && hasDatabase {
            for s in shown where !s.isTerminated {
                model.followers[s.id] = CIFollower.running(aoDirectory: workspace.location.aoDirectory, session: s.id)
            }
        }
        // Progress costs a status scan of each worktree (its history walk and diff are cached):
        // paid by -v and --json, which show it, never by the plain table or porcelain.
        if options.verbose || options.json {
            model.progress = SessionProgress.of(shown, aoDirectory: workspace.location.aoDirectory)
        }
        if !options.json && !options.porcelain {
            model.screenJudgments = ScreenJudgments.of(shown, workspace: workspace, now: now, withReasons: options.verbose)
        }
        model.reviews = ReviewSummary.latest(store: try? workspace.store())
        if options.json {
            Console.out(model.json())
        } else if options.porcelain {
            Console.out(model.porcelain())
        } else {
            // On a terminal, long names and branches are cut with an ellipsis so the table keeps its
            // shape; piped output keeps them whole.
            Console.out(model.human(verbose: options.verbose, palette: Console.palette(config: { try? workspace.config() }),
                                    truncate: Console.stdoutIsTerminal))
        }
    }
}
