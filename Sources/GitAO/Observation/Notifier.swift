import Agents
import Lifecycle
import Platform
import TmuxRuntime

/// Tells the human. `ao.notify.command` receives the notification as JSON on stdin (its value is
/// split into words like an agent command, with no shell); without it, `notify-send` is used
/// when installed. Either way the notification is recorded as an event by the caller.
struct Notifier {
    let config: GitConfig
    let repository: String

    struct Payload: Encodable {
        let type: String
        let session: String
        let name: String?
        let branch: String
        let worktree: String
        let message: String
        let repository: String
        let at: String
        /// The last lines of the agent's screen (for needs_input and stuck): the question it asks,
        /// so the human can answer without attaching first. Absent when it could not be read.
        let screen: [String]?
    }

    enum Outcome: Equatable {
        case delivered(via: String)
        /// Nobody to tell (no command configured, no notify-send): recorded only.
        case recordedOnly
        case failed(String)
    }

    func send(_ kind: NotificationKind, message: String, session: Session?, sessionID: SessionID, now: Timestamp) -> Outcome {
        let screen = session.flatMap { Notifier.screen(of: $0, kind: kind) }
        let payload = Payload(type: kind.rawValue, session: sessionID.rawValue, name: session?.name, branch: session?.branch.rawValue ?? "",
                              worktree: session?.worktreePath ?? "", message: message, repository: repository, at: isoTimestamp(now),
                              screen: screen)
        if let command = config.nonEmpty(ConfigKeys.notifyCommand) {
            guard let template = try? CommandTemplate(parsing: command),
                  let program = Subprocess.onPath(template.words[0]) else {
                return .failed("\(ConfigKeys.notifyCommand) '\(command)' cannot be run")
            }
            do {
                let result = try Subprocess.run([program] + template.words.dropFirst(), input: Array((JSON.encode(payload) + "\n").utf8), timeout: 10)
                return result.succeeded ? .delivered(via: template.words[0]) : .failed("\(template.words[0]) exited with status \(result.status): \(result.stderrText.trimmingSpaces)")
            } catch {
                return .failed(String(describing: error))
            }
        }
        guard let notifySend = Subprocess.onPath("notify-send") else { return .recordedOnly }
        let title = "git-ao: \(kind.rawValue.replacingAll("_", with: " "))"
        // Best effort: a desktop that is not there is not worth retrying.
        let body = ([message] + (screen?.last.map { [$0] } ?? [])).joined(separator: "\n")
        if let result = try? Subprocess.run([notifySend, "--app-name=git-ao", title, body], timeout: 5), result.succeeded {
            return .delivered(via: "notify-send")
        }
        return .recordedOnly
    }
}

extension Notifier {
    /// At most this many lines and bytes of screen go into a notification: enough for a question
    /// and its choices, small enough for a desktop popup or a chat message.
    static let screenLines = 20
    static let screenBytes = 2048

    /// The agent's last screen lines, when the notification is about something on its screen.
    static func screen(of session: Session, kind: NotificationKind) -> [String]? {
        guard kind == .needsInput || kind == .stuck, !session.isTerminated,
              let tmux = Tmux.locate().map({ RuntimeProbing.server(of: session, tmux: $0) }),
              let rows = try? tmux.capture(session.tmuxName) else { return nil }
        return excerpt(rows)
    }

    /// The last non-blank rows, each made inert (the receiving program may print them on a
    /// terminal, and the screen is whatever the agent printed), without trailing blanks, bounded
    /// to `screenLines` lines and `screenBytes` bytes (UTF-8, joined by newlines): the oldest
    /// lines go first, and a single row longer than the bound keeps its end, where a prompt is.
    static func excerpt(_ rows: [String]) -> [String] {
        var lines = rows.map { row -> String in
            var line = TerminalText.inert(row)
            while let last = line.last, last == " " || last == "\t" { line.removeLast() }
            return line.replacingAll("\n", with: " ")
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        lines = Array(lines.suffix(screenLines))
        func size(_ lines: [String]) -> Int { lines.reduce(0) { $0 + $1.utf8.count } + max(0, lines.count - 1) }
        while lines.count > 1 && size(lines) > screenBytes { lines.removeFirst() }
        if let only = lines.first, lines.count == 1, only.utf8.count > screenBytes {
            var kept = Substring(only)
            while kept.utf8.count > screenBytes { kept = kept.dropFirst() }
            lines = [String(kept)]
        }
        return lines
    }
}
