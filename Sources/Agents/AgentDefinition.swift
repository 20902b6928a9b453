import FoundationEssentials
import Platform

/// How an agent is started, resumed and given its first prompt.
package struct AgentDefinition {
    package enum Kind: Equatable {
        case claudeCode
        case codex
        case aider
        case shell
        /// From git config: `ao.agent.<name>.command` and optionally `.resume`.
        case custom(launch: CommandTemplate, resume: CommandTemplate?)
    }

    /// How the first prompt reaches the agent.
    package enum PromptDelivery: String {
        /// On the command line.
        case argument
        /// Pasted into the running agent once it is ready, then submitted.
        case paste
        /// The agent takes no prompt (an interactive shell).
        case none
    }

    package let name: String
    package let kind: Kind
    /// Text the agent shows when ready for a pasted prompt; nil means "its screen stopped changing".
    package let readyPattern: String?
    /// A custom agent that calls `git ao signal <name> <activity>` itself (`ao.agent.<name>.hooks`).
    package var customHooks = false
    /// Screen text that means a custom agent without hooks waits for its next task / asks a question.
    package var promptPattern: String? = nil
    package var questionPattern: String? = nil

    /// Whether the agent reports its own activity through `git ao signal`; the others are judged
    /// by their screen between observation passes.
    package var hasHooks: Bool {
        switch kind {
        case .claudeCode, .codex: return true
        case .aider, .shell: return false
        case .custom: return customHooks
        }
    }

    /// How its screen is read (readiness, prompt, questions).
    package var screenSigns: ScreenSigns {
        var signs = ScreenSigns()
        if case .aider = kind { signs = .aider }
        if let readyPattern { signs.ready = .anywhere(readyPattern) }
        if let promptPattern { signs.prompt = .inputLineContains(promptPattern) }
        if let questionPattern { signs.questions = [.inputLineContains(questionPattern)] }
        return signs
    }

    /// Files the agent itself writes in a worktree, as `info/exclude` patterns: they go into
    /// `<common-dir>/info/exclude` at spawn so they never make a worktree look dirty.
    package var ownFilePatterns: [String] {
        switch kind {
        case .aider: return [".aider*"]
        case .claudeCode, .codex, .shell, .custom: return []
        }
    }

    /// The agent's conversation files in a worktree (paths relative to it): kept in
    /// `<common-dir>/ao/sessions/<id>/` while the worktree is gone, so restore can resume.
    package var conversationFiles: [String] {
        switch kind {
        case .aider: return [".aider.chat.history.md", ".aider.input.history"]
        case .claudeCode, .codex, .shell, .custom: return []
        }
    }

    /// Whether resuming needs the conversation files back in the worktree (aider reads its chat
    /// history from there; without it `--restore-chat-history` starts an empty chat).
    package var resumeNeedsConversationFiles: Bool { !conversationFiles.isEmpty }

    /// What spawn and restore fill the argv with.
    package struct Context {
        package var prompt: String?
        package var promptFile: String?
        package var session: String
        package var agentSession: String?

        package init(prompt: String? = nil, promptFile: String? = nil, session: String, agentSession: String? = nil) {
            self.prompt = prompt
            self.promptFile = promptFile
            self.session = session
            self.agentSession = agentSession
        }
    }

    package var isBuiltIn: Bool { if case .custom = kind { return false } else { return true } }

    /// The program the launch argv starts with, to look up on PATH before anything is created.
    package var program: String {
        switch kind {
        case .claudeCode: return "claude"
        case .codex: return "codex"
        case .aider: return "aider"
        case .shell: return AgentDefinition.userShell
        case .custom(let launch, _): return launch.words[0]
        }
    }

    package static var userShell: String {
        guard let shell = Environment.value("SHELL"), !shell.isEmpty else { return "/bin/sh" }
        return shell
    }

    package func promptDelivery(hasPrompt: Bool) -> PromptDelivery {
        switch kind {
        case .claudeCode, .codex: return .argument
        case .aider: return hasPrompt ? .paste : .none
        case .shell: return .none
        case .custom(let launch, _):
            if launch.mentions("{prompt}") || launch.mentions("{prompt_file}") { return .argument }
            return hasPrompt ? .paste : .none
        }
    }

    /// Whether spawn must write the prompt to a file for `{prompt_file}`.
    package var wantsPromptFile: Bool {
        if case .custom(let launch, let resume) = kind {
            return launch.mentions("{prompt_file}") || resume?.mentions("{prompt_file}") == true
        }
        return false
    }

    /// Whether git-ao chooses the agent's own session id up front (so restore can resume it).
    package var pinsAgentSession: Bool { kind == .claudeCode }

    /// A fresh id for agents that take one (Claude Code's `--session-id` wants a UUID).
    package static func newAgentSessionID() -> String { UUID().uuidString.lowercased() }

    /// The argv of a fresh start.
    package func launchArgv(_ context: Context) -> [String] {
        let prompt = context.prompt.flatMap { $0.isEmpty ? nil : $0 }
        switch kind {
        case .claudeCode:
            // `--` so a prompt that starts with '-' is never read as an option.
            return ["claude"] + (context.agentSession.map { ["--session-id", $0] } ?? []) + (prompt.map { ["--", $0] } ?? [])
        case .codex:
            return ["codex"] + AgentHooks.codexArguments() + (prompt.map { ["--", $0] } ?? [])
        case .aider:
            // No release-notes offer: on the first run of a new aider version it is a question
            // that would stand between the agent and its task.
            return ["aider", "--no-show-release-notes"]
        case .shell:
            return [AgentDefinition.userShell]
        case .custom(let launch, _):
            return launch.render(values(context, prompt: prompt))
        }
    }

    /// The argv that resumes the agent's own conversation, or nil when it has no native resume
    /// (or the id it needs was never learnt); restore then starts afresh with the saved prompt.
    package func resumeArgv(_ context: Context) -> [String]? {
        switch kind {
        case .claudeCode:
            return context.agentSession.map { ["claude", "--resume", $0] }
        case .codex:
            return context.agentSession.map { ["codex", "resume"] + AgentHooks.codexArguments() + [$0] }
        case .aider:
            return ["aider", "--no-show-release-notes", "--restore-chat-history"]
        case .shell:
            return nil
        case .custom(let launch, let resume):
            guard let resume else { return nil }
            if resume.mentions("{agent_session}") && context.agentSession == nil { return nil }
            _ = launch
            return resume.render(values(context, prompt: context.prompt.flatMap { $0.isEmpty ? nil : $0 }))
        }
    }

    private func values(_ context: Context, prompt: String?) -> [String: String?] {
        ["{prompt}": prompt, "{prompt_file}": context.promptFile, "{session}": context.session, "{agent_session}": context.agentSession]
    }

    package init(name: String, kind: Kind, readyPattern: String? = nil, promptPattern: String? = nil, questionPattern: String? = nil) {
        self.name = name
        self.kind = kind
        self.readyPattern = readyPattern
        self.promptPattern = promptPattern
        self.questionPattern = questionPattern
    }
}
