import AOTestSupport
import Foundation
import Platform
import Testing

/// User text (prompts, branch names, session names, messages) reaches the agent byte for byte
/// and is never evaluated by a shell or by tmux's command parser.
@Suite("quoting safety")
struct QuotingTests {
    /// Texts that a shell or tmux would do something with. `$HOME/pwned` would appear if any
    /// of them ran.
    static let nasty = [
        "$(touch $HOME/pwned)",
        "`touch $HOME/pwned`",
        "it's \"quoted\" and 'single'",
        "semi; touch $HOME/pwned;",
        "ends with a tmux separator;",
        "escaped \\; and \\\\",
        "line one\nline two\n\nline four",
        "tabs\tand #{session_name} and #(touch $HOME/pwned)",
        "ünïcödé 日本語 🚀 עברית",
        "-leading-dash --help",
        "{session} {prompt} placeholders",
    ]

    @Test("prompts and names reach the agent byte for byte", arguments: nasty)
    func promptVerbatim(text: String) throws {
        let s = try Scenario("q-prompt")
        defer { s.close() }
        // `--option=value`, as with any getopt-style tool, so a text starting with '-' is a value.
        let id = try s.spawn("--prompt=" + text, "--name=name: " + text)
        try FakeAgents.waitForStart(id, in: s.env)
        #expect(FakeAgents.arguments(of: id, in: s.env) == ["--task", text, "--session", id])
        #expect(FakeAgents.environment(of: id, in: s.env)?["AO_SESSION_NAME"] == "name: " + text)
        let session = try s.session(id)
        #expect(session["name"] as? String == "name: " + text)
        #expect(!FileManager.default.fileExists(atPath: s.env.home.appendingPathComponent("pwned").path))
    }

    @Test("a prompt from standard input or a file is kept exactly, trailing newline included")
    func promptSources() throws {
        let s = try Scenario("q-sources")
        defer { s.close() }
        let text = "from stdin $(touch $HOME/pwned);\nsecond line\n"
        let viaStdin = try s.ao(arguments: ["spawn", "--no-attach", "-"], input: text)
        #expect(viaStdin.succeeded, "\(viaStdin)")
        let a = viaStdin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let file = s.env.root.appendingPathComponent("prompt.md")
        try s.env.write(text, to: file)
        let b = try s.spawn("--prompt-file", file.path)
        for id in [a, b] {
            try FakeAgents.waitForStart(id, in: s.env)
            #expect(FakeAgents.arguments(of: id, in: s.env)?[1] == text)
        }
        #expect(!FileManager.default.fileExists(atPath: s.env.home.appendingPathComponent("pwned").path))
    }

    @Test("branch names with shell and tmux metacharacters are used as they are")
    func branchVerbatim() throws {
        let s = try Scenario("q-branch")
        defer { s.close() }
        for branch in ["feat/$(touch-pwned)", "ends-with;", "ünïcode/brånch", "a'b\"c"] {
            let id = try s.spawn("--branch", branch)
            #expect(try s.session(id)["branch"] as? String == branch)
            #expect(try s.env.git(["rev-parse", "--abbrev-ref", "HEAD"], in: s.worktreePath(of: id)) == branch + "\n")
            try FakeAgents.waitForStart(id, in: s.env)
            #expect(FakeAgents.environment(of: id, in: s.env)?["AO_BRANCH"] == branch)
        }
        #expect(!FileManager.default.fileExists(atPath: s.env.home.appendingPathComponent("pwned").path))
    }

    @Test("pasted prompts and sent messages arrive literally, never as tmux key names")
    func pastedVerbatim() throws {
        let s = try Scenario("q-paste")
        defer { s.close() }
        let prompt = "Enter C-c Escape $(touch $HOME/pwned); `x` 'q' \"d\" ünï 🚀 #{pane_id};"
        let id = try s.spawn("--agent", "paster", "--prompt", prompt)
        try s.env.eventually("prompt received") { !FakeAgents.received(by: id, in: s.env).isEmpty }
        #expect(FakeAgents.received(by: id, in: s.env) == [prompt])
        let message = "C-c; send-keys -t x Enter \\; kill-server;"
        #expect(try s.ao("send", id, message).succeeded)
        try s.env.eventually("message received") { FakeAgents.received(by: id, in: s.env).count == 2 }
        #expect(FakeAgents.received(by: id, in: s.env).last == message)
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
        #expect(!FileManager.default.fileExists(atPath: s.env.home.appendingPathComponent("pwned").path))
    }

    @Test("the worktree path is never expanded as a tmux format")
    func worktreeRootWithHash() throws {
        let s = try Scenario("q-hash")
        defer { s.close() }
        let root = s.env.root.appendingPathComponent("agents #(touch $HOME/pwned) #{host}")
        try s.env.git(["config", "ao.worktreeRoot", root.path], in: s.repo)
        let id = try s.spawn()
        try FakeAgents.waitForStart(id, in: s.env)
        let cwd = s.env.read(s.env.outputDirectory.appendingPathComponent("\(id).cwd"))
        #expect(cwd == root.appendingPathComponent("ao-\(id)").path + "\n")
        let sessionPath = try s.env.run(["tmux", "display-message", "-p", "-t", "=ao-\(id):", "#{session_path}"]).stdout
        #expect(sessionPath == root.appendingPathComponent("ao-\(id)").path + "\n")
        #expect(!FileManager.default.fileExists(atPath: s.env.home.appendingPathComponent("pwned").path))
    }
}
