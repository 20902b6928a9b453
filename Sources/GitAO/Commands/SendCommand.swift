import ArgumentParser
import Lifecycle
import Platform
import TmuxRuntime

/// `git ao send <id> <message...>`: delivers text to the agent and confirms it was submitted.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send a message to a session's agent and submit it.",
        discussion: """
            The text is delivered literally (it is never read as tmux key names) through a paste \
            buffer, after leaving copy mode if the pane is in it, and submitted with Enter. git-ao \
            then checks the agent took it: while the text still sits in the input line it presses \
            Enter again, up to 3 times, and reports failure (DELIVERY_NOT_CONFIRMED) if it stays. \
            Use '-' as the only message word to read the message from standard input. Everything \
            after the session id is message text, so put options before the id. A session at a \
            permission dialog is refused (SESSION_AWAITING_DECISION); --queue instead keeps the \
            message and delivers it as soon as the agent can take it (not at a permission dialog, \
            not waiting for an answer to its question), on the next observation pass. A message \
            queued for an ended session waits for 'git ao restore'.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Queue the message and deliver it when the agent can take it.")
    var queue = false

    @OptionGroup var target: SessionArgument

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The message; '-' reads it from standard input.", valueName: "message"))
    var message: [String] = []

    func validate() throws {
        if message.isEmpty { throw ValidationError("Missing the message to send (or '-' to read it from standard input).") }
    }

    func run() throws {
        try global.apply()
        let words = message.first == "--" ? Array(message.dropFirst()) : message
        let text: String
        if words == ["-"] {
            let bytes = readStandardInput()
            guard let decoded = String(validating: bytes, as: UTF8.self) else {
                throw Messages.notUTF8("message")
            }
            text = decoded
        } else {
            text = words.joined(separator: " ")
        }
        if text.trimmingSpaces.isEmpty {
            throw Messages.emptyMessage()
        }
        let (workspace, session) = try target.resolve()
        if queue {
            try SendCommand.enqueue(text, for: session, workspace: workspace, quiet: global.quiet, json: output.json)
            return
        }
        let result = try SendCommand.deliver(text, to: session, workspace: workspace)
        if output.json {
            struct Payload: Encodable { let session: String; let confirmed: Bool; let enter_presses: Int }
            Console.out(JSON.encode(Payload(session: session.id.rawValue, confirmed: true, enter_presses: result.presses)) + "\n")
        } else if !global.quiet {
            Console.err("Delivered to \(session.id)\(result.presses > 1 ? " (Enter pressed \(result.presses) times)" : "").\n")
        }
    }

    /// Delivers `text` to a live session and records the attempt in the change log.
    static func deliver(_ text: String, to session: Session, workspace: Workspace) throws -> Delivery.Result {
        if session.isTerminated { throw Messages.sessionNotRunning(session.id.rawValue, reason: session.terminalReason?.rawValue) }
        if session.activity == .blocked { throw Messages.awaitingDecision(session.id.rawValue) }
        // A spawn in progress may still paste its prompt, or be undone: text typed now would be
        // mixed into the prompt or lost. (--queue keeps it for after the spawn.)
        if session.state == .notStarted && session.runtime == .unknown {
            throw Messages.sessionStillSpawning(session.id.rawValue)
        }
        let tmux = RuntimeProbing.server(of: session, tmux: try Tmux.require())
        let store = try workspace.requireStore()
        // A probe of this one session, on its own server: what it sees is stored (a vanished
        // tmux session starts being confirmed dead), but it never concludes a death.
        let probed = try workspace.storeCall { try RuntimeProbing.refresh([session], store: store, tmux: tmux, scope: .singleSession) }
        switch probed.outcome.probes[session.id] {
        case .missing?:
            throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone from the tmux server at \(tmux.socketPath)")
        case .failed(let reason)?, .indeterminate(let reason)?:
            throw Messages.serverUnreachable(tmux.socketPath, reason)
        case .alive?, nil:
            break
        }
        let result = try Delivery(tmux: tmux, target: session.tmuxName).deliver(text)
        try workspace.storeCall {
            try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: result.confirmed ? "message_sent" : "message_unconfirmed",
                                               revision: session.revision, data: JSON.object(["text": text, "enter_presses": String(result.presses)])))
        }
        if !result.confirmed { throw Messages.deliveryNotConfirmed(session.id.rawValue, attempts: result.presses) }
        return result
    }

    /// Puts the message in the outbox; delivers it right away when the agent can take it.
    static func enqueue(_ text: String, for session: Session, workspace: Workspace, quiet: Bool, json: Bool) throws {
        let store = try workspace.requireStore()
        try workspace.storeCall { try store.enqueueNudge(text, reason: "queued with git ao send --queue", for: session.id, at: Clock.now()) }
        if session.isTerminated {
            // Kept for the agent's return: the first pass after `git ao restore` delivers it.
            let waiting = "a restore (the session has ended: \(session.terminalReason?.rawValue ?? "unknown"))"
            if json {
                struct Payload: Encodable { let session: String; let queued: Bool; let delivered: Bool; let waiting_for: String? }
                Console.out(JSON.encode(Payload(session: session.id.rawValue, queued: true, delivered: false, waiting_for: waiting)) + "\n")
            } else if !quiet {
                Console.err("Queued for \(session.id), which has ended (\(session.terminalReason?.rawValue ?? "unknown")); it is delivered once 'git ao restore \(session.id)' brings the agent back.\n")
            }
            return
        }
        var delivered = false
        if NudgeGuard.hold(session) == nil, case .ran(let changes) = try ObservePass(workspace: workspace, only: session.id).run() {
            delivered = changes.contains { $0.text.hasPrefix("nudged") }
        }
        if json {
            struct Payload: Encodable { let session: String; let queued: Bool; let delivered: Bool; let waiting_for: String? }
            Console.out(JSON.encode(Payload(session: session.id.rawValue, queued: true, delivered: delivered, waiting_for: delivered ? nil : NudgeGuard.hold(session))) + "\n")
        } else if !quiet {
            Console.err(delivered ? "Delivered to \(session.id).\n"
                                  : "Queued for \(session.id)\(NudgeGuard.hold(session).map { ": \($0)" } ?? ""); it is delivered as soon as the agent can take it.\n")
        }
    }
}
