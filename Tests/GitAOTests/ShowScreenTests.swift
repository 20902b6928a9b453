import AOTestSupport
@testable import GitAO
import Foundation
import Testing

/// `git ao show --screen[=N] <id>`: the agent's screen without attaching.
@Suite("show --screen")
struct ShowScreenTests {
    @Test("prints the last lines of a running agent's screen, controls made inert", .timeLimit(.minutes(15)))
    func screen() throws {
        let s = try Scenario("show-screen")
        defer { s.close() }
        // tmux drops a C1 control (U+009B, spelt in UTF-8) from its cells; whatever it keeps is
        // made inert before it is printed (ScreenTailTests).
        try s.env.installScript("screen-agent", """
            #!/bin/bash
            for i in $(seq 1 60); do printf 'line %s\\n' "$i"; done
            printf 'evil \\xc2\\x9b31m end\\n'
            printf 'agent> '
            exec sleep 600
            """)
        try s.env.git(["config", "ao.agent.screen.command", "screen-agent"], in: s.repo)
        let id = try s.spawn("--agent", "screen")
        var shown = ""
        try s.env.eventually("the screen to show the prompt") {
            shown = try s.ao("show", "--screen", id).stdout
            return shown.contains("agent>")
        }
        let lines = shown.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 40, "default 40 lines: \(shown)")
        #expect(lines.last == "agent>", "\(shown)")
        #expect(shown.contains("line 60") && !shown.contains("line 5\n"), "\(shown)")
        #expect(!shown.unicodeScalars.contains { $0.value == 0x9B || $0.value == 0x1B }, "controls made inert: \(shown)")

        let three = try s.ao("show", "--screen=3", id)
        #expect(three.stdout == "line 60\nevil 31m end\nagent>\n", "\(three)")
        // More than the visible screen reaches into the history.
        let more = try s.ao("show", "--screen=55", id).stdout
        #expect(more.hasPrefix("line 8\n"), "\(more)")

        let zero = try s.ao("show", "--screen=0", id)
        #expect(zero.status == 64 && zero.stderr.contains("--screen"), "\(zero)")
    }

    @Test("a session that is not running is a clear error", .timeLimit(.minutes(15)))
    func notRunning() throws {
        let s = try Scenario("show-screen-ended")
        defer { s.close() }
        let id = try s.spawn("--prompt", "task")
        #expect(try s.ao("kill", id).succeeded)
        let result = try s.ao("show", "--screen", id)
        expectError(result, "SESSION_NOT_RUNNING", mentioning: [id, "git ao restore"])

        // Its tmux session ended behind git-ao's back: not running, and not said to have ended.
        let other = try s.spawn("--prompt", "task")
        #expect(try s.env.run(["tmux", "kill-session", "-t", "=ao-\(other)"]).succeeded)
        let gone = try s.ao("show", "--screen", other)
        expectError(gone, "SESSION_NOT_RUNNING", mentioning: [other, "tmux session is gone", "git ao restore"])
    }
}

/// What `show --screen` makes of captured text, whatever tmux lets through.
@Suite("show --screen text")
struct ScreenTailTests {
    @Test("escape sequences, C1 controls and carriage returns are shown, not acted on; blank rows below are dropped")
    func inert() {
        let captured = "one\n\u{1B}]0;title\u{07}two\n\u{9B}31mthree\rfour\n\n  \n"
        #expect(ScreenTail.tail(captured, count: 10) == ["one", "^[]0;title^Gtwo", "<U+009B>31mthree^Mfour"])
        #expect(ScreenTail.tail(captured, count: 1) == ["<U+009B>31mthree^Mfour"])
    }
}
