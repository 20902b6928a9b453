import Glibc
import Synchronization

/// The last termination signal received (SIGINT, SIGTERM, SIGHUP), or 0.
private let pendingSignal = Atomic<Int32>(0)

/// Turns SIGINT, SIGTERM and SIGHUP into a flag that long operations poll, so a user's Ctrl-C
/// during a spawn undoes what the spawn created instead of killing the process half-way.
package enum Interrupts {
    /// Starts catching the signals (without SA_RESTART, so blocking waits return early).
    package static func catchTermination() {
        // A parent may have started us with these blocked (test runners, some IDEs); a blocked
        // signal would never reach the handler.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&unblock, signal) }
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
        for signal in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { received in pendingSignal.store(received, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(signal, &action, nil)
        }
    }

    /// Restores the default actions (before handing the terminal to tmux, say).
    package static func restoreDefaults() {
        for signal in [SIGINT, SIGTERM, SIGHUP] { Glibc.signal(signal, SIG_DFL) }
    }

    package static var pending: Int32 { pendingSignal.load(ordering: .relaxed) }
    package static var isPending: Bool { pending != 0 }

    /// Throws `INTERRUPTED` when a signal arrived.
    package static func check(_ what: String) throws {
        if isPending { throw Messages.interrupted(what) }
    }
}
