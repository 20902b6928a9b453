import Glibc

/// The files beside the database (`state.db-wal`, `state.db-shm`, `lock`) belong to whoever
/// owns the database, with its mode.
///
/// SQLite creates `-wal` and `-shm` with the database's mode, but only when they are missing:
/// one created while the database was read-only stays read-only after the database is made
/// writable again, and every later command fails. And a command run as root (sudo) in a user's
/// repository would otherwise leave root-owned files the user cannot open.
enum SideFiles {
    static func names(databasePath: String) -> [String] {
        [databasePath + "-wal", databasePath + "-shm", parentDirectory(databasePath) + "/lock"]
    }

    /// Gives each side file the database's owner (when this process may: it is root) and the
    /// database's permission bits (when this process owns the file, or is root). Quietly does
    /// what it can: doctor reports what is left.
    static func align(databasePath: String) {
        var db = stat()
        guard stat(databasePath, &db) == 0 else { return }
        let root = geteuid() == 0
        for path in names(databasePath: databasePath) {
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if root && (info.st_uid != db.st_uid || info.st_gid != db.st_gid) {
                _ = lchown(path, db.st_uid, db.st_gid)
            }
            if (root || info.st_uid == geteuid()) && (info.st_mode & 0o777) != (db.st_mode & 0o777) {
                _ = chmod(path, db.st_mode & 0o777)
            }
        }
    }

    /// Whether this user can write the database, its directory and every side file present.
    static func writable(databasePath: String) -> Bool {
        guard access(databasePath, W_OK) == 0, access(parentDirectory(databasePath), W_OK) == 0 else { return false }
        // A side file that vanishes between the two checks (SQLite deletes -wal when the last
        // connection closes, while other processes open theirs) is no reason to read only.
        return names(databasePath: databasePath).allSatisfy { access($0, W_OK) == 0 || errno == ENOENT }
    }

    /// A file git-ao just opened or created in `ao/` takes the owner of `ao/` (root only).
    static func adopt(fd: Int32, path: String) {
        guard geteuid() == 0 else { return }
        var dir = stat(), file = stat()
        guard stat(parentDirectory(path), &dir) == 0, fstat(fd, &file) == 0 else { return }
        if file.st_uid != dir.st_uid || file.st_gid != dir.st_gid { _ = fchown(fd, dir.st_uid, dir.st_gid) }
    }

    static func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
