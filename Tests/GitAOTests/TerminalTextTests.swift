import AOTestSupport
import Foundation
import Platform
import Testing

/// Text typed into an agent carries no terminal control (issue 7, item 4).
@Suite("terminal-safe text")
struct TerminalTextTests {
    @Test("controls are shown in caret notation; newline and tab stay; the result is inert and stable")
    func inert() {
        #expect(TerminalText.inert("before\u{03}after") == "before^Cafter")
        #expect(TerminalText.inert("x\u{1B}[201~INJECTED\rmore") == "x^[[201~INJECTED\nmore")
        #expect(TerminalText.inert("a\r\nb\tc\n") == "a\nb\tc\n")
        #expect(TerminalText.inert("\u{7F}\u{00}\u{9B}31m") == "^?^@<U+009B>31m")
        #expect(TerminalText.inert("ünï ✓ 日本") == "ünï ✓ 日本")
        let nasty = (0..<0xA0).map { String(UnicodeScalar(UInt8(truncatingIfNeeded: $0))) }.joined()
        let once = TerminalText.inert(nasty)
        #expect(TerminalText.isInert(once))
        #expect(TerminalText.inert(once) == once)
        #expect(!once.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0D || $0.value == 0x03 })
    }

    @Test("text shown on the user's terminal has no C1 control either")
    func displaySafeC1() {
        #expect(displaySafe("ao/\u{9B}31mred") == "ao/<U+009B>31mred")
        #expect(displaySafe("a\u{1B}[2Jb") == "a^[[2Jb")
    }

    /// An agent that asks for bracketed paste and records every byte it receives, raw.
    static let rawAgent = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/$AO_SESSION_ID"
        stty raw -echo
        printf '\\033[?2004hraw agent ready\\r\\n> '
        exec cat > "$out.raw"
        """

    func rawBytes(_ id: String, _ s: Scenario) -> String {
        s.env.read(s.env.outputDirectory.appendingPathComponent("\(id).raw")) ?? ""
    }

    @Test("Ctrl-C in a message reaches the agent as the text ^C and does not kill it")
    func controlCharacterDoesNotKill() throws {
        let s = try Scenario("send-ctrl")
        defer { s.close() }
        let id = try s.spawn("--prompt", "start")
        try FakeAgents.waitForStart(id, in: s.env)
        let result = try s.ao("send", id, "before\u{03}after")
        #expect(result.succeeded, "\(result)")
        #expect(FakeAgents.received(by: id, in: s.env) == ["before^Cafter"])
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
        #expect(try s.ao("send", id, "still there").succeeded)
        #expect(FakeAgents.received(by: id, in: s.env) == ["before^Cafter", "still there"])
    }

    @Test("a pasted prompt holding Ctrl-C starts the agent, which reads ^C")
    func pastedPromptWithControl() throws {
        let s = try Scenario("paste-ctrl")
        defer { s.close() }
        let id = try s.spawn("--agent", "paster", "--prompt", "fix\u{03}this\u{1B}[31m")
        try s.env.eventually("prompt received") { !FakeAgents.received(by: id, in: s.env).isEmpty }
        #expect(FakeAgents.received(by: id, in: s.env) == ["fix^Cthis^[[31m"])
        #expect(try s.tmuxSessions() == ["ao-\(id)"])
    }

    @Test("no message ends a bracketed paste early; --key presses only listed keys")
    func bracketedPasteAndKeys() throws {
        let s = try Scenario("send-paste")
        defer { s.close() }
        try s.env.installScript("raw-agent", TerminalTextTests.rawAgent)
        try s.env.git(["config", "ao.agent.raw.command", "raw-agent"], in: s.repo)
        let id = try s.spawn("--agent", "raw")
        try s.env.eventually("agent ready") {
            try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("raw agent ready")
        }
        let result = try s.ao("send", id, "x\u{1B}[201~INJECTED\rmore")
        #expect(result.succeeded, "\(result)")
        try s.env.eventually("the paste recorded") { rawBytes(id, s).contains("more") }
        let raw = rawBytes(id, s)
        // One paste: one start, one end, and everything sent sits between them.
        #expect(raw.components(separatedBy: "\u{1B}[200~").count == 2, "\(raw.debugDescription)")
        #expect(raw.components(separatedBy: "\u{1B}[201~").count == 2, "\(raw.debugDescription)")
        let end = raw.range(of: "\u{1B}[201~")!.lowerBound
        #expect(raw.range(of: "more")!.upperBound <= end, "\(raw.debugDescription)")
        #expect(raw.contains("x^[[201~INJECTED"))

        // Keys on purpose: only names from the list, pressed with send-keys.
        let before = rawBytes(id, s).utf8.count
        let keys = try s.ao("send", "--key", "Escape", "--key", "c-c", id)
        #expect(keys.succeeded, "\(keys)")
        try s.env.eventually("the keys recorded") { rawBytes(id, s).utf8.count >= before + 2 }
        #expect(Array(rawBytes(id, s).utf8.suffix(2)) == [0x1B, 0x03])
        #expect(try s.eventKinds(id).last == "keys_sent")
        let unknown = try s.ao("send", "--key", "C-z; rm -rf /", id)
        #expect(unknown.status == 64, "\(unknown)")
        #expect(unknown.stderr.contains("Escape"))
        #expect(try s.ao("send", "--key", "Enter", id, "and text").status == 64)
    }

    @Test("a key that ends the agent: send says the session ended after that key, and which keys were not pressed", .timeLimit(.minutes(15)))
    func keyEndsSession() throws {
        let s = try Scenario("keys-end")
        defer { s.close() }
        try s.env.installScript("quit-agent", "#!/bin/sh\necho 'quit agent ready'\nwhile :; do sleep 1; done\n")
        try s.env.git(["config", "ao.agent.quit.command", "quit-agent"], in: s.repo)
        let id = try s.spawn("--agent", "quit")
        try s.env.eventually("agent ready") {
            try s.env.run(["tmux", "capture-pane", "-p", "-t", "=ao-\(id):"]).stdout.contains("quit agent ready")
        }
        // Enough keys after C-c that the session is gone before the last of them.
        let result = try s.ao(arguments: ["send", "--key", "C-c"] + Array(repeating: ["--key", "Escape"], count: 80).flatMap { $0 } + [id])
        expectError(result, "SESSION_NOT_RUNNING", mentioning: ["session \(id) ended after key", "pressed: C-c", "not pressed: Escape", "git ao restore \(id)"])
        #expect(!result.stderr.contains("RUNTIME_FAILED") && !result.stderr.contains("can't find session"), "\(result)")
        #expect(try s.eventKinds(id).contains("keys_sent"))
    }

    @Test("errors, status, porcelain and show never print a control character from an argument, a branch or an agent name raw; --json keeps the exact text")
    func namesAreDisplaySafe() throws {
        let s = try Scenario("display-safe")
        defer { s.close() }
        func expectClean(_ text: String, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7f..<0xa0).contains($0.value) },
                    "\(label): \(text.debugDescription)", sourceLocation: sourceLocation)
        }
        let hostile = "zz\u{1B}]0;PWNED\u{07}\u{1B}[31mRED"
        let shown = try s.ao("show", hostile)
        #expect(!shown.succeeded)
        expectClean(shown.stderr, "show's error")
        #expect(shown.stderr.contains("zz^[]0;PWNED^G^[[31mRED"), "\(shown.stderr)")
        let json = try s.ao("show", "--json", hostile)
        let object = try JSONSerialization.jsonObject(with: Data(json.stderr.utf8)) as? [String: Any]
        #expect(((object?["error"] as? [String: Any])?["message"] as? String)?.contains(hostile) == true, "\(json.stderr)")

        let agent = "e\u{1B}[31mx"
        try s.env.git(["config", "ao.agent.\(agent).command", "fake-agent --task {prompt} --session {session}"], in: s.repo)
        let branch = "ao/c1\u{9B}31m"
        let root = s.env.root.appendingPathComponent("wt\u{1B}]0;OWNED\u{07}").path
        try s.env.git(["config", "ao.worktreeRoot", root], in: s.repo)
        let spawned = try s.ao("spawn", "--no-attach", "--agent", agent, "--branch", branch)
        #expect(spawned.succeeded, "\(spawned)")
        expectClean(spawned.stdout + spawned.stderr, "spawn")
        #expect(spawned.stderr.contains("wt^[]0;OWNED^G"), "\(spawned.stderr)")
        let id = spawned.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for arguments in [["status"], ["status", "-v"], ["status", "--porcelain"], ["show", id]] {
            let result = try s.ao(arguments: arguments)
            #expect(result.succeeded, "\(arguments): \(result)")
            expectClean(result.stdout, arguments.joined(separator: " "))
        }
        let porcelain = try s.ao("status", "--porcelain").stdout
        #expect(porcelain.contains(" \"e\\033[31mx\" ") && porcelain.contains(" \"ao/c1\\302\\23331m\" "), "\(porcelain)")
        let missing = try s.ao("send", "--key", "Escape", branch + "-nope")
        expectClean(missing.stderr, "an error naming a branch")
        let killed = try s.ao("kill", id)
        #expect(killed.succeeded, "\(killed)")
        expectClean(killed.stdout + killed.stderr, "kill")
    }
}
