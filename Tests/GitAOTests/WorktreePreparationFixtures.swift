import AOTestSupport
import Foundation
import Platform
import Testing

/// What the tests of fresh worktrees share: a repository that ignores the usual local files
/// and has a `.worktreeinclude`, a setup script, and small file and event helpers.
protocol WorktreePreparationFixtures {}

extension WorktreePreparationFixtures {
    static var gitignore: String { ".env*\nconfig/master.key\n*.log\n*.tmp\nsecrets\n" }

    /// A scenario whose repository ignores the usual local files and has a `.worktreeinclude`.
    func scenario(_ label: String, include: String = ".env\n/.env.local\nprivate/\nconfig/master.key\nconfig/settings.yml\nnotes.txt\n.env.pipe\n") throws -> Scenario {
        try Scenario(label, files: [
            "README.md": "hello\n",
            ".gitignore": Self.gitignore,
            ".worktreeinclude": include,
            "config/settings.yml": "committed: true\n",
        ])
    }

    func mode(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
    }

    func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path, &info) == 0
    }

    func events(_ s: Scenario, _ id: String, kind: String) throws -> [[String: String]] {
        let result = try s.ao("events", "--json", "--session", id, "-n", "1000")
        return result.stdout.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  object["kind"] as? String == kind else { return nil }
            return object["data"] as? [String: String] ?? [:]
        }
    }

    /// A setup script that records its environment and directory, starts a child that lives
    /// as long as it does, prints escape sequences and then acts as `$1` says.
    static var setupScript: String {
        """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/setup-$AO_SESSION_ID"
        env -0 > "$out.env"
        pwd > "$out.cwd"
        echo run >> "$FAKE_AGENT_OUT/setup-runs"
        sleep 300 &
        echo $! > "$out.child"
        printf '\\033]0;evil title\\007\\033[2Jinstalling dependencies\\n'
        case "$1" in
          ok) kill %1; echo done ;;
          fail) kill %1; printf '\\033[31mboom\\033[0m\\n'; exit 3 ;;
          hang) wait ;;
        esac
        """
    }

    func processGone(_ pidFile: URL, _ s: Scenario) throws {
        let text = s.env.read(pidFile)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let pid = try #require(Int32(text), "no pid in \(pidFile.path)")
        try s.env.eventually("process \(pid) to end", timeout: 15) { kill(pid, 0) != 0 }
    }
}

/// Results gathered from concurrent work.
final class ConcurrentResults: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<RunResult, Error>] = []

    func add(_ result: Result<RunResult, Error>) {
        lock.lock(); defer { lock.unlock() }
        results.append(result)
    }

    var all: [Result<RunResult, Error>] {
        lock.lock(); defer { lock.unlock() }
        return results
    }
}
