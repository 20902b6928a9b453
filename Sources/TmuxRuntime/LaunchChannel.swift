import CSystem
import Glibc
import Platform

/// Hands a launch plan to `git-ao exec-agent` inside a new tmux pane, and learns whether the
/// agent program really started.
///
/// Two FIFOs in `<common-dir>/ao/run/`, both mode 0600, named for the attempt
/// (`<id>.<pid>.<random>`), so two processes launching for one session never share or remove
/// each other's pipes:
/// - `<id>.plan`: spawn writes the plan as JSON; the launcher reads it. The plan (argv with the
///   prompt, and the environment with whatever secrets the user exported) never touches the
///   disk and never passes through tmux's command parser.
/// - `<id>.ack`: the launcher writes `started <pid>` and calls `execve`; the descriptor is
///   close-on-exec, so spawn sees end-of-file exactly when the agent program replaced the
///   launcher, or an `error ...` line when it could not.
package final class LaunchChannel {
    package let planPath: String
    package let ackPath: String
    private var ackFD: Int32 = -1

    package init(directory: String, name: String) throws {
        let attempt = "\(name).\(getpid()).\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        planPath = directory + "/" + attempt + ".plan"
        ackPath = directory + "/" + attempt + ".ack"
        try makeDirectories(directory, mode: 0o700)
        LaunchChannel.removeAbandoned(directory: directory, name: name)
        guard mkfifo(planPath, 0o600) == 0 else { throw FileError(path: planPath, operation: "create pipe", code: errno) }
        guard mkfifo(ackPath, 0o600) == 0 else {
            let code = errno
            unlink(planPath)
            throw FileError(path: ackPath, operation: "create pipe", code: code)
        }
        // Open our reading end first, so the launcher's non-blocking open for writing succeeds.
        ackFD = open(ackPath, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard ackFD >= 0 else {
            let code = errno
            remove()
            throw FileError(path: ackPath, operation: "open pipe", code: code)
        }
    }

    deinit { remove() }

    /// Removes pipes of earlier attempts for `name` whose process is gone (killed with -9, say):
    /// names carry the pid, so a live attempt's pipes are never touched.
    static func removeAbandoned(directory: String, name: String) {
        var abandoned: [String] = []
        for file in directoryNames(directory) {
            guard file.hasPrefix(name + "."), file.hasSuffix(".plan") || file.hasSuffix(".ack") else { continue }
            let parts = file.dropFirst(name.count + 1).split(separator: ".")
            guard parts.count == 3, let pid = Int32(parts[0]), pid > 0 else { continue }
            if Subprocess.isGone(pid) { abandoned.append(directory + "/" + file) }
        }
        for path in abandoned { unlink(path) }
    }

    /// Removes both FIFOs (idempotent).
    package func remove() {
        if ackFD >= 0 { close(ackFD); ackFD = -1 }
        unlink(planPath)
        unlink(ackPath)
    }

    package enum Outcome: Equatable {
        case started(pid: Int32)
        case failed(String)
        case timedOut
    }

    /// Writes the plan once the launcher has opened the pipe, then waits for the agent to start.
    package func deliver(_ plan: LaunchPlan, timeout: Double, interrupted: () -> Bool) -> Outcome {
        let deadline = Clock.monotonicSeconds() + timeout
        var fd: Int32 = -1
        while fd < 0 {
            fd = open(planPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { break }
            if errno != ENXIO && errno != EINTR { return .failed("could not open \(planPath): \(String(cString: strerror(errno)))") }
            if Clock.monotonicSeconds() > deadline { return .timedOut }
            if interrupted() { return .failed("interrupted") }
            Clock.sleep(0.005)
        }
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK)
        let written = writeAll(fd, Array(JSON.encode(plan).utf8))
        close(fd)
        if written != 0 { return .failed("the launcher stopped reading its plan") }
        return awaitStart(deadline: deadline, interrupted: interrupted)
    }

    private func awaitStart(deadline: Double, interrupted: () -> Bool) -> Outcome {
        var received: [UInt8] = []
        var sawWriter = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline - Clock.monotonicSeconds()
            if left <= 0 || interrupted() { return .timedOut }
            var entry = pollfd(fd: ackFD, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(min(left, 0.1) * 1000) + 1)
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            let n = read(ackFD, &buffer, buffer.count)
            if n > 0 { received += buffer[0..<n]; sawWriter = true; continue }
            if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            // End of file: the launcher's descriptor closed (exec succeeded or it exited).
            if !sawWriter && received.isEmpty && (entry.revents & Int16(POLLHUP)) == 0 { continue }
            break
        }
        let text = String(decoding: received, as: UTF8.self)
        if let error = text.split(separator: "\n").first(where: { $0.hasPrefix("error ") }) {
            return .failed(String(error.dropFirst("error ".count)))
        }
        if let started = text.split(separator: "\n").first(where: { $0.hasPrefix("started ") }),
           let pid = Int32(started.dropFirst("started ".count)) {
            return .started(pid: pid)
        }
        return .failed("the launcher exited without starting the agent")
    }

    // MARK: The launcher's side

    /// Runs inside the tmux pane: reads the plan, reports, and becomes the agent. Returns only
    /// on failure, with a message already shown in the pane.
    package static func runLauncher(planPath: String, ackPath: String) -> Int32 {
        let ack = open(ackPath, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
        func report(_ line: String) {
            guard ack >= 0 else { return }
            writeAll(ack, Array((line + "\n").utf8))
        }
        func fail(_ message: String) -> Int32 {
            report("error " + message)
            Console.err("git-ao: could not start the agent: \(message)\n")
            return 127
        }
        let planFD = open(planPath, O_RDONLY | O_CLOEXEC)
        guard planFD >= 0 else { return fail("could not open \(planPath): \(String(cString: strerror(errno)))") }
        let bytes = readToEnd(planFD) ?? []
        close(planFD)
        guard let plan = try? JSON.decode(LaunchPlan.self, from: bytes), let program = plan.argv.first else {
            return fail("the launch plan could not be read")
        }
        guard chdir(plan.directory) == 0 else {
            return fail("could not enter '\(plan.directory)': \(String(cString: strerror(errno)))")
        }
        var environment = plan.environment
        for name in LaunchPlan.terminalVariables { environment[name] = Environment.value(name) }
        environment["PWD"] = plan.directory
        guard let path = Subprocess.findExecutable(program, searchPath: environment["PATH"]) else {
            return fail("'\(program)' was not found on PATH")
        }
        report("started \(getpid())")
        let failure = Subprocess.exec([path] + plan.argv.dropFirst(), environment: environment)
        return fail(failure.description)
    }
}
