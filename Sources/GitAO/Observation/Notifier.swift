import Agents
import Lifecycle
import Platform

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
    }

    enum Outcome: Equatable {
        case delivered(via: String)
        /// Nobody to tell (no command configured, no notify-send): recorded only.
        case recordedOnly
        case failed(String)
    }

    func send(_ kind: NotificationKind, message: String, session: Session?, sessionID: SessionID, now: Timestamp) -> Outcome {
        let payload = Payload(type: kind.rawValue, session: sessionID.rawValue, name: session?.name, branch: session?.branch.rawValue ?? "",
                              worktree: session?.worktreePath ?? "", message: message, repository: repository, at: isoTimestamp(now))
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
        if let result = try? Subprocess.run([notifySend, "--app-name=git-ao", title, message], timeout: 5), result.succeeded {
            return .delivered(via: "notify-send")
        }
        return .recordedOnly
    }
}
