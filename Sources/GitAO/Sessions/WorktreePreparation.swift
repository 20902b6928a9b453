import Agents
import Glibc
import Platform
import Store

/// How a fresh session worktree is made ready to run, from git config: which ignored files to
/// copy into it, the setup step, and the session's port. Read and checked before spawn creates
/// anything, so a bad value fails the spawn with nothing to undo.
struct WorktreePreparation {
    enum SetupFailure: String { case fail, warn }

    /// `ao.spawn.include` patterns (gitignore syntax), added to the repository's `.worktreeinclude`.
    var includePatterns: [String] = []
    /// `ao.spawn.includeMaxSize` in bytes (default 100 MiB); nil for no limit.
    var includeMaxSize: Int64? = 100 << 20
    /// `ao.spawn.setup`, split into words.
    var setup: CommandTemplate?
    var setupText: String?
    var setupTimeout: Double = 600
    var setupFailure: SetupFailure = .fail
    /// `ao.portRange`.
    var portRange: ClosedRange<Int>?

    init() {}

    init(config: GitConfig) throws {
        includePatterns = config.strings(ConfigKeys.spawnInclude).filter { !$0.trimmingSpaces.isEmpty }
        if let value = config.nonEmpty(ConfigKeys.spawnIncludeMaxSize) {
            guard let bytes = WorktreePreparation.parseSize(value) else {
                throw Messages.invalidConfig(key: ConfigKeys.spawnIncludeMaxSize, value: value, expected: "a size such as 100m, 2g or 0 for no limit")
            }
            includeMaxSize = bytes == 0 ? nil : bytes
        }
        if let text = config.nonEmpty(ConfigKeys.spawnSetup) {
            do {
                setup = try CommandTemplate(parsing: text)
                setupText = text
            } catch let error as CommandTemplate.ParseError {
                throw Messages.invalidSetupTemplate(text, reason: error.description)
            }
        }
        if let ms = try config.milliseconds(ConfigKeys.spawnSetupTimeout) {
            guard ms > 0 else {
                throw Messages.invalidConfig(key: ConfigKeys.spawnSetupTimeout, value: config.string(ConfigKeys.spawnSetupTimeout) ?? "", expected: "a duration above zero such as 90s or 10m")
            }
            setupTimeout = Double(ms) / 1000
        }
        if let value = config.string(ConfigKeys.spawnSetupFailure) {
            guard let mode = SetupFailure(rawValue: value.lowercased()) else {
                throw Messages.invalidConfig(key: ConfigKeys.spawnSetupFailure, value: value, expected: "fail or warn")
            }
            setupFailure = mode
        }
        if let value = config.nonEmpty(ConfigKeys.portRange) {
            guard let range = WorktreePreparation.parsePortRange(value) else {
                throw Messages.invalidConfig(key: ConfigKeys.portRange, value: value, expected: "a port range such as 4100-4199 (ports 1 to 65535)")
            }
            portRange = range
        }
    }

    /// Fails early, before anything is created, when the setup program should come from PATH
    /// and is not there; one named by a path only exists once the worktree does.
    func checkSetupProgramOnPath() throws {
        if let program = setup?.words.first, !program.contains("/"), Subprocess.onPath(program) == nil {
            throw Messages.setupProgramNotFound(program, worktree: nil)
        }
    }

    /// `4100-4199`, or a single port `4100`.
    static func parsePortRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.trimmingSpaces.split(separator: "-", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
        guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let low = Int(parts[0]), let high = Int(parts[parts.count - 1]),
              (1...65535).contains(low), (1...65535).contains(high), low <= high else { return nil }
        return low...high
    }

    /// The port request for the store: the range and a check that nothing listens there.
    var portRequest: PortRequest? {
        portRange.map { PortRequest(range: $0, isAvailable: PortProbe.isFree) }
    }
}

/// What copying the included files did, for `spawn -v`, warnings and the session's events.
struct CopyReport {
    var copied: [(path: String, reflink: Bool)] = []
    var linked: [String] = []
    /// Already in the worktree (restore copies only what is missing).
    var present: [String] = []
    var skipped: [(path: String, reason: String)] = []

    var isEmpty: Bool { copied.isEmpty && linked.isEmpty && present.isEmpty && skipped.isEmpty }

    /// The event's fields: counts and the paths (one a line; the first 200, so copying a
    /// dependency folder does not put a huge row in the change log).
    var eventFields: [String: String?] {
        let paths = copied.map(\.path) + linked
        let listed = paths.prefix(200).joined(separator: "\n") + (paths.count > 200 ? "\n... and \(paths.count - 200) more" : "")
        return [
            "count": String(paths.count),
            "copied": listed,
            "reflinked": String(copied.filter(\.reflink).count),
            "skipped": skipped.map { "\($0.path): \($0.reason)" }.joined(separator: "\n"),
            "already_present": String(present.count),
        ]
    }
}

/// The ignored files of the main worktree that `.worktreeinclude` and `ao.spawn.include` name.
enum IncludedFiles {
    static let includeFileName = ".worktreeinclude"

    /// Paths (relative to the main worktree) that match the include patterns and that git
    /// reports as untracked and ignored there. git decides both, with its own gitignore rules;
    /// nothing goes through a shell. Empty when there are no patterns.
    static func list(mainWorktree: String, patterns: [String]) throws -> [String] {
        let includeFile = mainWorktree + "/" + includeFileName
        var info = stat()
        let hasFile = stat(includeFile, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        guard hasFile || !patterns.isEmpty else { return [] }
        // Untracked files the include patterns match, read as if they were ignore patterns...
        var arguments = ["ls-files", "-z", "--others", "--ignored"]
        if hasFile { arguments.append("--exclude-from=" + includeFile) }
        arguments += patterns.map { "--exclude=" + $0 }
        let matched = try git(arguments, in: mainWorktree)
        guard !matched.isEmpty else { return [] }
        // ...of which git's own rules ignore these.
        return try ignored(matched, in: mainWorktree)
    }

    /// Those of `paths` that git ignores in the worktree at `directory`.
    static func ignored(_ paths: [String], in directory: String) throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let input = Array(paths.joined(separator: "\0").utf8) + [0]
        return try git(["check-ignore", "-z", "--stdin"], in: directory, input: input, allowed: [0, 1])
    }

    private static func git(_ arguments: [String], in directory: String, input: [UInt8] = [], allowed: Set<Int32> = [0]) throws -> [String] {
        guard let program = Subprocess.onPath("git") else { throw Messages.gitMissing() }
        // The repository is named by the directory alone: variables a hook or a caller set for
        // another repository must not redirect git.
        let environment = Environment.all().filter {
            !["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX", "GIT_OBJECT_DIRECTORY"].contains($0.key)
        }
        let result = try Subprocess.run([program, "-C", directory] + arguments, environment: environment, input: input, timeout: 300)
        guard allowed.contains(result.status), !result.timedOut else {
            throw AOError(.gitFailed, "git \(arguments[0]) in '\(directory)' failed while listing the files to copy: \(result.stderrText.trimmingSpaces)",
                          hint: "Check .worktreeinclude and git config \(ConfigKeys.spawnInclude) (gitignore syntax).")
        }
        return result.stdout.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension WorktreePreparation {
    /// A size as git writes one: bytes, or a number with `k`, `m` or `g` (1024-based).
    static func parseSize(_ text: String) -> Int64? {
        var digits = text.trimmingSpaces.lowercased()
        var factor: Int64 = 1
        if let last = digits.last, let shift = ["k": 10, "m": 20, "g": 30][String(last)] {
            factor = 1 << shift
            digits.removeLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits),
              value <= Int64.max / factor else { return nil }
        return value * factor
    }
}
