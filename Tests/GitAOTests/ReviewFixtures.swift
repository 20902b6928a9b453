import AOTestSupport
import Foundation
import Testing

/// Fake reviewers and helpers for the review-loop tests.
enum ReviewFixtures {
    /// A command reviewer: records where and at which commit it ran, then fails when the tree
    /// holds a REVIEW_FAIL file (printing it), hangs with a child when it holds REVIEW_HANG,
    /// leaves a child running when it holds REVIEW_CHILD, and approves otherwise.
    static let commandReviewer = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/review-$AO_REVIEW_RUN"
        pwd > "$out.cwd"
        git rev-parse HEAD > "$out.head"
        printf '%s\\n' "$@" > "$out.args"
        if [ -f .env ]; then cp .env "$out.included"; fi
        env | grep '^AO_' > "$out.aoenv"
        if [ -f REVIEW_HANG ]; then
            sleep 300 &
            echo $! > "$out.child"
            wait
        fi
        if [ -f REVIEW_CHILD ]; then
            sleep 300 &
            echo $! > "$out.child"
        fi
        if [ -n "$FAKE_REVIEW_SLEEP" ]; then sleep "$FAKE_REVIEW_SLEEP"; fi
        if [ -f REVIEW_FAIL ]; then
            echo "checking..."
            cat REVIEW_FAIL
            exit 1
        fi
        echo "all good"
        """

    /// An agent reviewer: reads its first task from the prompt file, later ones from its input
    /// line, looks at the commit it was asked about, and submits with the command the task gave
    /// it: changes_requested with REVIEW_FAIL's text when the commit has one, else approved.
    /// FAKE_REVIEWER_SILENT=1 makes it record the task and submit nothing.
    static let agentReviewer = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/reviewer"
        env -0 > "$out.env"
        pwd > "$out.cwd"
        handle() {
            printf '%s\\n' "$1" >> "$out.tasks"
            [ -n "$FAKE_REVIEWER_SILENT" ] && return
            target=$(printf '%s\\n' "$1" | sed -n 's/.*git diff \\([0-9a-f]*\\) \\([0-9a-f]*\\).*/\\2/p' | head -1)
            run=$(printf '%s\\n' "$1" | sed -n 's/.*git ao review submit --run \\([0-9]*\\).*/\\1/p' | head -1)
            if body=$(git show "$target:REVIEW_FAIL" 2>/dev/null); then
                printf '%s\\n' "$body" | git ao review submit --run "$run" --verdict changes_requested --body-file - >> "$out.submits" 2>&1
            else
                git ao review submit --run "$run" --verdict approved >> "$out.submits" 2>&1
            fi
        }
        handle "$(cat "$1")"
        printf 'reviewer ready\\n> '
        task=""
        while IFS= read -r line; do
            task+="$line"$'\\n'
            case $line in
            *"You are a code reviewer"*) task="$line"$'\\n' ;;
            *"--verdict approved"*) handle "$task"; task="" ;;
            esac
            printf '> '
        done
        """

    static func install(_ s: Scenario, debounce: String = "0s") throws {
        try s.env.installScript("fake-reviewer", commandReviewer)
        try s.env.installScript("fake-review-agent", agentReviewer)
        try s.env.git(["config", "ao.review.debounce", debounce], in: s.repo)
    }

    static func useCommand(_ s: Scenario) throws {
        try s.env.git(["config", "ao.review.command", "fake-reviewer --sha {sha} --base {base} --worktree {worktree}"], in: s.repo)
        try s.env.git(["config", "ao.review.agent", "none"], in: s.repo)
    }

    static func useAgent(_ s: Scenario) throws {
        try s.env.git(["config", "ao.agent.reviewbot.command", "fake-agent"], in: s.repo)
        try s.env.git(["config", "ao.agent.reviewbot.reviewCommand", "fake-review-agent {prompt_file}"], in: s.repo)
        try s.env.git(["config", "ao.review.agent", "reviewbot"], in: s.repo)
    }

    /// Commits `files` in `worktree`, returning the new HEAD.
    @discardableResult
    static func commit(_ s: Scenario, in worktree: URL, _ files: [String: String?], message: String) throws -> String {
        for (name, content) in files {
            let url = worktree.appendingPathComponent(name)
            if let content { try s.env.write(content, to: url) } else { try FileManager.default.removeItem(at: url) }
        }
        try s.env.git(["add", "-A"], in: worktree)
        try s.env.git(["commit", "-q", "-m", message], in: worktree)
        return try s.env.git(["rev-parse", "HEAD"], in: worktree).trimmingCharacters(in: .newlines)
    }

    /// `git ao review list --json` runs.
    static func runs(_ s: Scenario, session: String? = nil) throws -> [[String: Any]] {
        let result = try s.ao(arguments: ["review", "list", "--json"] + (session.map { [$0] } ?? []))
        guard result.succeeded else { throw TestFailure("review list failed: \(result)") }
        return try result.json()["runs"] as? [[String: Any]] ?? []
    }

    static func run(_ s: Scenario, _ id: Any) throws -> [String: Any] {
        let result = try s.ao("review", "show", "--json", "\(id)")
        guard result.succeeded else { throw TestFailure("review show failed: \(result)") }
        return try result.json()
    }

    /// Triggers the agent reviewer with FAKE_REVIEWER_SILENT (it records its task, submits
    /// nothing), after a commit unless `commit` is false; returns the run id.
    @discardableResult
    static func triggerSilent(_ s: Scenario, _ id: String, commit: Bool = true) throws -> String {
        if commit {
            let worktree = try s.worktreePath(of: id)
            try ReviewFixtures.commit(s, in: worktree, ["n\(UUID().uuidString.prefix(6)).txt": "x\n"], message: "step")
        }
        let result = try s.ao(arguments: ["review", "trigger", id, "--agent", "reviewbot"], environment: ["FAKE_REVIEWER_SILENT": "1"])
        guard result.succeeded, let run = result.stdout.split(separator: "\n").first.map(String.init), Int(run) != nil else {
            throw TestFailure("trigger failed: \(result)")
        }
        return run
    }
}
