import Glibc
import Platform

/// One deliverer at a time per session, across processes.
///
/// `git ao send` from two shells, or a pass typing a nudge while a person sends, used to paste
/// into one pane at once: two pastes before one Enter arrive joined on one line. An `flock` on
/// `<ao>/run/deliver-<session>.lock` orders them; the kernel drops it when its holder dies, and
/// the next holder finishes what the dead one left (see `DeliveryJournal`).
extension Delivery {
    package static func lockPath(runDirectory: String, target: String) -> String { runDirectory + "/deliver-\(target).lock" }
    package static func journalPath(runDirectory: String, target: String) -> String { runDirectory + "/deliver-\(target).journal" }

    /// Runs `body` with this session's delivery lock held, waiting up to `wait` seconds for it;
    /// nil when another deliverer kept it that long (or `interrupted` said stop). Readiness
    /// checks belong inside `body` too: what the screen shows holds only while nobody else types.
    package func exclusively<T>(runDirectory: String, wait: Double, interrupted: () -> Bool = { false },
                                _ body: (Delivery) throws -> T) throws -> T? {
        _ = try makeDirectories(runDirectory, mode: 0o700)
        let path = Delivery.lockPath(runDirectory: runDirectory, target: target)
        let deadline = Clock.monotonicSeconds() + wait
        var taken: FileLock?
        // In short waits, so an interrupt is heard while someone else delivers.
        while taken == nil {
            taken = try FileLock.acquire(path, wait: min(0.5, max(0, deadline - Clock.monotonicSeconds())))
            if taken == nil && (Clock.monotonicSeconds() >= deadline || interrupted()) { return nil }
        }
        guard let lock = taken else { return nil }
        defer { lock.release() }
        lock.recordOwner()
        var locked = self
        locked.journal = DeliveryJournal(path: Delivery.journalPath(runDirectory: runDirectory, target: target))
        try locked.finishInterrupted()
        // A buffer a killed deliverer loaded but never pasted would stay in the server for good.
        tmux.deleteLeftoverBuffers(of: target)
        return try body(locked)
    }

    /// Settles the paste of a deliverer that died holding the lock, before anything else is typed.
    func finishInterrupted() throws {
        guard let journal, let entry = journal.read().inflight else { return }
        guard !entry.probe.isEmpty else { return try journal.settle(entry, submitted: false) }
        // Its paste may still be on its way to the screen: unread by a busy program, or read
        // and not yet echoed.
        if !(try isPending(entry.probe)) {
            if let tty = tmux.paneTTY(target),
               !(try waitFor(timeout: 5, interval: 0.05, interrupted: { false }) { (Delivery.unreadInput(tty: tty) ?? 0) == 0 }) {
                // Unknown yet whether that paste holds the text: judged by a later delivery,
                // once the agent reads again, rather than typed a second time now.
                throw Messages.agentNotReading(target)
            }
            try waitForStillScreen()
        }
        if try isPending(entry.probe) {
            // Left on the input line: submit it, so the next text is not joined to it.
            for _ in 0..<4 {
                try tmux.press("Enter", in: target)
                if try waitFor(timeout: settle, interval: 0.1, interrupted: { false }, { !(try isPending(entry.probe)) }) { break }
            }
            return try journal.settle(entry, submitted: true)
        }
        try journal.settle(entry, submitted: try appearsSince(entry.anchor, column: entry.column ?? 0, entry.probe))
    }

    /// Waits (up to 3 s) until the screen stayed the same for 0.45 s.
    private func waitForStillScreen() throws {
        var last = try tmux.capture(target)
        var still = 0
        _ = try waitFor(timeout: 3, interval: 0.15, interrupted: { false }) {
            let now = try tmux.capture(target)
            still = now == last ? still + 1 : 0
            last = now
            return still >= 3
        }
    }

    /// Bytes typed into the terminal `tty` that its program has not read yet (nil: unknown).
    static func unreadInput(tty: String) -> Int? {
        let fd = open(tty, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var count: Int32 = 0
        guard ioctl(fd, UInt(FIONREAD), &count) == 0 else { return nil }
        return Int(count)
    }

    /// Whether `probe` shows on a line at or below absolute row `anchor` (screen or history).
    /// Once the history is full, lines leave its top and rows no longer keep their numbers:
    /// then all of it is searched, which can take an older, identical text for this one (the
    /// message is then not repeated: a lost copy is preferred to a doubled one).
    func appearsSince(_ anchor: Int, column: Int, _ probe: String) throws -> Bool {
        let pane = try tmux.paneState(target)
        var start = anchor - pane.historySize
        let full = pane.historyLimit > 0 && pane.historySize >= pane.historyLimit
        // Below the screen: the history was cleared since.
        let moved = full || start >= pane.height || start < -pane.historySize
        if moved { start = -pane.historySize }
        var rows = try tmux.captureJoined(target, from: start)
        // A short message must not be found in the prompt it was typed after ("ok" in "look> ").
        if !moved, let first = rows.first { rows[0] = String(first.dropFirst(column)) }
        return rows.contains { Delivery.signature($0).contains(probe) }
    }
}
