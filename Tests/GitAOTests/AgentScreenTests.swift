import AOTestSupport
import Agents
import Foundation
import Testing

/// aider's screen rules against its real screens (Tests/Fixtures/aider-0.86.2, see SOURCE.md there).
@Suite("agent screens")
struct AgentScreenTests {
    static let fixtures = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/aider-0.86.2")

    func screen(_ name: String) throws -> [String] {
        let text = try String(contentsOf: AgentScreenTests.fixtures.appendingPathComponent(name + ".txt"), encoding: .utf8)
        return text.components(separatedBy: "\n")
    }

    @Test("aider's questions are questions, quoted from their line")
    func questions() throws {
        let signs = ScreenSigns.aider
        #expect(signs.read(try screen("question-gitignore")) == .question("Add .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]:"))
        #expect(signs.read(try screen("question-release-notes")) == .question("Would you like to see what's new in this version? (Y)es/(N)o [Yes]:"))
        #expect(signs.read(try screen("question-create-file")) == .question("Create new file? (Y)es/(N)o [Yes]:"))
    }

    @Test("aider's prompt is ready, with or without files in the chat")
    func ready() throws {
        let signs = ScreenSigns.aider
        for name in ["ready-prompt", "ready-after-edit", "after-edit"] {
            #expect(signs.read(try screen(name)) == .ready, "\(name)")
        }
        // With the cursor known: the row of `>` is the input line.
        let ready = try screen("ready-prompt")
        let row = try #require(ready.lastIndex { $0.hasPrefix(">") })
        #expect(signs.read(ready, cursorRow: row) == .ready)
    }

    @Test("aider's prompt with a mode: ask>, whole>, diff multi>")
    func modes() {
        let signs = ScreenSigns.aider
        for prompt in [">", "ask>", "whole>", "multi>", "diff multi>", "diff-fenced>", "editor-whole multi>"] {
            #expect(signs.read(["─────", prompt]) == .ready, "\(prompt)")
            #expect(signs.read(["─────", prompt + " typed text"]) == .atPrompt, "\(prompt)")
        }
        for other in ["a > b", "Tokens: 680 sent > 1", "ASK>", "one two three>", ">>", "-> x", "USER: x >"] {
            #expect(signs.read([other]) == .other, "\(other)")
        }
    }

    @Test("aider busy: the echoed task above an empty cursor row, or text typed at the prompt")
    func busyAndTyping() throws {
        let signs = ScreenSigns.aider
        var screen = try screen("ready-prompt")
        let row = try #require(screen.lastIndex { $0.hasPrefix(">") })
        // Submitted: the line keeps `> task`, the cursor moves below while the model works.
        screen[row] = "> add a note"
        screen.insert("", at: row + 1)
        #expect(signs.read(screen, cursorRow: row + 1) == .other)
        // Without the cursor, the last line with text decides: typed but not sent is at the prompt.
        #expect(signs.read(screen) == .atPrompt)
        // Output while working is not a prompt; a quoted `>` inside output is not one either.
        #expect(signs.read(["Waiting for openai/gpt-4o-mini"]) == .other)
        #expect(signs.read(["a > b"]) == .other)
    }

    @Test("custom agents: plain texts; nothing declared means the fallback")
    func custom() {
        let none = AgentDefinition(name: "x", kind: .shell)
        #expect(!none.screenSigns.declaresAnything)
        let custom = AgentDefinition(name: "x", kind: .shell, readyPattern: "ready!", promptPattern: "$ ", questionPattern: "[y/n]")
        #expect(custom.screenSigns.read(["ready!", "", "continue? [y/n]"]) == .question("continue? [y/n]"))
        #expect(custom.screenSigns.read(["ready!", "$ "]) == .ready)
        #expect(!custom.screenSigns.judgesInputLine)
        #expect(custom.screenSigns.knowsItsPrompt && !none.screenSigns.knowsItsPrompt)
        // A configured readyPattern replaces aider's ready rule and keeps its others.
        let aider = AgentDefinition(name: "aider", kind: .aider, readyPattern: "fake agent ready")
        #expect(aider.screenSigns.ready == .anywhere("fake agent ready"))
        #expect(aider.screenSigns.judgesInputLine)
        #expect(aider.ownFilePatterns == [".aider*"])
    }
}
