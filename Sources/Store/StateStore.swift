import CSQLite
import Glibc
import Lifecycle

/// The state database, `<common-dir>/ao/state.db`, shared by every worktree of a repository.
public final class StateStore {
    let connection: Connection
    /// The `ao/` directory that holds the database and its companions.
    public let directory: String

    public static let fileName = "state.db"

    /// The `ao/` directory for a repository's common git dir.
    public static func directory(commonDir: String) -> String { commonDir + "/ao" }

    /// The migration names this build knows, in order.
    public static var migrationNames: [String] { Migrations.all.map(\.name) }

    /// True when this user cannot write the database: it was opened read-only, and every
    /// write fails with `StoreError.Kind.readOnly`. Readers (status) show what they computed
    /// without storing it.
    public let isReadOnly: Bool

    private init(connection: Connection, directory: String, isReadOnly: Bool = false) {
        self.connection = connection
        self.directory = directory
        self.isReadOnly = isReadOnly
    }

    /// Opens the database, creating it (and `ao/`, mode 0700) when `create` is true.
    /// Returns nil when it does not exist and `create` is false: a repository where git-ao never
    /// ran has no sessions, and reading it must not litter it with files.
    ///
    /// Creation and migration happen under an exclusive `flock` on `ao/lock`: several processes
    /// creating a fresh database at once could otherwise race on `PRAGMA journal_mode=WAL`,
    /// which the busy timeout does not cover.
    public static func open(directory: String, create: Bool) throws -> StateStore? {
        let path = directory + "/" + fileName
        if access(path, F_OK) != 0 {
            guard create else { return nil }
            try makePrivateDirectory(directory)
            try withFileLock(directory + "/lock") {
                if access(path, F_OK) != 0 {
                    let fd = Glibc.open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
                    if fd < 0 && errno != EEXIST {
                        throw StoreError(.other, "could not create '\(path)'", message: String(cString: strerror(errno)))
                    }
                    if fd >= 0 { SideFiles.adopt(fd: fd, path: path); close(fd) }
                }
                let connection = try Connection(path: path, create: false)
                try connection.execute("PRAGMA journal_mode=WAL")
                try migrate(connection)
            }
        }
        SideFiles.align(databasePath: path)
        if !SideFiles.writable(databasePath: path) {
            return try openReadOnly(path: path, directory: directory)
        }
        let connection = try Connection(path: path, create: false)
        try connection.execute("PRAGMA synchronous=NORMAL")
        let version = try Int(connection.scalar("PRAGMA user_version") ?? 0)
        // SQLite made -wal and -shm just now if they were missing.
        SideFiles.align(databasePath: path)
        if version > Migrations.all.count {
            throw StoreError(.tooNew(known: Migrations.all.count, found: version), "the state database '\(path)' was written by a newer git-ao")
        }
        if version < Migrations.all.count {
            try withFileLock(directory + "/lock") { try migrate(connection) }
        }
        return StateStore(connection: connection, directory: directory)
    }

    /// For a user who cannot write the database: reads without creating anything when there is
    /// no WAL content to read (`immutable`), else read-only through the existing `-shm`.
    private static func openReadOnly(path: String, directory: String) throws -> StateStore {
        var info = stat()
        let walEmpty = stat(path + "-wal", &info) != 0 || info.st_size == 0
        let connection = try Connection(path: path, create: false, access: walEmpty ? .immutable : .readOnly)
        let version: Int
        do {
            version = try Int(connection.scalar("PRAGMA user_version") ?? 0)
        } catch let error as StoreError {
            throw StoreError(.readOnly, "could not read the state database '\(path)', which this user cannot write", message: error.message)
        }
        if version > Migrations.all.count {
            throw StoreError(.tooNew(known: Migrations.all.count, found: version), "the state database '\(path)' was written by a newer git-ao")
        }
        if version < Migrations.all.count {
            throw StoreError(.readOnly, "the state database '\(path)' needs upgrading, and this user cannot write it")
        }
        return StateStore(connection: connection, directory: directory, isReadOnly: true)
    }

    /// Applies the migrations this database lacks, each in its own transaction. Refuses a
    /// database that records a migration this build does not know.
    private static func migrate(_ connection: Connection) throws {
        try connection.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
        var applied = Set<String>()
        let rows = try connection.prepare("SELECT name FROM schema_migrations")
        while try rows.step() { if let name = rows.text(0) { applied.insert(name) } }
        let known = Set(migrationNames)
        if let unknown = applied.subtracting(known).sorted().first {
            throw StoreError(.tooNew(known: known.count, found: applied.count),
                             "the state database '\(connection.path)' was written by a newer git-ao (it has migration '\(unknown)')")
        }
        for (index, migration) in Migrations.all.enumerated() where !applied.contains(migration.name) {
            try connection.immediateTransaction {
                // Re-check inside the write lock: another process may have just applied it.
                let done = try connection.scalar("SELECT count(*) FROM schema_migrations WHERE name = ?", [.text(migration.name)]) ?? 0
                guard done == 0 else { return }
                try connection.execute(migration.sql)
                try connection.prepare("INSERT INTO schema_migrations(name, applied_at) VALUES (?, strftime('%s','now'))").run([.text(migration.name)])
                try connection.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }

    /// Migration names recorded in the database, in the order they ran.
    public func appliedMigrations() throws -> [String] {
        let rows = try connection.prepare("SELECT name FROM schema_migrations ORDER BY rowid")
        var names: [String] = []
        while try rows.step() { if let name = rows.text(0) { names.append(name) } }
        return names
    }

    /// How long writes wait for another process's write transaction (default 15 s).
    public func setBusyTimeout(seconds: Double) {
        connection.busyTimeoutSeconds = seconds
    }

    /// SQLite's own integrity check: "ok" or the problems it found.
    public func integrityCheck() throws -> [String] {
        let rows = try connection.prepare("PRAGMA quick_check")
        var lines: [String] = []
        while try rows.step() { if let line = rows.text(0) { lines.append(line) } }
        return lines
    }

    /// The SQLite library version in use.
    public static var sqliteVersion: String { String(cString: sqlite3_libversion()) }
}

/// Creates `path` with mode 0700 (and its parent if missing). An existing directory is kept
/// as it is: tightening someone else's permissions silently would surprise them.
func makePrivateDirectory(_ path: String) throws {
    if mkdir(path, 0o700) == 0 {
        // Made by root (sudo) in someone's repository: it is theirs, like the git dir around it.
        var parent = stat()
        if geteuid() == 0, stat(SideFiles.parentDirectory(path), &parent) == 0 { _ = lchown(path, parent.st_uid, parent.st_gid) }
    } else if errno != EEXIST {
        throw StoreError(.other, "could not create '\(path)'", message: String(cString: strerror(errno)))
    }
}

/// Runs `body` holding an exclusive `flock` on `path` (created 0600 if missing).
func withFileLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
    if fd >= 0 { SideFiles.adopt(fd: fd, path: path) }
    guard fd >= 0 else {
        throw StoreError(.other, "could not open lock file '\(path)'", message: String(cString: strerror(errno)))
    }
    defer { close(fd) }
    while flock(fd, LOCK_EX) != 0 {
        guard errno == EINTR else {
            throw StoreError(.other, "could not lock '\(path)'", message: String(cString: strerror(errno)))
        }
    }
    defer { flock(fd, LOCK_UN) }
    return try body()
}
