/// What a nudge is about: the one fact it tells the agent. Every rule that decides whether a
/// nudge is sent, kept, replaced or withdrawn speaks of topics, never of the nudge's text.
public enum NudgeTopic: Hashable, Sendable {
    /// A review run's `changes_requested` verdict.
    case reviewRun(Int64)
    /// A failed check on a commit: one fact per head sha and check, whichever pull requests share
    /// that head.
    case ciFailure(head: String, check: String)
    /// An unresolved review thread on pull request `pr` (the thread's node id).
    case reviewThread(pr: Int, id: String)
    /// The body of a GitHub review on pull request `pr` that requests changes (its database id).
    case reviewBody(pr: Int, id: Int64)
    /// The session's branch conflicts with its base: one episode at a time.
    case conflictEpisode
    /// A message a person queued with `git ao send --queue`.
    case message

    /// The families a pending nudge is judged by at delivery.
    public enum Family: Sendable { case review, ci, githubReview, conflict, message }

    public var family: Family {
        switch self {
        case .reviewRun: return .review
        case .ciFailure: return .ci
        case .reviewThread, .reviewBody: return .githubReview
        case .conflictEpisode: return .conflict
        case .message: return .message
        }
    }

    /// Whether the topic is feedback from GitHub (withdrawn once the pull request is merged or closed).
    /// The pull request a review topic is about.
    public var pullRequest: Int? {
        switch self {
        case .reviewThread(let pr, _), .reviewBody(let pr, _): return pr
        default: return nil
        }
    }

    public var isFromGitHub: Bool {
        switch family {
        case .ci, .githubReview, .conflict: return true
        case .review, .message: return false
        }
    }

    /// The one text form of a topic: a word, then its fields, separated by `:`; fields that may
    /// hold any text (a check name, a thread id) are percent-escaped, so the form never holds a
    /// space, a `:` of its own or a newline.
    public var encoded: String {
        switch self {
        case .reviewRun(let id): return "review-run:\(id)"
        case .ciFailure(let head, let check): return "ci:\(Self.escape(head)):\(Self.escape(check))"
        case .reviewThread(let pr, let id): return "thread:\(pr):\(Self.escape(id))"
        case .reviewBody(let pr, let id): return "review-body:\(pr):\(id)"
        case .conflictEpisode: return "conflict"
        case .message: return "message"
        }
    }

    public init?(encoded: String) {
        let fields = encoded.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch (fields.first, fields.count) {
        case ("review-run", 2):
            guard let id = Int64(fields[1]) else { return nil }
            self = .reviewRun(id)
        case ("ci", 3):
            guard let head = Self.unescape(fields[1]), let check = Self.unescape(fields[2]) else { return nil }
            self = .ciFailure(head: head, check: check)
        case ("thread", 3):
            guard let pr = Int(fields[1]), let id = Self.unescape(fields[2]) else { return nil }
            self = .reviewThread(pr: pr, id: id)
        case ("review-body", 3):
            guard let pr = Int(fields[1]), let id = Int64(fields[2]) else { return nil }
            self = .reviewBody(pr: pr, id: id)
        case ("conflict", 1): self = .conflictEpisode
        case ("message", 1): self = .message
        default: return nil
        }
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            // Printable ASCII stays as it is; `%`, `:`, spaces, controls and every byte of a
            // non-ASCII character become %XX.
            if byte > 0x20, byte < 0x7F, byte != UInt8(ascii: "%"), byte != UInt8(ascii: ":") {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }

    static func unescape(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                  let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

/// The reason stored with a nudge in the outbox: the topics it covers (one CI nudge tells of
/// every check that failed on its commit). Its text form is the topics' forms joined by spaces.
public struct NudgeReason: Hashable, Sendable {
    public var topics: [NudgeTopic]

    public init(_ topics: [NudgeTopic]) { self.topics = topics }

    public var encoded: String { topics.map(\.encoded).joined(separator: " ") }

    /// The reason of a stored nudge. Rows written before topics existed used other words: a
    /// review verdict's `review:<run>` is still read as its run; any other old reason has no
    /// topic, and such a nudge is delivered as it was queued.
    public static func decode(_ text: String?) -> NudgeReason {
        guard let text, !text.isEmpty else { return NudgeReason([]) }
        if text.hasPrefix("review:"), let run = Int64(text.dropFirst("review:".count)) { return NudgeReason([.reviewRun(run)]) }
        return NudgeReason(text.split(separator: " ").compactMap { NudgeTopic(encoded: String($0)) })
    }

    /// The review run a verdict nudge delivers, if it is one.
    public var reviewRun: Int64? {
        for topic in topics { if case .reviewRun(let id) = topic { return id } }
        return nil
    }

    public var isFromGitHub: Bool { !topics.isEmpty && topics.allSatisfy(\.isFromGitHub) }

    /// A few words for reports and `events`: what the nudge is about.
    public var summary: String {
        guard let first = topics.first else { return "queued message" }
        switch first {
        case .reviewRun(let id): return "review run \(id)"
        case .ciFailure(let head, _): return "CI failure on \(head.prefix(7))"
        case .reviewThread, .reviewBody: return "GitHub review feedback"
        case .conflictEpisode: return "merge conflict"
        case .message: return "queued message"
        }
    }
}

/// The change-log entries delivery writes. The raw values are what `git ao events` and `--json`
/// show, so they never change.
public enum DeliveryEvent: String, CaseIterable, Sendable {
    /// A nudge or queued message was typed and seen submitted.
    case nudged
    /// Typed, but its submission could not be confirmed (it is not typed again).
    case nudgeUnconfirmed = "nudge_unconfirmed"
    /// Withdrawn before it was typed: its fact changed or ended.
    case nudgeSuperseded = "nudge_superseded"
    case notified
    case notifyFailed = "notify_failed"
}
