/// What a command reviewer's exit status means. Only a status the reviewer chose is a verdict:
/// 0 approves, 1 to 125 request changes. Everything else is the run failing, which is shown to
/// people and never sent to the worker nor counted toward the review cap: a reviewer killed by
/// kill -9 or the OOM killer has not judged the commit, and telling the agent "changes
/// requested" would send it after a problem that is not in its code.
public enum ReviewerExit: Equatable, Sendable {
    case approved
    case changesRequested(status: Int32)
    /// 126 (found but not executable) or 127 (not found): the shell's own codes for "could not run".
    case couldNotRun(status: Int32)
    /// Ended by signal `signal`. A status of 128 + N is read as signal N whether the kernel
    /// reported it or a shell wrapping the reviewer (`sh -c`) passed on its child's death: the
    /// two cannot be told apart from the status, and a reviewer choosing 129-192 for a verdict
    /// would be breaking the shell convention every CI system relies on.
    case killed(signal: Int32, status: Int32)
    /// 128, 193-255, or anything outside 0-255: no reviewer chooses these for a verdict.
    case abnormal(status: Int32)

    public init(status: Int32) {
        switch status {
        case 0: self = .approved
        case 1...125: self = .changesRequested(status: status)
        case 126, 127: self = .couldNotRun(status: status)
        case 129...192: self = .killed(signal: status - 128, status: status)
        default: self = .abnormal(status: status)
        }
    }

    /// Why the run failed (for the run's note, shown by `review list` and `review show`); nil
    /// for a verdict.
    public var failure: String? {
        switch self {
        case .approved, .changesRequested:
            return nil
        case .couldNotRun(let status):
            let what = status == 127 ? "a program it runs was not found" : "a program it runs is not executable"
            return "the command reviewer could not run (exit status \(status): \(what)); not a verdict"
        case .killed(let signal, let status):
            let name = ReviewerExit.signalNames[signal].map { " (SIG\($0))" } ?? ""
            return "the command reviewer was killed by signal \(signal)\(name) (exit status \(status), from the kernel or its shell); not a verdict"
        case .abnormal(let status):
            return "the command reviewer ended abnormally (exit status \(status)); not a verdict"
        }
    }

    /// Linux's numbering of the signals a reviewer is likely to die of.
    static let signalNames: [Int32: String] = [
        1: "HUP", 2: "INT", 3: "QUIT", 4: "ILL", 5: "TRAP", 6: "ABRT", 7: "BUS", 8: "FPE", 9: "KILL",
        10: "USR1", 11: "SEGV", 12: "USR2", 13: "PIPE", 14: "ALRM", 15: "TERM", 24: "XCPU", 25: "XFSZ", 31: "SYS",
    ]
}
