import Forge
import Lifecycle
import Platform
import Store

/// The observation pass's part in intake. A pass (often run from a git hook) must never wait
/// for agents to start, so it only claims the run in the database (at most once per
/// `ao.github.interval` per repository, never while backing off) and starts a detached
/// `git-ao intake --background`, which takes `intake.lock` without waiting and does the work.
struct IntakeTrigger {
    let workspace: Workspace
    let store: StateStore
    let config: GitConfig

    func run() {
        guard (try? config.bool(IntakeSettings.enabledKey)) == true,
              let settings = try? IntakeSettings(config: config), settings.rules.isScoped else { return }
        let repository: String
        if let slug = settings.repository {
            repository = slug.fullName
        } else if case .on(_, let slug) = ForgeStep.target(workspace: workspace, config: config) {
            repository = slug.fullName
        } else {
            return
        }
        let interval = (try? config.timeSpan(ConfigKeys.githubInterval)) ?? nil
        guard (try? store.claimIntakeRun(repository, at: Clock.now(), interval: interval ?? .seconds(30))) == true else { return }
        let location = workspace.location
        let argv = [Environment.executablePath, "-C", location.commonDir, "intake", "--background", "--quiet"]
        do {
            try Subprocess.spawnDetached(argv, environment: ObservePass.backgroundEnvironment(), directory: "/",
                                         logPath: HookLog.path(aoDirectory: location.aoDirectory))
        } catch {
            HookLog.append("could not start intake in the background: \(error)", aoDirectory: location.aoDirectory)
        }
    }
}
