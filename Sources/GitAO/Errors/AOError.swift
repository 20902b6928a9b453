import FoundationEssentials
import Store
import Worktree

/// An error for the user: a stable code, one sentence naming what is involved, a hint saying
/// what to do next, and optionally detail lines (what a rollback did, say).
struct AOError: Error, CustomStringConvertible {
    let code: ErrorCode
    let message: String
    let hint: String
    var details: [String] = []

    init(_ code: ErrorCode, _ message: String, hint: String, details: [String] = []) {
        self.code = code
        self.message = message
        self.hint = hint
        self.details = details
    }

    var description: String { "error[\(code.rawValue)]: \(message)" }

    /// `git-ao: error[CODE]: sentence`, detail lines, then `hint: ...`.
    func humanText() -> String {
        var lines = ["git-ao: error[\(code.rawValue)]: \(message)"]
        lines += details.map { "  " + $0 }
        lines.append("hint: \(hint)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same error as one JSON object, for `--json` callers (written to stderr).
    func jsonText() -> String {
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
protocol DomainFailure: Error {}
extension AOError: DomainFailure {}
extension StoreError: DomainFailure {}
extension GitError: DomainFailure {}
extension Subprocess.LaunchFailure: DomainFailure {}
extension FileError: DomainFailure {}
extension SeedConflict: DomainFailure {}

extension AOError {
    /// Wraps a lower-level failure that reached the user without a more specific translation.
    static func wrapping(_ error: Error) -> AOError {
        switch error {
        case let error as AOError:
            return error
        case let error as StoreError:
            return Messages.database(error)
        case let error as GitError:
            return AOError(.gitFailed, error.description, hint: "Run 'git ao doctor' to check the repository and libgit2.")
        case let error as Subprocess.LaunchFailure:
            return AOError(.runtimeFailed, error.description, hint: "Check that the program is installed and on PATH.")
        case let error as FileError:
            return AOError(.ioFailed, error.description, hint: "Check the path and its permissions.")
        default:
            return AOError(.ioFailed, String(describing: error), hint: "Run 'git ao doctor' for a check of the set-up.")
        }
    }
}
