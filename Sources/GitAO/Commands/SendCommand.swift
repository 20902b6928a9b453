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
            "Delivered" is said only of text seen on the input line and gone from it after Enter; \
            an agent that shows nothing of what is typed gets "Sent ... cannot confirm" instead. \
            Deliveries into one session go one at a time: two sends, a send and a queued message, \
            or a nudge of an observation pass wait for each other (send waits up to 60 s, then \
            fails with AGENT_BUSY). A delivery killed half-way is finished by the next one: text \
            it left on the input line is submitted, and a queued message it already submitted is \
            not typed again. \
            An agent whose screen git-ao can read (aider) gets the text only at its prompt: send \
            waits for it up to ao.agent.<name>.readyTimeout (30s) and otherwise fails with \
            AGENT_BUSY. \
            Use '-' as the only message word to read the message from standard input. Everything \
            after the session id is message text, so put options before the id. A session at a \
            permission dialog is refused (SESSION_AWAITING_DECISION); --queue instead keeps the \
            message and delivers it as soon as the agent can take it (not at a permission dialog, \
            not waiting for an answer to its question), on the next observation pass. A message \
            queued for an ended session waits for 'git ao restore'.

            The text never acts as keys: control characters (other than newline and tab), Escape, \
            DEL and C1 controls are shown in caret notation (^C, ^[, ^?; C1 as <U+0085>), and a \
            carriage return becomes a newline, so nothing in a message can interrupt the agent or \
            end a bracketed paste early. To press a key on purpose, use --key NAME (repeatable, \
            instead of a message), which takes only these names: \(SpecialKey.names.joined(separator: ", ")). \
            Keys are pressed even at a permission dialog, which is what Escape or Enter answer.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: JSONOption

    @Flag(help: "Queue the message and deliver it when the agent can take it.")
    var queue = false

    @Option(name: .customLong("key"), help: ArgumentHelp("Press this key instead of sending a message (repeatable): one of \(SpecialKey.names.joined(separator: ", ")).", valueName: "name"))
    var keys: [String] = []

    @OptionGroup var target: SessionArgument

    @Argument(parsing: .captureForPassthrough, help: ArgumentHelp("The message; '-' reads it from standard input.", valueName: "message"))
    var message: [String] = []

    func validate() throws {
        if !keys.isEmpty {
            if let unknown = keys.first(where: { SpecialKey(name: $0) == nil }) {
                throw ValidationError("Unknown key '\(unknown)' for --key; it takes one of: \(SpecialKey.names.joined(separator: ", ")).")
            }
            if !message.isEmpty { throw ValidationError("Give either a message or --key, not both.") }
            if queue { throw ValidationError("--queue applies to messages; keys are pressed at once.") }
            return
        }
        if message.isEmpty { throw ValidationError("Missing the message to send (or '-' to read it from standard input).") }
    }

    func run() throws {
        try global.apply()
        if !keys.isEmpty {
            let (workspace, session) = try target.resolve()
            let pressed = try SendCommand.press(keys.compactMap { SpecialKey(name: $0) }, in: session, workspace: workspace)
            if output.json {
                struct Payload: Encodable { let session: String; let keys: [String] }
                Console.out(JSON.encode(Payload(session: session.id.rawValue, keys: pressed.map(\.rawValue))) + "\n")
            } else if !global.quiet {
                Console.err("Pressed \(pressed.map(\.rawValue).joined(separator: " ")) in \(session.id).\n")
            }
            return
        }
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
            Console.out(JSON.encode(Payload(session: session.id.rawValue, confirmed: result.submitted, enter_presses: result.presses)) + "\n")
        } else if !global.quiet && result.seen {
            Console.err("Delivered to \(session.id)\(result.presses > 1 ? " (Enter pressed \(result.presses) times)" : "").\n")
        } else if !global.quiet {
            // Only what the screen showed is claimed.
            Console.err("Sent to \(session.id) and Enter pressed; its agent shows nothing of what it is typed, so git-ao cannot confirm it was submitted.\n")
        }
    }

    /// How long a send waits for other deliveries into the session (each bounded: a readiness
    /// wait of at most readyTimeout, 30 s by default, then a few seconds of typing).
    static let lockWait: Double = 60

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
        // One deliverer at a time: the agent's readiness is judged, and the text typed, while
        // nobody else types into the pane.
        let runDirectory = workspace.location.aoDirectory + "/run"
        let delivered = try Delivery(tmux: tmux, target: session.tmuxName)
            .exclusively(runDirectory: runDirectory, wait: SendCommand.lockWait, interrupted: { Interrupts.isPending }) { delivery in
                try AgentReadiness.waitBeforeSend(session, delivery: delivery, workspace: workspace)
                return try delivery.deliver(text)
            }
        guard let result = delivered else {
            try Interrupts.check("waiting for another delivery into the session")
            let lock = Delivery.lockPath(runDirectory: runDirectory, target: session.tmuxName)
            throw Messages.deliveryBusy(session.id.rawValue, seconds: Int(SendCommand.lockWait), owner: FileLock.owner(of: lock))
        }
        try workspace.storeCall {
            try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: result.confirmed ? "message_sent" : "message_unconfirmed",
                                               revision: session.revision, data: JSON.object(["text": TerminalText.inert(text), "enter_presses": String(result.presses),
                                                                                                                  "seen": result.seen ? nil : "false"])))
        }
        if !result.confirmed { throw Messages.deliveryNotConfirmed(session.id.rawValue, attempts: result.presses) }
        return result
    }

    /// Presses keys from the fixed list in a live session's pane, and logs them.
    static func press(_ keys: [SpecialKey], in session: Session, workspace: Workspace) throws -> [SpecialKey] {
        if session.isTerminated { throw Messages.sessionNotRunning(session.id.rawValue, reason: session.terminalReason?.rawValue) }
        // Keys pressed during a spawn would land in the prompt being pasted.
        if session.state == .notStarted && session.runtime == .unknown {
            throw Messages.sessionStillSpawning(session.id.rawValue)
        }
        // The session's own server, whatever TMUX or TMUX_TMPDIR say here.
        let tmux = RuntimeProbing.server(of: session, tmux: try Tmux.require())
        switch tmux.listSessions() {
        case .listed(let names) where names[session.tmuxName] == nil:
            throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone from the tmux server at \(tmux.socketPath)")
        case .failed(let reason):
            throw Messages.serverUnreachable(tmux.socketPath, reason)
        default:
            break
        }
        // In copy mode the keys would move the copy cursor instead of reaching the agent.
        for _ in 0..<3 where try tmux.paneState(session.tmuxName).inMode { try tmux.leaveMode(session.tmuxName) }
        var pressed = 0
        var ended: AOError?
        for key in keys {
            do { try tmux.press(key, in: session.tmuxName) } catch {
                // A key (C-c, say) can end the agent and with it the tmux session: say so, with
                // the keys pressed, rather than a tmux failure.
                // The last session of a server takes the server with it: no server is gone too.
                switch tmux.listSessions() {
                case .listed(let names) where names[session.tmuxName] == nil: break
                case .noServer: break
                default: throw error
                }
                if pressed == 0 { throw Messages.sessionNotRunning(session.id.rawValue, reason: "its tmux session \(session.tmuxName) is gone") }
                ended = Messages.sessionEndedDuringKeys(session.id.rawValue, pressed: keys[..<pressed].map(\.rawValue),
                                                        notPressed: keys[pressed...].map(\.rawValue))
                break
            }
            pressed += 1
        }
        let store = try workspace.requireStore()
        try workspace.storeCall {
            try store.recordEvent(SessionEvent(sessionID: session.id, at: Clock.now(), kind: "keys_sent",
                                               revision: session.revision, data: JSON.object(["keys": keys[..<pressed].map(\.rawValue).joined(separator: " ")])))
        }
        if let ended { throw ended }
        return keys
    }

    /// Puts the message in the outbox; delivers it right away when the agent can take it.
    static func enqueue(_ text: String, for session: Session, workspace: Workspace, quiet: Bool, json: Bool) throws {
        let store = try workspace.requireStore()
        let item = try workspace.storeCall { try store.enqueueNudge(text, reason: NudgeReason([.message]).encoded, for: session.id, at: Clock.now()) }
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
        var unconfirmed: String?
        // "Delivered" is said of this message only: the pass may have delivered others.
        if DeliveryRules.hold(session) == nil, case .ran = try ObservePass(workspace: workspace, only: session.id).run() {
            let outcome = try workspace.storeCall { try store.outboxItemOutcome(item) }
            delivered = outcome.done && outcome.error == nil
            if outcome.done && outcome.error != nil { unconfirmed = outcome.error }
        }
        if let unconfirmed, !json {
            if !quiet { Console.err("Typed into \(session.id)'s agent, but \(unconfirmed): look at it with 'git ao attach \(session.id)'.\n") }
            return
        }
        if json {
            struct Payload: Encodable { let session: String; let queued: Bool; let delivered: Bool; let waiting_for: String? }
            Console.out(JSON.encode(Payload(session: session.id.rawValue, queued: true, delivered: delivered, waiting_for: delivered ? nil : DeliveryRules.hold(session))) + "\n")
        } else if !quiet {
            Console.err(delivered ? "Delivered to \(session.id).\n"
                                  : "Queued for \(session.id)\(DeliveryRules.hold(session).map { ": \($0)" } ?? ""); it is delivered as soon as the agent can take it.\n")
        }
    }
}
