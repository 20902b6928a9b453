import Glibc
import Platform
import Store

/// Whether this user can write everything git-ao keeps in `<common-dir>/ao/`, and, for each
/// thing it cannot (or that belongs to someone other than the database's owner), the exact
/// command that fixes it. For `git ao doctor`.
enum StateDirectoryAccess {
    struct Problem: Equatable {
        let path: String
        let detail: String
        let fix: String
    }

    static func problems(aoDirectory: String) -> [Problem] {
        var dirInfo = stat()
        guard stat(aoDirectory, &dirInfo) == 0 else { return [] }
        let database = aoDirectory + "/" + StateStore.fileName
        var dbInfo = stat()
        let hasDatabase = stat(database, &dbInfo) == 0
        // Whose the state is: the database's owner, or the directory's before there is one.
        let owner = hasDatabase ? dbInfo.st_uid : dirInfo.st_uid
        let group = hasDatabase ? dbInfo.st_gid : dirInfo.st_gid
        var problems: [Problem] = []
        for path in [aoDirectory] + entries(aoDirectory) {
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK { continue }
            let isDirectory = kind == S_IFDIR
            let quoted = shellQuoted(path)
            // One line per fix: a directory chown covers every file in it.
            if problems.contains(where: { $0.fix.hasSuffix(shellQuoted(aoDirectory)) && $0.fix.hasPrefix("run git-ao") }) && info.st_uid != geteuid() && info.st_uid == owner { continue }
            if info.st_uid != owner || info.st_gid != group {
                problems.append(Problem(path: path, detail: "\(path) belongs to \(userName(info.st_uid)):\(groupName(info.st_gid)), the state to \(userName(owner)):\(groupName(group))",
                                        fix: "chown \(userName(owner)):\(groupName(group)) \(quoted)"))
                continue
            }
            if access(path, isDirectory ? (W_OK | X_OK) : W_OK) != 0 {
                let why = String(cString: strerror(errno))
                if info.st_uid == geteuid() {
                    problems.append(Problem(path: path, detail: "\(path) cannot be written (\(why))",
                                            fix: "chmod \(isDirectory ? "u+rwx" : "u+rw") \(quoted)"))
                } else {
                    let me = geteuid()
                    problems.append(Problem(path: path, detail: "\(path) belongs to \(userName(info.st_uid)) and this user (\(userName(me))) cannot write it (\(why))",
                                            fix: "run git-ao as \(userName(info.st_uid)), or: chown -R \(userName(me)):\(groupName(getegid())) \(shellQuoted(aoDirectory))"))
                }
                continue
            }
            // SQLite's side files must have the database's mode, or they stop writes later.
            if hasDatabase, path == database + "-wal" || path == database + "-shm",
               (info.st_mode & 0o777) != (dbInfo.st_mode & 0o777) {
                let mode = String(dbInfo.st_mode & 0o777, radix: 8)
                problems.append(Problem(path: path, detail: "\(path) has mode \(String(info.st_mode & 0o777, radix: 8)), the database \(mode)",
                                        fix: "chmod \(mode) \(quoted)"))
            }
        }
        return problems
    }

    /// The entries of `directory` and of its subdirectories (one level: prompts/, run/).
    private static func entries(_ directory: String, depth: Int = 0) -> [String] {
        var result: [String] = []
        for name in directoryNames(directory) {
            let path = directory + "/" + name
            result.append(path)
            var info = stat()
            if depth == 0, lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { result += entries(path, depth: 1) }
        }
        return result.sorted()
    }

    private static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return String(uid) }
        return String(cString: name)
    }

    private static func groupName(_ gid: gid_t) -> String {
        guard let entry = getgrgid(gid), let name = entry.pointee.gr_name else { return String(gid) }
        return String(cString: name)
    }
}
