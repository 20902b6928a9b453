import Platform
import Store

/// The errors of `git ao review`.
extension Messages {
    static func reviewRunNotFound(_ handle: String) -> AOError {
        AOError(.reviewRunNotFound, "no review run '\(handle)'.",
                hint: "List runs with: git ao review list")
    }

    static func reviewRunStale(_ id: Int64, status: ReviewRun.Status) -> AOError {
        AOError(.reviewRunStale, "review run \(id) was \(status.rawValue); its verdict is no longer wanted.",
                hint: "Review the latest run instead: git ao review list")
    }

    static func reviewRunIsCommand(_ id: Int64) -> AOError {
        AOError(.reviewRunIsCommand, "review run \(id) is a command reviewer's: its verdict is its command's exit status, and nobody else can submit one.",
                hint: "Wait for it (git ao review show \(id)), or cancel it: git ao review cancel \(id)")
    }

    static func reviewAlreadySubmitted(_ id: Int64, verdict: ReviewRun.Verdict) -> AOError {
        AOError(.reviewAlreadySubmitted, "review run \(id) already has the verdict \(verdict.rawValue) with another body.",
                hint: "A verdict is final. Submitting the same verdict and body again changes nothing; start a new run with: git ao review trigger <id>")
    }

    static func reviewBodyRequired() -> AOError {
        AOError(.invalidArgument, "a changes_requested verdict needs a non-empty body.",
                hint: "Say what to change: --body-file <file>, or --body-file - to read it from standard input.")
    }

    static func cannotReadBody(_ path: String) -> AOError {
        AOError(.ioFailed, "could not read the review body from '\(path)'.",
                hint: "Check the path, or pass the body on standard input with --body-file -")
    }

    static func noReviewer(_ session: String, reason: String) -> AOError {
        AOError(.noReviewer, "no reviewer can review session \(session): \(reason).",
                hint: "Set git config ao.review.command (a program whose exit status is the verdict) or ao.review.agent (claude-code, codex, or a custom agent with ao.agent.<name>.reviewCommand).")
    }

    static func agentCannotReview(_ agent: String) -> AOError {
        AOError(.noReviewer, "agent '\(agent)' cannot review: git-ao only starts reviewers it can make read-only.",
                hint: "Use claude-code or codex, or give the custom agent a read-only launch line: git config ao.agent.\(agent).reviewCommand '<argv with {prompt} or {prompt_file}>'")
    }

    static func invalidReviewCommand(_ text: String, key: String, reason: String) -> AOError {
        AOError(.invalidConfig, "git config '\(key)' ('\(text)') cannot be split into words: \(reason).",
                hint: "Quote words with spaces in single or double quotes; no shell syntax applies.")
    }
}
