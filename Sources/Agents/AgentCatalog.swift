import Platform

/// The agents git-ao knows: the built-in ones and those defined in git config.
package struct AgentCatalog {
    package static let builtInNames = ["claude-code", "codex", "aider", "shell"]

    package let config: GitConfig

    /// Every agent name available here: built-ins, then custom ones from config.
    package var names: [String] {
        var all = AgentCatalog.builtInNames
        for name in config.subsections(of: "ao.agent", having: "command") where !all.contains(name) { all.append(name) }
        return all
    }

    /// The agent called `name`. A custom definition with a built-in's name replaces the built-in.
    package func definition(_ name: String) throws -> AgentDefinition {
        let key = "ao.agent.\(name).command"
        let readyPattern = config.nonEmpty("ao.agent.\(name).readyPattern")
        if let text = config.string(key) {
            let launch: CommandTemplate
            do { launch = try CommandTemplate(parsing: text) } catch let error as CommandTemplate.ParseError {
                throw Messages.agentCommandInvalid(name, key: key, reason: error.description)
            }
            var resume: CommandTemplate?
            let resumeKey = "ao.agent.\(name).resume"
            if let resumeText = config.nonEmpty(resumeKey) {
                do { resume = try CommandTemplate(parsing: resumeText) } catch let error as CommandTemplate.ParseError {
                    throw Messages.agentCommandInvalid(name, key: resumeKey, reason: error.description)
                }
            }
            var definition = AgentDefinition(name: name, kind: .custom(launch: launch, resume: resume), readyPattern: readyPattern)
            definition.customHooks = try config.bool("ao.agent.\(name).hooks") ?? false
            definition.promptPattern = config.nonEmpty("ao.agent.\(name).promptPattern")
            definition.questionPattern = config.nonEmpty("ao.agent.\(name).questionPattern")
            return definition
        }
        let kind: AgentDefinition.Kind
        switch name {
        case "claude-code": kind = .claudeCode
        case "codex": kind = .codex
        case "aider": kind = .aider
        case "shell": kind = .shell
        default: throw Messages.unknownAgent(name, known: names)
        }
        return AgentDefinition(name: name, kind: kind, readyPattern: readyPattern)
    }

    /// The agent spawn uses when none is named: `ao.agent`, else claude-code.
    package var defaultAgentName: String { config.nonEmpty(ConfigKeys.agent) ?? ConfigKeys.defaultAgent }

    package init(config: GitConfig) {
        self.config = config
    }
}
