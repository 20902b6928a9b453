import Agents
import ArgumentParser
import Platform
import Store

/// `git ao init`: the state database, the hooks, and a summary of the configuration in force.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Set a repository up: create the state database, install the git hooks, show the configuration.",
        discussion: "Safe to run again: nothing that exists is changed, and an existing hook is kept and chained."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.apply()
        _ = try Workspace.openRepository()
        let workspace = try Workspace.locate()
        let existed = fileExists(workspace.location.aoDirectory + "/" + StateStore.fileName)
        let store = try workspace.requireStore()
        let schema = try workspace.storeCall { try store.appliedMigrations().count }
        let installer = GitHooksInstaller(directory: try GitHooksInstaller.hooksDirectory(workspace: workspace))
        let (lines, conflicts) = try HooksCommand.install(installer)
        let config = try workspace.config()

        Console.line("Database: \(workspace.location.aoDirectory)/\(StateStore.fileName) (\(existed ? "already there" : "created"), schema \(schema))")
        Console.line("Hooks in \(installer.directory):")
        lines.forEach { Console.line("  " + $0) }
        Console.line("Configuration in force:")
        for key in ConfigKeys.all where !key.name.contains("<name>") {
            let scoped = config.entries.last { $0.key == GitConfig.canonical(key.name) }
            var fallback = key.defaultValue.isEmpty ? "unset" : key.defaultValue
            if key.name == ConfigKeys.worktreeRoot { fallback = (try? workspace.worktreeRoot()) ?? fallback }
            let value = scoped.map { "\($0.value ?? "true") (\($0.scope ?? "config"))" } ?? "\(fallback) (default)"
            // A multi-valued key lists every value in force, in git's order, not only the last.
            let values = config.entries.filter { $0.key == GitConfig.canonical(key.name) }
            if key.name == ConfigKeys.spawnInclude && values.count > 1 {
                for entry in values { Console.line("  \(key.name) = \(entry.value ?? "true") (\(entry.scope ?? "config"))") }
            } else {
                Console.line("  \(key.name) = \(value)")
            }
        }
        let catalog = AgentCatalog(config: config)
        let custom = catalog.names.filter { !AgentCatalog.builtInNames.contains($0) }
        Console.line("  agents: \(AgentCatalog.builtInNames.joined(separator: ", "))\(custom.isEmpty ? "" : "; custom: " + custom.joined(separator: ", "))")
        if !conflicts.isEmpty { throw HooksCommand.conflict(conflicts, directory: installer.directory) }
    }
}
