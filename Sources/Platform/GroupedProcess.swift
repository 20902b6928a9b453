import CSystem
import Glibc

/// A program run in a process group of its own with its output in a log file: for a user's
/// setup step, which may start children of its own (`npm ci` runs scripts) that must all end
/// when the step times out or the user presses Ctrl-C.
package enum GroupedProcess {
    package enum Outcome: Equatable {
        /// The program exited with this status (128 + n when signal n ended it).
        case exited(Int32)
        /// It ran past the time limit; its group was ended.
        case timedOut
        /// A termination signal reached git-ao (Ctrl-C); the group was ended.
        case interrupted
    }

    /// Runs `argv` in `directory` with stdin from /dev/null and stdout and stderr appended to
    /// `logPath`, waiting at most `timeout` seconds. `tick` is called about every 100 ms with
    /// the seconds elapsed (for a progress line). On a timeout or an interrupt the whole group
    /// gets SIGTERM, then SIGKILL after `grace` seconds.
    package static func run(_ argv: [String], environment: [String: String], directory: String, logPath: String,
                            timeout: Double, grace: Double = 2, started: (pid_t) -> Void = { _ in },
                            tick: (Double) -> Void = { _ in }) throws -> Outcome {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw FileError(path: logPath, operation: "open", code: errno) }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        posix_spawn_file_actions_addchdir_np(&actions, directory)
        let pid = try Subprocess.spawn(argv, environment: environment, actions: &actions, newSession: false, newProcessGroup: true)
        started(pid)
        let start = Clock.monotonicSeconds()
        while true {
            if let status = reap(pid, block: false) {
                // Whatever the program left running in its group goes with it only on failure;
                // a finished step's background helpers are the user's business.
                return .exited(status)
            }
            if Interrupts.isPending {
                endGroup(pid, grace: grace)
                return .interrupted
            }
            let elapsed = Clock.monotonicSeconds() - start
            if elapsed >= timeout {
                endGroup(pid, grace: grace)
                return .timedOut
            }
            tick(elapsed)
            usleep(100_000)
        }
    }

    /// Ends process group `group` with SIGKILL, but only when one of its processes carries
    /// `marker` (`NAME=value`) in its environment: a group whose runner was killed (`kill -9`)
    /// is ended later by whoever notices, and a process id reused since then is never hit.
    @discardableResult
    package static func endAbandonedGroup(_ group: pid_t, marker: String) -> Bool {
        guard group > 1 else { return false }
        let wanted = Array(marker.utf8)
        for name in directoryNames("/proc") {
            guard let pid = Int32(name), let stat = readBytes("/proc/\(pid)/stat"),
                  let close = stat.lastIndex(of: UInt8(ascii: ")")) else { continue }
            // After "pid (comm) ": state, ppid, pgrp.
            let fields = stat[(close + 1)...].split(separator: UInt8(ascii: " "))
            guard fields.count > 2, Int32(String(decoding: fields[2], as: UTF8.self)) == group,
                  let environment = readBytes("/proc/\(pid)/environ") else { continue }
            if environment.split(separator: 0).contains(where: { Array($0) == wanted }) {
                kill(-group, SIGKILL)
                return true
            }
        }
        return false
    }

    /// SIGTERM to the group, SIGKILL to whatever is left after `grace` seconds; reaps the leader.
    private static func endGroup(_ pid: pid_t, grace: Double) {
        kill(-pid, SIGTERM)
        let deadline = Clock.monotonicSeconds() + grace
        var reaped = false
        while Clock.monotonicSeconds() < deadline {
            if !reaped, reap(pid, block: false) != nil { reaped = true }
            // The group is gone when nothing in it can be signalled any more.
            if reaped && kill(-pid, 0) != 0 { return }
            usleep(50_000)
        }
        kill(-pid, SIGKILL)
        if !reaped { _ = reap(pid, block: true) }
    }

    /// The exit status of `pid` when it has ended (128 + signal when a signal ended it).
    private static func reap(_ pid: pid_t, block: Bool) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result == 0 { return nil }
            if result < 0 {
                if errno == EINTR { if block { continue } else { return nil } }
                return 127
            }
            let signal = status & 0x7f
            return signal == 0 ? (status >> 8) & 0xff : 128 + signal
        }
    }
}
