import AOTestSupport
import Foundation
@testable import GitAO
import Platform
import Testing

/// Man pages, help and completions: present, current and complete.
@Suite("documentation")
struct DocumentationTests {
    static let manDirectory = TestEnvironment.packageRoot.appendingPathComponent("man")
    static var overviewSource: String {
        (try? String(contentsOf: manDirectory.appendingPathComponent("man1/git-ao.1"), encoding: .utf8)) ?? ""
    }

    @Test("the generated man pages match the command definitions", .timeLimit(.minutes(15)))
    func manPagesCurrent() throws {
        let env = try TestEnvironment("man")
        defer { env.close() }
        let products = TestEnvironment.productsDirectory
        var buildDirectory = products.deletingLastPathComponent().deletingLastPathComponent()
        if !FileManager.default.fileExists(atPath: buildDirectory.appendingPathComponent("checkouts").path) {
            buildDirectory = TestEnvironment.packageRoot.appendingPathComponent(".build")
        }
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/man.sh").path
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = environment["HOME"] ?? env.home.path
        let result = try ProcessRunner.run(["bash", script, "check", "--binary", products.appendingPathComponent("git-ao").path, "--build-dir", buildDirectory.path],
                                           environment: environment, directory: TestEnvironment.packageRoot, input: nil, timeout: 600)
        #expect(result.succeeded, "man pages are stale; run scripts/man.sh generate\n\(result.stdout)\n\(result.stderr.suffix(2000))")
    }

    @Test("git-ao(1) names every command page, and every page it names exists")
    func overviewCommands() throws {
        let pages = try FileManager.default.contentsOfDirectory(atPath: Self.manDirectory.appendingPathComponent("man1").path)
            .filter { $0.hasPrefix("git-ao-") }.map { String($0.dropLast(2)) }
        let visible = GitAOCommand.configuration.subcommands.filter { $0.configuration.shouldDisplay }.map { "git-ao-" + $0._commandName }
        #expect(Set(pages) == Set(visible))
        for page in pages { #expect(Self.overviewSource.contains(".Xr \(page) 1"), "git-ao(1) does not list \(page)") }
    }

    @Test("git-ao(1) documents every configuration key")
    func overviewConfiguration() throws {
        for key in ConfigKeys.all {
            let parts = key.name.components(separatedBy: ".<name>.")
            let documented = parts.count == 2
                ? Self.overviewSource.contains(".It Li \(parts[0]). Ns Ar name Ns Li .\(parts[1])")
                : Self.overviewSource.contains(".It Li \(key.name)\n")
            #expect(documented, "git-ao(1) does not document \(key.name)")
        }
    }

    @Test("git-ao(1) lists every exit status, and every error code under the status it exits with")
    func overviewExitStatus() throws {
        let source = Self.overviewSource
        guard let start = source.range(of: ".Sh EXIT STATUS"), let end = source.range(of: ".Sh EXAMPLES") else {
            Issue.record("no EXIT STATUS section")
            return
        }
        let section = source[start.upperBound..<end.lowerBound]
        var blocks: [Int32: String] = [:]
        var current: Int32?
        for line in section.split(separator: "\n") {
            if line.hasPrefix(".It Sy "), let n = Int32(line.dropFirst(".It Sy ".count)) { current = n; blocks[n] = ""; continue }
            if let current { blocks[current, default: ""] += line + "\n" }
        }
        #expect(Set(blocks.keys) == Set(ExitStatus.allCases.map(\.rawValue)))
        for code in ErrorCode.allCases {
            let block = blocks[code.exitStatus.rawValue] ?? ""
            #expect(block.contains(code.rawValue), "\(code.rawValue) is not listed under exit status \(code.exitStatus.rawValue)")
        }
    }

    @Test("`git ao --help` shows the man page; `git ao spawn --help` shows usage", .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/man")))
    func help() throws {
        let s = try Scenario("help", origin: false)
        defer { s.close() }
        let environment = ["MANPATH": Self.manDirectory.path, "MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "100"]
        let overview = try s.ao(arguments: ["--help"], environment: environment)
        #expect(overview.succeeded, "\(overview)")
        #expect(overview.stdout.contains("run many AI coding agents in parallel"))
        #expect(overview.stdout.contains("EXIT STATUS"))
        let usage = try s.ao("spawn", "--help")
        #expect(usage.succeeded)
        #expect(usage.stdout.contains("USAGE: git-ao spawn"))
        #expect(usage.stdout.contains("--prompt <text>"))
        #expect(!usage.stdout.contains("exec-agent"))
        let top = try s.env.run(["git-ao", "--help"])
        #expect(top.stdout.contains("SUBCOMMANDS") && !top.stdout.contains("exec-agent"))
        #expect(try s.env.run(["git-ao", "--version"]).stdout == GitAOCommand.version + "\n")
    }

    @Test("completion scripts for bash, zsh and fish; bash also completes `git ao`")
    func completions() throws {
        let env = try TestEnvironment("completion")
        defer { env.close() }
        let bash = try env.run(["git-ao", "completion", "bash"])
        #expect(bash.succeeded)
        #expect(bash.stdout.contains("_git_ao()"))
        let script = env.root.appendingPathComponent("git-ao.bash")
        try env.write(bash.stdout, to: script)
        #expect(try env.run(["bash", "-n", script.path]).succeeded)
        let completed = try env.run(["bash", "-c", "source '\(script.path)'; COMP_WORDS=(git ao sp); COMP_CWORD=2; _git_ao; printf '%s\\n' \"${COMPREPLY[@]}\""])
        #expect(completed.stdout.contains("spawn"), "\(completed)")
        #expect(try env.run(["git-ao", "completion", "zsh"]).stdout.hasPrefix("#compdef git-ao"))
        #expect(try env.run(["git-ao", "completion", "fish"]).stdout.contains("complete -c 'git-ao'") || env.run(["git-ao", "completion", "fish"]).stdout.contains("complete -c git-ao"))
        #expect(try env.run(["git-ao", "completion", "tcsh"]).status == 64)
    }

    @Test("every error code is exercised by some test")
    func everyErrorCodeTested() throws {
        let directory = TestEnvironment.packageRoot.appendingPathComponent("Tests/GitAOTests")
        let sources = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".swift") && $0 != "DocumentationTests.swift" }
            .map { try String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n")
        for code in ErrorCode.allCases {
            #expect(sources.contains("\"\(code.rawValue)\"") || sources.contains(": \(code.rawValue)\""),
                    "no test expects \(code.rawValue)")
        }
    }
}
