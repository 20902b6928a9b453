import CGit2
import Glibc

/// A libgit2 failure, with the context of what git-ao was doing.
///
/// The libgit2 message and class are read in the same synchronous function as the failing call
/// (see `Git.check`), before anything else can overwrite the thread's last error.
public struct GitError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case notFound, exists, ambiguous, invalidSpec, locked, unbornBranch, owner, checkedOut, other
    }

    /// What git-ao was doing: "could not find branch 'x'".
    public let context: String
    /// libgit2's return code (`GIT_ENOTFOUND`, ...).
    public let code: Int32
    /// libgit2's error class (`GIT_ERROR_REFERENCE`, ...).
    public let errorClass: Int32
    /// libgit2's own message, if it left one.
    public let message: String

    public var kind: Kind {
        switch code {
        // libgit2 1.5.1 reports a failed ownership check as GIT_ENOTFOUND: its lookup of
        // safe.directory overwrites GIT_EOWNER with "config value 'safe.directory' was not found".
        case GIT_ENOTFOUND.rawValue where message.contains("safe.directory") || message.contains("not owned by current user"):
            return .owner
        case GIT_ENOTFOUND.rawValue: return .notFound
        case GIT_EEXISTS.rawValue: return .exists
        case GIT_EAMBIGUOUS.rawValue: return .ambiguous
        case GIT_EINVALIDSPEC.rawValue: return .invalidSpec
        case GIT_ELOCKED.rawValue: return .locked
        case GIT_EUNBORNBRANCH.rawValue: return .unbornBranch
        case GIT_EOWNER.rawValue: return .owner
        default:
            return message.contains("already checked out") ? .checkedOut : .other
        }
    }

    public init(context: String, code: Int32, errorClass: Int32 = 0, message: String = "") {
        self.context = context
        self.code = code
        self.errorClass = errorClass
        self.message = message
    }

    public var description: String { message.isEmpty ? context : "\(context): \(message)" }
}

/// Process-wide libgit2 set-up. libgit2 is loaded and initialised on the first call that needs
/// it and never on paths that do not (initialisation alone costs ~4 ms: mbedTLS parses the CA
/// bundle).
public enum Git {
    /// Loads and initialises libgit2 once. Throws when the library is missing or incomplete.
    public static func prepare() throws {
        if let failure = loaded { throw failure }
    }

    private static let loaded: GitError? = {
        if let reason = aogit_load() {
            return GitError(context: "could not load libgit2", code: -1, message: String(cString: reason))
        }
        if ao_git_libgit2_init() < 0 {
            return GitError(context: "could not initialise libgit2", code: -1)
        }
        // Repositories touched by `git sparse-checkout` (worktreeconfig), by partial clones
        // or by `git gc --cruft` setups must still open; libgit2 refuses them by default.
        withCStrings(["noop", "objectformat", "worktreeconfig", "preciousobjects", "partialclone"]) { pointers in
            var ptrs = pointers
            _ = ptrs.withUnsafeMutableBufferPointer { buffer in
                aogit_opts_strings(Int32(GIT_OPT_SET_EXTENSIONS.rawValue), buffer.baseAddress, buffer.count)
            }
        }
        // git itself does not re-hash objects it reads; verifying every object read during a
        // checkout makes worktree creation markedly slower on large trees for no safety gain
        // over `git fsck`.
        _ = aogit_opts_int(Int32(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION.rawValue), 0)
        for (level, path) in configSearchPaths(environment: { getenv($0).map { String(cString: $0) } }) {
            _ = aogit_opts_level_string(Int32(GIT_OPT_SET_SEARCH_PATH.rawValue), level.rawValue, path)
        }
        return nil
    }()

    /// The config search paths that make libgit2 read the files git reads. libgit2 1.5.1 looks
    /// for `<dir>/.gitconfig` (global) and `<dir>/gitconfig` (system) and ignores git's
    /// `GIT_CONFIG_GLOBAL`, `GIT_CONFIG_SYSTEM` and `GIT_CONFIG_NOSYSTEM`, so `safe.directory`,
    /// `core.autocrlf` and the like could differ between git and git-ao. A file git reads under
    /// another name (`GIT_CONFIG_GLOBAL=~/cfg/work`) cannot be named through a search path; it
    /// is left to libgit2's default.
    static func configSearchPaths(environment: (String) -> String?) -> [(level: git_config_level_t, path: String)] {
        var result: [(git_config_level_t, String)] = []
        func directory(of file: String, expecting name: String) -> String? {
            if file.isEmpty || file == "/dev/null" { return "" }
            guard file.hasSuffix("/" + name) else { return nil }
            let dir = String(file.dropLast(name.count + 1))
            return dir.isEmpty ? "/" : dir
        }
        if let value = environment("GIT_CONFIG_NOSYSTEM"), isTrue(value) {
            result.append((GIT_CONFIG_LEVEL_SYSTEM, ""))
        } else if let file = environment("GIT_CONFIG_SYSTEM"), let dir = directory(of: file, expecting: "gitconfig") {
            result.append((GIT_CONFIG_LEVEL_SYSTEM, dir))
        }
        if let file = environment("GIT_CONFIG_GLOBAL"), let dir = directory(of: file, expecting: ".gitconfig") {
            result.append((GIT_CONFIG_LEVEL_GLOBAL, dir))
        }
        return result
    }

    /// git's boolean spelling for environment switches.
    private static func isTrue(_ value: String) -> Bool {
        ["1", "true", "yes", "on"].contains(value.lowercased())
    }

    /// Turns libgit2's own repository ownership check (safe.directory) on or off, process-wide.
    /// For when git itself has already judged the repository: libgit2 1.5.1 reads only
    /// `$HOME/.gitconfig` and the system file for `safe.directory`, and knows neither
    /// `GIT_CONFIG_GLOBAL` under another file name nor the `*` wildcard.
    public static func setOwnerValidation(_ enabled: Bool) throws {
        try prepare()
        _ = aogit_opts_int(Int32(GIT_OPT_SET_OWNER_VALIDATION.rawValue), enabled ? 1 : 0)
    }

    /// libgit2's version as "major.minor.revision".
    public static func libraryVersion() throws -> String {
        try prepare()
        var major: Int32 = 0, minor: Int32 = 0, rev: Int32 = 0
        _ = ao_git_libgit2_version(&major, &minor, &rev)
        return "\(major).\(minor).\(rev)"
    }

    /// Turns a libgit2 return code into a thrown `GitError`, reading the last error at once.
    @discardableResult
    static func check(_ code: Int32, _ context: @autoclosure () -> String) throws -> Int32 {
        guard code < 0 else { return code }
        throw lastError(code: code, context: context())
    }

    static func lastError(code: Int32, context: String) -> GitError {
        var message = ""
        var errorClass: Int32 = 0
        if let last = ao_git_error_last() {
            errorClass = last.pointee.klass
            if let text = last.pointee.message { message = String(cString: text) }
        }
        ao_git_error_clear()
        return GitError(context: context, code: code, errorClass: errorClass, message: message)
    }
}

/// Converts an optional C string without trusting it to be UTF-8 (invalid bytes are repaired
/// rather than trapping).
func string(_ pointer: UnsafePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    return String(cString: pointer)
}

/// Hands `body` an array of C strings valid for the duration of the call.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let owned: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { owned.forEach { free($0) } }
    return body(owned.map { UnsafePointer($0) })
}

extension git_oid {
    var hex: String {
        var copy = self
        var buffer = [CChar](repeating: 0, count: 41)
        return buffer.withUnsafeMutableBufferPointer { chars in
            _ = ao_git_oid_tostr(chars.baseAddress, 41, &copy)
            return String(cString: chars.baseAddress!)
        }
    }

    init?(hex: String) {
        var oid = git_oid()
        guard ao_git_oid_fromstr(&oid, hex) == 0 else { return nil }
        self = oid
    }
}
