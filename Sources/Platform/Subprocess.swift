import CSystem
import Glibc

/// What a finished child process left.
package struct ProcessResult {
    /// Exit status, or 128 + signal number when a signal ended it.
    package var status: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]
    package var timedOut: Bool

    package var succeeded: Bool { status == 0 && !timedOut }
    package var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    package var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    package init(status: Int32, stdout: [UInt8], stderr: [UInt8], timedOut: Bool) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
    }
}

/// Runs programs directly with `posix_spawn`: argv goes to the program as it is, never through
/// a shell, and no descriptor of ours (the database, a lock) leaks into the child.
package enum Subprocess {
    package struct LaunchFailure: Error, CustomStringConvertible {
        package let program: String
        package let code: Int32
        package var description: String { "could not run '\(program)': \(String(cString: strerror(code)))" }

        package init(program: String, code: Int32) {
            self.program = program
            self.code = code
        }
    }

    /// Runs `argv` to completion, feeding `input` on stdin and collecting stdout and stderr.
    /// With a `timeout` (seconds), a child still running is killed and `timedOut` is set.
    package static func run(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                    input: [UInt8] = [], timeout: Double? = nil) throws -> ProcessResult {
        try start(argv, environment: environment, directory: directory).finish(input: input, timeout: timeout)
    }

    /// A started child whose output has not been collected yet: lets a caller do other work
    /// (read the database, say) while the child runs.
    package final class Running {
        package let pid: pid_t
        private let stdin: Int32
        private let stdout: Int32
        private let stderr: Int32
        private var finished = false

        package init(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32) {
            self.pid = pid
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
        }

        /// Feeds `input`, collects the output and waits for the child to exit.
        package func finish(input: [UInt8] = [], timeout: Double? = nil) -> ProcessResult {
            precondition(!finished, "finish called twice")
            finished = true
            var result = ProcessResult(status: 0, stdout: [], stderr: [], timedOut: false)
            Subprocess.pump(input: input, stdin: stdin, stdout: stdout, stderr: stderr, timeout: timeout, pid: pid, into: &result)
            result.status = Subprocess.wait(for: pid)
            return result
        }

        /// Stops waiting for the child: its output is discarded and it is reaped.
        package func abandon() {
            guard !finished else { return }
            finished = true
            close(stdin); close(stdout); close(stderr)
            kill(pid, SIGKILL)
            _ = Subprocess.wait(for: pid)
        }

        deinit { abandon() }
    }

    /// Starts `argv` with pipes on all three standard streams; `finish` collects it.
    package static func start(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil) throws -> Running {
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard pipe2(&inPipe, O_CLOEXEC) == 0, pipe2(&outPipe, O_CLOEXEC) == 0, pipe2(&errPipe, O_CLOEXEC) == 0 else {
            throw LaunchFailure(program: argv.first ?? "", code: errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }

        let pid: pid_t
        do {
            pid = try spawn(argv, environment: environment, actions: &actions, newSession: false)
        } catch {
            for fd in inPipe + outPipe + errPipe { close(fd) }
            throw error
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        return Running(pid: pid, stdin: inPipe[1], stdout: outPipe[0], stderr: errPipe[0])
    }

    /// Starts `argv` in a new session with stdin from /dev/null and output appended to
    /// `logPath` (or discarded), and does not wait for it: for work that must never make the
    /// caller (a git hook) wait.
    @discardableResult
    package static func spawnDetached(_ argv: [String], environment: [String: String]? = nil, directory: String? = nil,
                              logPath: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let log = logPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }
        let pid = try spawn(argv, environment: environment, actions: &actions, newSession: true)
        // Reap it from a grandchild-free design: the caller exits soon, init adopts the child.
        return pid
    }

    /// Replaces this process with `argv` (for `attach`, and for launching an agent inside tmux).
    package static func exec(_ argv: [String], environment: [String: String]? = nil) -> LaunchFailure {
        let path = argv[0]
        withCStringArray(argv) { args in
            if let environment {
                withCStringArray(environment.map { "\($0.key)=\($0.value)" }) { env in _ = execve(path, args, env) }
            } else {
                _ = execv(path, args)
            }
        }
        return LaunchFailure(program: path, code: errno)
    }

    /// Whether no process `pid` exists any more (one that exists but belongs to another user is
    /// not gone).
    package static func isGone(_ pid: pid_t) -> Bool {
        kill(pid, 0) != 0 && errno == ESRCH
    }

    /// The absolute path of `name` on this process's PATH.
    package static func onPath(_ name: String) -> String? {
        findExecutable(name, searchPath: Environment.value("PATH"))
    }

    /// The absolute path of `name` on `searchPath` (a PATH value), like `command -v`.
    /// A name containing `/` is checked as given.
    package static func findExecutable(_ name: String, searchPath: String?) -> String? {
        if name.isEmpty { return nil }
        if name.contains("/") { return isExecutableFile(name) ? name : nil }
        for dir in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    package static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    // MARK: - Internals

    /// Starts `argv` with `actions`; `newSession` puts it in a session of its own,
    /// `newProcessGroup` in a process group of its own (so it and its children can be ended together).
    static func spawn(_ argv: [String], environment: [String: String]?,
                      actions: inout posix_spawn_file_actions_t, newSession: Bool, newProcessGroup: Bool = false) throws -> pid_t {
        guard let program = argv.first else { throw LaunchFailure(program: "", code: EINVAL) }
        // Close every other descriptor in the child: the tmux server this may start lives for
        // days and must not keep our database or lock files open.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession { flags |= Int32(AO_POSIX_SPAWN_SETSID) }
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        var pid: pid_t = 0
        let code: Int32 = withCStringArray(argv) { args in
            let env = environment.map { $0.map { "\($0.key)=\($0.value)" } }
            if let env {
                return withCStringArray(env) { envp in posix_spawn(&pid, program, &actions, &attributes, args, envp) }
            }
            return posix_spawn(&pid, program, &actions, &attributes, args, environ)
        }
        guard code == 0 else { throw LaunchFailure(program: program, code: code) }
        return pid
    }

    fileprivate static func pump(input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32,
                             timeout: Double?, pid: pid_t, into result: inout ProcessResult) {
        var written = 0
        var inFD = stdin
        if input.isEmpty { close(inFD); inFD = -1 }
        var open = (out: true, err: true)
        let deadline = timeout.map { Clock.monotonicSeconds() + $0 }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open.out || open.err || inFD >= 0 {
            var fds: [pollfd] = []
            if open.out { fds.append(pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)) }
            if open.err { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
            if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            var wait: Int32 = -1
            if let deadline {
                let left = deadline - Clock.monotonicSeconds()
                if left <= 0 {
                    kill(pid, SIGKILL)
                    result.timedOut = true
                    break
                }
                wait = Int32(min(left * 1000, 1000)) + 1
            }
            let ready = poll(&fds, nfds_t(fds.count), wait)
            if ready < 0 { if errno == EINTR { continue } else { break } }
            for entry in fds where entry.revents != 0 {
                if entry.fd == inFD {
                    let n = input.withUnsafeBytes { raw in
                        Glibc.write(inFD, raw.baseAddress! + written, input.count - written)
                    }
                    if n > 0 { written += n }
                    if n < 0 && errno != EINTR && errno != EAGAIN { written = input.count }
                    if written >= input.count { close(inFD); inFD = -1 }
                    continue
                }
                let n = read(entry.fd, &buffer, buffer.count)
                if n > 0 {
                    if entry.fd == stdout { result.stdout += buffer[0..<n] } else { result.stderr += buffer[0..<n] }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    if entry.fd == stdout { open.out = false } else { open.err = false }
                }
            }
        }
        if inFD >= 0 { close(inFD) }
        close(stdout)
        close(stderr)
    }

    fileprivate static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return 127 }
        }
        let signal = status & 0x7f
        if signal == 0 { return (status >> 8) & 0xff }
        return 128 + signal
    }
}

/// Hands `body` a NULL-terminated C string array valid for the duration of the call.
package func withCStringArray<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
}

/// Closes every descriptor above the standard streams that this process inherited. For a
/// process left running in the background by a short-lived one (a git hook's), so it does not
/// hold the pipes of whoever ran the short-lived one open. Call it before opening anything.
package func closeInheritedDescriptors() {
    _ = close_range(3, UInt32.max, 0)
}
