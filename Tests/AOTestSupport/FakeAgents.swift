import Foundation

/// Small scripts that stand in for coding agents. They are registered as custom agents through
/// git config, exactly as a user registers one, and record what they received in
/// `$FAKE_AGENT_OUT/<session>.*` (outside the worktree, so they never make it dirty).
public enum FakeAgents {
    /// Records argv (NUL-separated), environment and working directory, then acts like a chat
    /// prompt: each submitted line is appended to `<session>.received` and answered.
    public static let echo = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/$AO_SESSION_ID"
        if (( $# > 0 )); then printf '%s\\0' "$@"; fi > "$out.args"
        env -0 > "$out.env"
        pwd > "$out.cwd"
        printf 'fake agent ready\\n> '
        while IFS= read -r line; do
            printf '%s\\n' "$line" >> "$out.received"
            printf 'got: %s\\n> ' "$line"
        done
        """

    /// Like `echo`, but takes its input in raw mode and submits only on the N-th Enter
    /// (FAKE_ENTERS_NEEDED, default 2): an agent that swallows Enter keys while busy.
    public static let stubborn = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/$AO_SESSION_ID"
        need=${FAKE_ENTERS_NEEDED:-2}
        printf '%s\\0' "$@" > "$out.args"
        stty raw -echo
        printf 'stubborn agent ready\\r\\n> '
        line=""; enters=0
        while IFS= read -r -s -n1 c; do
            if [[ "$c" == $'\\r' || -z "$c" ]]; then
                enters=$((enters + 1))
                printf 'enter\\n' >> "$out.enters"
                if (( enters >= need )); then
                    printf '%s\\n' "$line" >> "$out.received"
                    printf '\\r\\ngot: %s\\r\\n> ' "$line"
                    line=""; enters=0
                fi
            else
                line+="$c"; printf '%s' "$c"
            fi
        done
        """

    /// Shows typed text but never submits it: Enter does nothing.
    public static let deaf = """
        #!/bin/bash
        stty raw -echo
        printf 'deaf agent ready\\r\\n> '
        while IFS= read -r -s -n1 c; do
            if [[ "$c" != $'\\r' && -n "$c" ]]; then printf '%s' "$c"; fi
        done
        """

    /// Installs the scripts into the environment's bin directory.
    public static func install(in env: TestEnvironment) throws {
        try env.installScript("fake-agent", echo)
        try env.installScript("stubborn-agent", stubborn)
        try env.installScript("deaf-agent", deaf)
    }

    /// Registers them in `repository`'s config: `fake` takes the prompt as an argument,
    /// `paster` gets it pasted, `stubborn` and `deaf` for delivery tests. `fake` becomes the default.
    public static func register(in env: TestEnvironment, repository: URL) throws {
        try env.git(["config", "ao.agent.fake.command", "fake-agent --task {prompt} --session {session}"], in: repository)
        try env.git(["config", "ao.agent.fake.resume", "fake-agent --resumed {session}"], in: repository)
        try env.git(["config", "ao.agent.paster.command", "fake-agent --paste-mode"], in: repository)
        try env.git(["config", "ao.agent.paster.readyPattern", "fake agent ready"], in: repository)
        try env.git(["config", "ao.agent.stubborn.command", "stubborn-agent"], in: repository)
        try env.git(["config", "ao.agent.deaf.command", "deaf-agent"], in: repository)
        // Reports its own activity through `git ao signal hooked <activity>` (tests play its hooks).
        try env.git(["config", "ao.agent.hooked.command", "fake-agent --task {prompt}"], in: repository)
        try env.git(["config", "ao.agent.hooked.hooks", "true"], in: repository)
        try env.git(["config", "ao.agent", "fake"], in: repository)
    }

    /// Waits until the fake agent of `session` has recorded its start (argv, environment, cwd).
    public static func waitForStart(_ session: String, in env: TestEnvironment) throws {
        try env.eventually("agent \(session) to start") {
            FileManager.default.fileExists(atPath: env.outputDirectory.appendingPathComponent("\(session).cwd").path)
        }
    }

    /// The argv a fake agent of `session` recorded (without argv[0]).
    public static func arguments(of session: String, in env: TestEnvironment) -> [String]? {
        guard let data = FileManager.default.contents(atPath: env.outputDirectory.appendingPathComponent("\(session).args").path) else { return nil }
        var parts = data.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// The environment a fake agent of `session` ran with.
    public static func environment(of session: String, in env: TestEnvironment) -> [String: String]? {
        guard let data = FileManager.default.contents(atPath: env.outputDirectory.appendingPathComponent("\(session).env").path) else { return nil }
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if let eq = text.firstIndex(of: "=") { result[String(text[..<eq])] = String(text[text.index(after: eq)...]) }
        }
        return result
    }

    /// The lines a fake agent of `session` received as submitted input.
    public static func received(by session: String, in env: TestEnvironment) -> [String] {
        env.read(env.outputDirectory.appendingPathComponent("\(session).received"))?.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) ?? []
    }
}
