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

    /// `git-ao: error[CODE]: sentence`, detail lines, then `hint: ...`.
    package func humanText() -> String {
        var lines = ["git-ao: error[\(code.rawValue)]: \(message)"]
        lines += details.map { "  " + $0 }
        lines.append("hint: \(hint)")
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
