import Agents
import Platform

/// The checks of what a first `git ao spawn` does not set up by itself: git-ao's git hooks and
/// somewhere for notifications to go. Both fail silently otherwise, which is why doctor says so.
extension DoctorCommand {
    /// Whether git-ao's git hooks are where git runs them. A hook of the user's in their place
    /// counts as missing (git-ao's would chain it), one edited by hand as present.
    static func hooksFinding(workspace: Workspace) -> Finding {
        let check = "git hooks"
        let directory: String
        do { directory = try GitHooksInstaller.hooksDirectory(workspace: workspace) } catch {
            let failure = AOError.wrapping(error)
            return Finding(check: check, level: .warning, detail: "the hooks folder could not be found: \(failure.message)", fix: failure.hint)
        }
        let installer = GitHooksInstaller(directory: directory)
        var missing: [String] = []
        var conflicting: [String] = []
        for name in GitHooksInstaller.hookNames {
            switch installer.state(of: name) {
            case .absent, .foreign: missing.append(name)
            case .conflict: conflicting.append(name)
            case .installed, .edited: break
            }
        }
        if !conflicting.isEmpty {
            let failure = Messages.hookConflict(conflicting, directory: directory)
            return Finding(check: check, level: .warning, detail: failure.message, fix: failure.hint)
        }
        if !missing.isEmpty {
            return Finding(check: check, level: .warning,
                           detail: displaySafe("git-ao's \(missing.joined(separator: ", ")) \(missing.count == 1 ? "hook is" : "hooks are") not in \(directory); commits, rebases and pushes in the sessions' worktrees are noticed only at the next observation pass"),
                           fix: "git ao hooks install")
        }
        return Finding(check: check, level: .ok, detail: displaySafe("git-ao's hooks are installed in \(directory)"), fix: nil)
    }

    /// Where a needs-input notification would go: `ao.notify.command`, else `notify-send`. With
    /// neither, the notification is only recorded as an event and nobody is told.
    static func notificationFinding(config: GitConfig) -> Finding {
        let check = "notifications"
        if let command = config.nonEmpty(ConfigKeys.notifyCommand) {
            guard let template = try? CommandTemplate(parsing: command), let program = Subprocess.onPath(template.words[0]) else {
                return Finding(check: check, level: .warning, detail: displaySafe("\(ConfigKeys.notifyCommand) '\(command)' cannot be run (its program is not on PATH)"),
                               fix: "Fix it: git config \(ConfigKeys.notifyCommand) '<program> <args>' (it gets each notification as JSON on standard input)")
            }
            return Finding(check: check, level: .ok, detail: displaySafe("sent to \(program) (\(ConfigKeys.notifyCommand))"), fix: nil)
        }
        if let notifySend = Subprocess.onPath("notify-send") {
            return Finding(check: check, level: .ok, detail: "sent to \(notifySend)", fix: nil)
        }
        return Finding(check: check, level: .warning,
                       detail: "there is no \(ConfigKeys.notifyCommand) and no notify-send on PATH: a session that needs input is only recorded (git ao events), nobody is told",
                       fix: "git config \(ConfigKeys.notifyCommand) '<program> <args>' (it gets each notification as JSON on standard input), or install notify-send (apt-get install libnotify-bin)")
    }
}
