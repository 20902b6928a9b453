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
        Migration(name: "0003_runtime_identity_tmux_socket", sql: """
            -- The tmux server a session runs on is part of its identity (issue 7, item 1).
            -- NULL for older sessions: the caller's default server is asked, and recorded once seen.
            ALTER TABLE sessions ADD COLUMN tmux_socket TEXT;
            """),
    ]
}
