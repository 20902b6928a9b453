import CSQLite
import Glibc

/// A SQLite failure, with what the store was doing.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The database was written by a newer git-ao (it knows migrations this one does not).
        case tooNew(known: Int, found: Int)
        /// SQLite reports the file damaged or not a database.
        case corrupt
        /// Another process held the database past the busy timeout.
        case busy
        /// A uniqueness or other constraint refused the write.
        case constraint
        /// The row changed under us (revision check failed) more times than we retry.
        case conflict
        /// The database (or its directory, or a side file) cannot be written by this user.
        case readOnly
        case other
    }

    public let kind: Kind
    public let context: String
    public let message: String

    public init(_ kind: Kind, _ context: String, message: String = "") {
        self.kind = kind
        self.context = context
        self.message = message
    }

    public var description: String { message.isEmpty ? context : "\(context): \(message)" }
}

/// One SQLite connection. Not shared between threads.
final class Connection {
    let handle: OpaquePointer
    let path: String

    /// How a connection may touch the file.
    enum Access {
        case readWrite
        /// Read-only; SQLite still takes its locks, and needs `-shm` (which it may create).
        case readOnly
        /// Read-only without locks or `-shm`, for a database with no WAL content that this user
        /// cannot write, in a directory it may not write either: nothing is created.
        case immutable
    }

    init(path: String, create: Bool, access: Access = .readWrite) throws {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX
        var name = path
        switch access {
        case .readWrite: flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0)
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        case .immutable:
            flags |= SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
            name = "file:" + Connection.uriEscaped(path) + "?immutable=1"
        }
        let code = sqlite3_open_v2(name, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError(Connection.kind(of: code), "could not open the state database '\(path)'", message: message)
        }
        self.handle = db
        self.path = path
        // Hooks and agents write from separate processes at the same moment: wait for the lock
        // instead of failing with "database is locked".
        sqlite3_busy_timeout(db, Int32(Connection.defaultBusyTimeout * 1000))
    }

    /// A path as the path part of a `file:` URI.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: "?"), UInt8(ascii: "#"), 0..<0x20, 0x7F...:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            default:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return out
    }

    /// How long a writer waits for another process's write transaction before giving up.
    static let defaultBusyTimeout = 15.0

    var busyTimeoutSeconds = Connection.defaultBusyTimeout {
        didSet { sqlite3_busy_timeout(handle, Int32(busyTimeoutSeconds * 1000)) }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    deinit { sqlite3_close_v2(handle) }

    static func kind(of code: Int32) -> StoreError.Kind {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt
        case SQLITE_CONSTRAINT: return .constraint
        case SQLITE_READONLY: return .readOnly
        default: return .other
        }
    }

    func error(_ code: Int32, _ context: String) -> StoreError {
        StoreError(Connection.kind(of: code), context, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? ""
            sqlite3_free(message)
            throw StoreError(Connection.kind(of: code), "could not run '\(sql.prefix(60))'", message: text)
        }
    }

    func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, "could not prepare '\(sql.prefix(60))'") }
        return Statement(statement, connection: self)
    }

    /// A single integer from a query (`PRAGMA user_version`, `count(*)`).
    func scalar(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.int(0) : nil
    }

    var changes: Int { Int(sqlite3_changes(handle)) }
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` inside `BEGIN IMMEDIATE`: the write lock is taken up front, so a reader that
    /// decides to write never fails half-way with SQLITE_BUSY. Commits on return, rolls back on throw.
    func immediateTransaction<T>(_ body: () throws -> T) throws -> T {
        // The busy handler waits up to the busy timeout inside BEGIN. SQLite can still answer
        // SQLITE_BUSY at once in some WAL situations (a checkpoint or recovery in progress);
        // those are retried, within the same overall budget.
        let deadline = Connection.now() + busyTimeoutSeconds
        while true {
            do {
                try execute("BEGIN IMMEDIATE")
                break
            } catch let failure as StoreError where failure.kind == .busy && Connection.now() < deadline {
                usleep(20_000)
            }
        }
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// A value bound to or read from a statement.
enum SQLValue {
    case null
    case int(Int64)
    case text(String)

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ int: Int64?) { self = int.map(SQLValue.int) ?? .null }
}

/// A prepared statement, finalized when released.
final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection

    init(_ handle: OpaquePointer, connection: Connection) {
        self.handle = handle
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .int(let v): code = sqlite3_bind_int64(handle, index, v)
            case .text(let v): code = sqlite3_bind_text(handle, index, v, -1, ao_sqlite_transient())
            }
            guard code == SQLITE_OK else { throw connection.error(code, "could not bind parameter \(index)") }
        }
    }

    /// Advances to the next row; false when done.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(code, "could not run '\(String(cString: sqlite3_sql(handle)).prefix(60))'")
        }
    }

    /// Binds and runs a statement that returns no rows.
    func run(_ values: [SQLValue]) throws {
        try bind(values)
        while try step() {}
    }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func optionalInt(_ column: Int32) -> Int64? { isNull(column) ? nil : int(column) }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
