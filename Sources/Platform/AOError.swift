import FoundationEssentials

/// An error for the user: a stable code, one sentence naming what is involved, a hint saying
/// what to do next, and optionally detail lines (what a rollback did, say).
package struct AOError: Error, CustomStringConvertible {
    package let code: ErrorCode
    package let message: String
    package let hint: String
    package var details: [String] = []

    package init(_ code: ErrorCode, _ message: String, hint: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details
    }

    package var description: String { "error[\(code.rawValue)]: \(message)" }

    /// `git-ao: error[CODE]: sentence`, detail lines, then `hint: ...`, display-safe: the text
    /// often quotes what the user typed (a branch, a session name, a path), and no escape
    /// sequence or other control character in it reaches the terminal raw (see `displaySafe`;
    /// line breaks the message itself holds are kept). `jsonText` keeps the exact text.
    package func humanText() -> String {
        func safe(_ text: String) -> String {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { displaySafe(String($0)) }.joined(separator: "\n")
        }
        var lines = ["git-ao: error[\(code.rawValue)]: \(safe(message))"]
        lines += details.map { "  " + safe($0) }
        lines.append("hint: \(safe(hint))")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same error as one JSON object, for `--json` callers (written to stderr).
    package func jsonText() -> String {
        struct Payload: Encodable {
            struct Body: Encodable {
                let code: String
                let message: String
                let hint: String
                let details: [String]
                let exit_status: Int32
            }
            let error: Body
        }
        let payload = Payload(error: .init(code: code.rawValue, message: message, hint: hint, details: details, exit_status: code.exitStatus.rawValue))
        return JSON.encode(payload) + "\n"
    }
}

/// The failures git-ao reports itself (anything else thrown is ArgumentParser's to print).
/// Each layer marks its own error types; GitAO turns them into `AOError`s.
package protocol DomainFailure: Error {}
extension AOError: DomainFailure {}
extension Subprocess.LaunchFailure: DomainFailure {}
extension FileError: DomainFailure {}
