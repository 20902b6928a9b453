/// The schema, as a list of named migrations.
///
/// Append-only: a shipped migration is never edited, renamed or reordered (a test freezes the
/// names). Each runs in its own transaction and records its name; `PRAGMA user_version` holds
/// how many have run, so opening an up-to-date database costs one pragma read.
enum Migrations {
    struct Migration {
        let name: String
        let sql: String
    }

    static let all: [Migration] = [
        Migration(name: "0001_sessions_and_events", sql: """
            CREATE TABLE sessions (
                id               TEXT PRIMARY KEY,
                name             TEXT,
                branch           TEXT NOT NULL,
                branch_created   INTEGER NOT NULL DEFAULT 0,
                base_ref         TEXT NOT NULL,
                base_sha         TEXT NOT NULL,
                worktree_path    TEXT NOT NULL,
                agent            TEXT NOT NULL,
                prompt           TEXT,
                tmux_name        TEXT NOT NULL,
                agent_session_id TEXT,
                created_at       INTEGER NOT NULL,
                updated_at       INTEGER NOT NULL,
                revision         INTEGER NOT NULL DEFAULT 1,
                state            TEXT NOT NULL,
                terminal         INTEGER NOT NULL DEFAULT 0,
                terminal_reason  TEXT,
                cleaned_at       INTEGER,
                spawn_pid        INTEGER
            );
            -- A name is a handle for commands, so two live sessions may not share one.
            CREATE UNIQUE INDEX sessions_live_name ON sessions(name) WHERE name IS NOT NULL AND terminal = 0;
            CREATE TABLE events (
                seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id TEXT NOT NULL,
                at         INTEGER NOT NULL,
                kind       TEXT NOT NULL,
                revision   INTEGER NOT NULL,
                data       TEXT
            );
            CREATE INDEX events_by_session ON events(session_id, seq);
            """),
        Migration(name: "0002_lifecycle_axes_outbox_notifications", sql: """
            ALTER TABLE sessions ADD COLUMN runtime TEXT NOT NULL DEFAULT 'unknown';
            ALTER TABLE sessions ADD COLUMN activity TEXT;
            ALTER TABLE sessions ADD COLUMN activity_since INTEGER;
            ALTER TABLE sessions ADD COLUMN last_signal_at INTEGER;
            ALTER TABLE sessions ADD COLUMN launched_at INTEGER;
            ALTER TABLE sessions ADD COLUMN detecting_since INTEGER;
            ALTER TABLE sessions ADD COLUMN detecting_hash TEXT;
            ALTER TABLE sessions ADD COLUMN detecting_attempts INTEGER;
            ALTER TABLE sessions ADD COLUMN pr_number INTEGER;
            ALTER TABLE sessions ADD COLUMN pr_state TEXT;
            ALTER TABLE sessions ADD COLUMN pr_summary TEXT;
            ALTER TABLE sessions ADD COLUMN agent_has_hooks INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE sessions ADD COLUMN head_sha TEXT;
            -- Sessions spawned before this migration were running as far as anyone knew.
            UPDATE sessions SET runtime = 'alive', launched_at = updated_at WHERE terminal = 0 AND state != 'not_started';
            -- Effects of stored changes, delivered after the change commits (at least once).
            CREATE TABLE outbox (
                id           INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id   TEXT NOT NULL,
                created_at   INTEGER NOT NULL,
                kind         TEXT NOT NULL,
                topic        TEXT,
                body         TEXT,
                reason       TEXT,
                event_seq    INTEGER,
                delivered_at INTEGER,
                attempts     INTEGER NOT NULL DEFAULT 0,
                last_error   TEXT
            );
            CREATE INDEX outbox_pending ON outbox(delivered_at, session_id);
            -- Open notifications, at most one per (session, kind).
            CREATE TABLE notifications (
                session_id TEXT NOT NULL,
                kind       TEXT NOT NULL,
                opened_at  INTEGER NOT NULL,
                closed_at  INTEGER,
                message    TEXT
            );
            CREATE UNIQUE INDEX notifications_open ON notifications(session_id, kind) WHERE closed_at IS NULL;
            -- What the screen heuristic saw last, for agents that report no activity themselves.
            CREATE TABLE screen_memory (
                session_id       TEXT PRIMARY KEY,
                hash             TEXT NOT NULL,
                unchanged_passes INTEGER NOT NULL,
                at               INTEGER NOT NULL
            );
            """),
        Migration(name: "0003_worktree_setup_session_port", sql: """
            -- A session's own port from ao.portRange (AO_PORT).
            ALTER TABLE sessions ADD COLUMN port INTEGER;
            -- Two live sessions never hold the same port, even when two spawns race.
            CREATE UNIQUE INDEX sessions_live_port ON sessions(port) WHERE port IS NOT NULL AND terminal = 0;
            """),
        Migration(name: "0004_forge_github_etags_facts_reactions", sql: """
            -- The PR axis of a session, beyond number and state: what status and show display.
            ALTER TABLE sessions ADD COLUMN pr_head_sha TEXT;
            ALTER TABLE sessions ADD COLUMN pr_ci TEXT;
            ALTER TABLE sessions ADD COLUMN pr_review TEXT;
            ALTER TABLE sessions ADD COLUMN pr_mergeability TEXT;
            ALTER TABLE sessions ADD COLUMN pr_human_threads INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE sessions ADD COLUMN pr_bot_threads INTEGER NOT NULL DEFAULT 0;
            -- GitHub REST responses with the ETags that validate them, shared by every process.
            CREATE TABLE forge_etags (
                url       TEXT PRIMARY KEY,
                etag      TEXT NOT NULL,
                body      TEXT NOT NULL,
                next_url  TEXT,
                stored_at INTEGER NOT NULL
            );
            -- Per GitHub repository: when it was last polled, when GitHub may be asked again
            -- after a rate limit, and the sticky mark of a token GitHub refused.
            CREATE TABLE forge_repositories (
                repository         TEXT PRIMARY KEY,
                last_poll_at       INTEGER,
                poll_interval_ms   INTEGER,
                rate_limited_until INTEGER,
                token_unhealthy_at INTEGER,
                last_error         TEXT
            );
            -- Everything last learned about each pull request of a session (Forge's JSON form).
            CREATE TABLE forge_pr_facts (
                session_id  TEXT NOT NULL,
                number      INTEGER NOT NULL,
                facts       TEXT NOT NULL,
                observed_at INTEGER NOT NULL,
                PRIMARY KEY (session_id, number)
            );
            -- Reactions sent to agents: the signature of the fact behind each, so the same fact is
            -- never sent twice, and how many were sent (the review nudge cap).
            CREATE TABLE forge_reactions (
                session_id TEXT NOT NULL,
                kind       TEXT NOT NULL,
                subject    TEXT NOT NULL,
                signature  TEXT NOT NULL,
                sent_count INTEGER NOT NULL DEFAULT 0,
                at         INTEGER NOT NULL,
                PRIMARY KEY (session_id, kind, subject)
            );
            -- The last local merge of a session's branch with its base (git merge-tree), redone
            -- only when either side moves.
            CREATE TABLE conflict_predictions (
                session_id  TEXT PRIMARY KEY,
                head_sha    TEXT NOT NULL,
                base_sha    TEXT NOT NULL,
                base_ref    TEXT NOT NULL,
                conflicting INTEGER NOT NULL,
                paths       TEXT NOT NULL,
                at          INTEGER NOT NULL
            );
            """),
        Migration(name: "0005_runtime_identity_tmux_socket", sql: """
            -- The tmux server a session runs on is part of its identity (issue 7, item 1).
            -- NULL for older sessions: the caller's default server is asked, and recorded once seen.
            ALTER TABLE sessions ADD COLUMN tmux_socket TEXT;
            """),
        Migration(name: "0006_review_loop_runs", sql: """
            -- One row per (session, reviewer): the debounce claim of the latest commit, and how many
            -- review nudges reached the worker (the cap).
            CREATE TABLE review (
                session_id    TEXT NOT NULL,
                reviewer      TEXT NOT NULL,
                pending_sha   TEXT,
                pending_token TEXT,
                pending_at    INTEGER,
                created_at    INTEGER NOT NULL,
                PRIMARY KEY (session_id, reviewer)
            );
            -- One row per review of one commit. `reviewer` is 'agent:<name>' or 'command'.
            -- Room is left for the GitHub side (a posted review's id, a post error) as new columns.
            CREATE TABLE review_run (
                id            INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id    TEXT NOT NULL,
                reviewer      TEXT NOT NULL,
                branch        TEXT NOT NULL,
                target_sha    TEXT NOT NULL,
                base_sha      TEXT NOT NULL,
                status        TEXT NOT NULL,
                verdict       TEXT,
                body          TEXT,
                note          TEXT,
                log_path      TEXT,
                worktree_path TEXT,
                process_group INTEGER,
                created_at    INTEGER NOT NULL,
                updated_at    INTEGER NOT NULL,
                completed_at  INTEGER,
                delivered_at  INTEGER
            );
            -- Dedupe across concurrent hook processes: one running or approved run per
            -- (session, reviewer, sha).
            CREATE UNIQUE INDEX review_run_dedupe ON review_run(session_id, reviewer, target_sha)
                WHERE status = 'running' OR verdict = 'approved';
            CREATE INDEX review_run_by_session ON review_run(session_id, id);
            -- A session's own agent reviewer (spawn --review-agent), first in the reviewer order.
            CREATE TABLE review_override (
                session_id TEXT PRIMARY KEY,
                agent      TEXT NOT NULL
            );
            """),
        Migration(name: "0007_intake_issue_sessions_backoff", sql: """
            -- The GitHub issue a session works on (github:owner/repo#N). At most one live session
            -- per issue: two intake runs at once cannot both spawn for it.
            ALTER TABLE sessions ADD COLUMN issue_id TEXT;
            CREATE UNIQUE INDEX sessions_live_issue ON sessions(issue_id) WHERE issue_id IS NOT NULL AND terminal = 0;
            -- Per repository: when intake last ran (the poll interval), and until when it backs off
            -- after a failure to list issues or to spawn.
            CREATE TABLE intake_repositories (
                repository    TEXT PRIMARY KEY,
                last_run_at   INTEGER,
                backoff_until INTEGER,
                last_error    TEXT
            );
            -- Issues a human allowed to be spawned again (git ao intake --retry N); used up by the spawn.
            CREATE TABLE intake_retries (
                issue_id   TEXT PRIMARY KEY,
                granted_at INTEGER NOT NULL
            );
            -- Issues whose closing was already notified, so the human hears it once per session.
            CREATE TABLE intake_closed_notices (
                session_id TEXT PRIMARY KEY,
                issue_id   TEXT NOT NULL,
                at         INTEGER NOT NULL
            );
            """),
        Migration(name: "0008_forge_last_success_surface", sql: """
            -- When a GitHub poll of the repository last succeeded: the age of the PR, CI and
            -- review facts that status shows while later polls fail.
            ALTER TABLE forge_repositories ADD COLUMN last_success_at INTEGER;
            """),
        Migration(name: "0009_forge_gaps_review_run_github_post", sql: """
            -- A verdict posted to the session's pull request (ao.review.post): the GitHub review id
            -- it became, or why posting failed. One row per review run; the verdict itself stays
            -- in review_run whatever happens here.
            CREATE TABLE review_run_github_post (
                run_id           INTEGER PRIMARY KEY,
                repository       TEXT NOT NULL,
                pr_number        INTEGER NOT NULL,
                github_review_id INTEGER,
                error            TEXT,
                at               INTEGER NOT NULL
            );
            """),
        Migration(name: "0010_review_run_running_watchdog_index", sql: """
            -- Every observation pass looks for running review runs whose reviewer is gone or
            -- past ao.review.timeout: only the running ones are indexed.
            CREATE INDEX review_run_running ON review_run(id) WHERE status = 'running';
            """),
        Migration(name: "0011_forge_configured_interval_for_status", sql: """
            -- ao.github.interval as the latest pass read it, so status says when GitHub is asked
            -- next without running git config on every call.
            ALTER TABLE forge_repositories ADD COLUMN configured_interval_ms INTEGER;
            """),
        Migration(name: "0012_forge_poll_result_at_in_flight", sql: """
            -- The claim time (last_poll_at) of the poll whose outcome last_error and last_success_at
            -- record. A last_poll_at after it is a poll still in flight (or killed before it
            -- finished): status then dates the error on record to the poll that had it.
            ALTER TABLE forge_repositories ADD COLUMN last_result_at INTEGER;
            """),
    ]
}
