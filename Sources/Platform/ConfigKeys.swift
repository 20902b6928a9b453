/// The configuration keys git-ao reads, with their defaults. The README, git-ao(1) and
/// `git ao init` describe exactly these; a test checks the man page lists every one.
package enum ConfigKeys {
    package struct Key {
        package let name: String
        package let defaultValue: String
        package let summary: String

        package init(name: String, defaultValue: String, summary: String) {
            self.name = name
            self.defaultValue = defaultValue
            self.summary = summary
        }
    }

    package static let agent = "ao.agent"
    package static let branchPrefix = "ao.branchPrefix"
    package static let worktreeRoot = "ao.worktreeRoot"

    package static let defaultAgent = "claude-code"
    package static let defaultBranchPrefix = "ao/"

    package static let all: [Key] = [
        Key(name: agent, defaultValue: defaultAgent, summary: "agent used when spawn has no --agent"),
        Key(name: branchPrefix, defaultValue: defaultBranchPrefix, summary: "prefix of branches spawn names itself (<prefix><id>)"),
        Key(name: worktreeRoot, defaultValue: "<main worktree>.ao", summary: "folder that holds session worktrees; relative paths are taken from the main worktree"),
        Key(name: "ao.agent.<name>.command", defaultValue: "", summary: "argv template of a custom agent; {prompt}, {prompt_file} and {session} are filled in"),
        Key(name: "ao.agent.<name>.resume", defaultValue: "", summary: "argv template that resumes a custom agent's conversation; adds {agent_session}"),
        Key(name: "ao.agent.<name>.readyPattern", defaultValue: "", summary: "text the agent shows when it is ready for a pasted prompt (default: aider's > line; a custom agent: its screen stops changing)"),
        Key(name: "ao.agent.<name>.readyTimeout", defaultValue: "30s", summary: "how long spawn waits for that readiness before giving up"),
        Key(name: "ao.agent.<name>.hooks", defaultValue: "false", summary: "the custom agent reports its own activity with git ao signal <name> <activity>"),
        Key(name: "ao.agent.<name>.promptPattern", defaultValue: "", summary: "screen text meaning a custom agent without hooks waits for its next task (idle)"),
        Key(name: "ao.agent.<name>.questionPattern", defaultValue: "", summary: "screen text meaning it asks the human a question (waiting_input)"),
        Key(name: stuckAfter, defaultValue: "10m", summary: "how long a working session may go without a sign of activity, or an idle one with its task open, before it is stuck"),
        Key(name: notifyCommand, defaultValue: "", summary: "program that receives each notification as JSON on standard input (else notify-send)"),
        Key(name: spawnInclude, defaultValue: "", summary: "more patterns (gitignore syntax, one per value, multi-valued) of ignored files to copy into new worktrees, besides .worktreeinclude"),
        Key(name: spawnIncludeMaxSize, defaultValue: "100m", summary: "included files larger than this (bytes, or with k, m, g) are not copied, with a warning; 0 for no limit"),
        Key(name: spawnSetup, defaultValue: "", summary: "argv template run without a shell in each new worktree before the agent starts (npm ci, ./scripts/setup-worktree.sh)"),
        Key(name: spawnSetupTimeout, defaultValue: "10m", summary: "how long the setup step may run before the spawn fails"),
        Key(name: spawnSetupFailure, defaultValue: "fail", summary: "fail rolls the spawn back when the setup step fails or times out; warn keeps the session and warns"),
        Key(name: reviewEnabled, defaultValue: "true when a reviewer is available", summary: "review every commit of a session (post-commit hook, in the background)"),
        Key(name: reviewAgent, defaultValue: "the worker's agent if it can review, else claude-code", summary: "the agent reviewer; 'none' for no agent reviewer"),
        Key(name: reviewCommand, defaultValue: "", summary: "the command reviewer: argv template run without a shell, with {sha}, {base} and {worktree}; exit 0 approves"),
        Key(name: reviewTimeout, defaultValue: "10m", summary: "how long a command reviewer may run before its run fails"),
        Key(name: reviewDebounce, defaultValue: "20s", summary: "commits closer together than this get one review, of the latest"),
        Key(name: mergeMethod, defaultValue: "rebase", summary: "how git ao merge lands a session: rebase (each commit replayed on the base), squash (one commit) or no-ff (a merge commit)"),
        Key(name: reviewPost, defaultValue: "false", summary: "true: each verdict is also posted to the session's open pull request as a COMMENT review"),
        Key(name: "ao.agent.<name>.reviewCommand", defaultValue: "", summary: "argv template that starts a custom agent as a read-only reviewer ({prompt}, {prompt_file}, {session}, {run}); without it the agent cannot review"),
        Key(name: portRange, defaultValue: "", summary: "ports such as 4100-4199: each live session gets one of its own as AO_PORT"),
        Key(name: remote, defaultValue: "origin", summary: "remote whose URL names the GitHub repository (owner/name)"),
        Key(name: githubAPIURL, defaultValue: "https://api.github.com", summary: "GitHub REST base (https://HOST/api/v3 for GitHub Enterprise); AO_GITHUB_API_URL overrides it"),
        Key(name: githubCAInfo, defaultValue: "", summary: "CA bundle (PEM file) that signs the GitHub server's certificate, for a private certificate authority"),
        Key(name: githubInterval, defaultValue: "30s", summary: "GitHub is asked at most once per this interval per repository (observe --refresh forces a poll)"),
        Key(name: githubFollowFor, defaultValue: "60m", summary: "how long the follower started by a session's git push keeps polling its pull request's checks"),
        Key(name: githubBotReviews, defaultValue: "deliver", summary: "ignore: review threads and change-request review bodies from bots (Copilot and the like) are not treated as work"),
        Key(name: githubLogWait, defaultValue: "3m", summary: "how long a CI nudge waits for a failed job's log that could not be fetched (tried again at each poll) before it goes without it"),
        Key(name: "ao.intake.enabled", defaultValue: "false", summary: "turns issue intake on: eligible open GitHub issues become sessions, one per issue"),
        Key(name: "ao.intake.labels", defaultValue: "", summary: "multi-valued: every listed label must be on an issue for intake to take it"),
        Key(name: "ao.intake.assignee", defaultValue: "", summary: "a login, * for any assignee, none for unassigned issues"),
        Key(name: "ao.intake.repo", defaultValue: "<the remote's>", summary: "owner/repo whose issues intake reads"),
        Key(name: "ao.intake.max", defaultValue: "3", summary: "the most intake sessions alive at once"),
        Key(name: "ao.intake.agent", defaultValue: "<ao.agent>", summary: "the agent intake sessions run"),
    ]

    package static let spawnInclude = "ao.spawn.include"
    package static let spawnSetup = "ao.spawn.setup"
    package static let spawnIncludeMaxSize = "ao.spawn.includeMaxSize"
    package static let spawnSetupTimeout = "ao.spawn.setupTimeout"
    package static let spawnSetupFailure = "ao.spawn.setupFailure"
    package static let portRange = "ao.portRange"

    package static let reviewEnabled = "ao.review.enabled"
    package static let reviewAgent = "ao.review.agent"
    package static let reviewCommand = "ao.review.command"
    package static let reviewTimeout = "ao.review.timeout"
    package static let reviewDebounce = "ao.review.debounce"
    package static let reviewPost = "ao.review.post"
    package static let mergeMethod = "ao.merge.method"

    package static let stuckAfter = "ao.stuckAfter"
    package static let notifyCommand = "ao.notify.command"
    package static let remote = "ao.remote"
    package static let githubAPIURL = "ao.github.apiUrl"
    package static let githubCAInfo = "ao.github.caInfo"
    package static let githubInterval = "ao.github.interval"
    package static let githubBotReviews = "ao.github.botReviews"
    package static let githubLogWait = "ao.github.logWait"
    package static let githubFollowFor = "ao.github.followFor"
}
