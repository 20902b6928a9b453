import Forge
import Lifecycle
import Platform

/// `ao.intake.*`, read and checked once per run.
struct IntakeSettings {
    static let enabledKey = "ao.intake.enabled"
    static let labelsKey = "ao.intake.labels"
    static let assigneeKey = "ao.intake.assignee"
    static let repoKey = "ao.intake.repo"
    static let maxKey = "ao.intake.max"
    static let agentKey = "ao.intake.agent"
    static let defaultMax = 3
    /// How long a repository is left alone after a failed list or spawn.
    static let backoff = TimeSpan.minutes(5)

    var enabled: Bool
    var rules: IntakeRules
    var repository: RepositorySlug?
    var max: Int
    var agent: String?

    init(config: GitConfig) throws {
        enabled = try config.bool(Self.enabledKey) ?? false
        rules = IntakeRules(labels: config.strings(Self.labelsKey).map(\.trimmingSpaces), assignee: config.nonEmpty(Self.assigneeKey)?.trimmingSpaces)
        if let repo = config.nonEmpty(Self.repoKey) {
            guard let slug = RepositorySlug.parse(remoteURL: "https://github.com/" + repo.trimmingSpaces), !repo.hasSuffix(".git") else {
                throw Messages.invalidConfig(key: Self.repoKey, value: repo, expected: "owner/repo")
            }
            repository = slug
        }
        if let text = config.nonEmpty(Self.maxKey) {
            guard let value = Int(text.trimmingSpaces), value >= 0 else {
                throw Messages.invalidConfig(key: Self.maxKey, value: text, expected: "a number of sessions (0 or more)")
            }
            max = value
        } else {
            max = Self.defaultMax
        }
        agent = config.nonEmpty(Self.agentKey)
    }

    /// Refuses a scope that would drain the whole backlog.
    func checkScoped() throws {
        if !rules.isScoped { throw Messages.intakeUnscoped() }
    }
}
