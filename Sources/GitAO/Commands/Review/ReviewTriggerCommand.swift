import Agents
import ArgumentParser
import Lifecycle
import Platform

/// `git ao review trigger <id> [--agent A | --command]`.
struct ReviewTriggerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Review a session's HEAD now. Prints the run id, or why nothing was done.",
        discussion: "Without --agent or --command, every configured reviewer reviews. A command reviewer runs in the background."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: SessionArgument

    @Option(help: ArgumentHelp("Review with this agent (claude-code, codex, or a custom agent with ao.agent.<name>.reviewCommand).", valueName: "agent"))
    var agent: String?

    @Flag(help: "Review with ao.review.command only.")
    var command = false

    func validate() throws {
        if agent != nil && command { throw ValidationError("--agent and --command exclude each other.") }
    }

    func run() throws {
        try global.apply()
        let (workspace, session) = try target.resolve()
        let store = try workspace.requireStore()
        let trigger = try ReviewTrigger(workspace: workspace, store: store)
        var reviewers: [Reviewer]
        if let agent {
            let definition = try AgentCatalog(config: trigger.config).definition(agent)
            guard ReviewSettings.canReview(definition, config: trigger.config) else { throw Messages.agentCannotReview(agent) }
            reviewers = [.agent(agent)]
        } else if command {
            guard trigger.settings.command != nil else { throw Messages.noReviewer(session.id.rawValue, reason: "ao.review.command is not set") }
            reviewers = [.command]
        } else {
            var settings = trigger.settings
            settings.explicitlyEnabled = true
            let override = try store.reviewAgentOverride(for: session.id)
            reviewers = settings.reviewers(for: session, override: override, config: trigger.config)
            if reviewers.isEmpty {
                throw Messages.noReviewer(session.id.rawValue, reason: settings.agentReviewer(workerAgent: session.agent, override: override, config: trigger.config).why)
            }
        }
        for reviewer in reviewers {
            switch try trigger.trigger(session, reviewer: reviewer, execution: .detached) {
            case .started(let run): Console.line(global.quiet ? String(run.id) : "\(run.id)")
            case .skipped(let why): if !global.quiet { Console.line(why) }
            }
        }
    }
}
