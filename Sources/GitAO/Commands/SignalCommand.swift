import ArgumentParser

/// `git ao signal <agent> <event>`: what agents' hooks run.
struct SignalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signal",
        abstract: "Report an agent's activity (run by the agent's own hooks; always exits 0).",
        discussion: """
            Reads the agent's hook payload on standard input and records the activity for the \
            session in AO_SESSION_ID. Claude Code events: UserPromptSubmit, PreToolUse, PostToolUse \
            (active), PermissionRequest (blocked), Stop (idle), Notification by notification_type \
            (idle_prompt: idle; elicitation_dialog, elicitation_url_dialog, agent_needs_input: \
            waiting_input; permission_prompt: blocked; others: no change), SessionEnd (exited), \
            SessionStart (records its session_id). Codex: UserPromptSubmit (active), \
            PermissionRequest (waiting_input), Stop (idle), each recording its session_id (the \
            thread id codex resume takes). Any agent may also name the activity: \
            active, idle, waiting_input, blocked, exited. Problems go to <common-dir>/ao/hooks.log.
            """
    )

    @Argument(help: "The agent: claude-code, codex, or a custom agent's name.")
    var agent: String
    @Argument(help: "The hook event or activity.")
    var event: String

    func run() throws { HookActions.signal(agent: agent, event: event) }
}
