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
    ]
}
