/// A stand-in for aider 0.86.2, drawn from its real screens (Tests/Fixtures/aider-0.86.2): it
/// writes aider's own files in the worktree (chat and input history, tags cache), asks aider's
/// `.gitignore` question when `.aider` (or an existing `.env`) is not ignored, and then shows
/// aider's prompt, a rule of `─` above `> `. Each submitted line is recorded in
/// `$FAKE_AGENT_OUT/<session>.received` and in the chat history; `FAKE_AIDER_BUSY=<seconds>`
/// makes it work that long on each message, `FAKE_AIDER_CONFIRM=1` ask aider's "Create new file?"
/// after each one (the answer goes to `<session>.answers`). Installed as `aider` on PATH, so the built-in
/// agent runs it. (The real aider runs in `RealAiderTests`.)
public enum FakeAider {
    public static let script = """
        #!/bin/bash
        out="$FAKE_AGENT_OUT/$AO_SESSION_ID"
        printf '%s\\0' "$@" > "$out.args"
        for a in "$@"; do
            if [[ "$a" == --restore-chat-history && -s .aider.chat.history.md ]]; then echo "Restored previous conversation history."; fi
        done
        echo "# aider chat started" >> .aider.chat.history.md
        mkdir -p .aider.tags.cache.v4 && : > .aider.tags.cache.v4/cache.db
        if ! git check-ignore -q .aider || { [[ -e .env ]] && ! git check-ignore -q .env; }; then
            printf 'You can skip this check with --no-gitignore\\n'
            printf 'Add .aider* to .gitignore (recommended)? (Y)es/(N)o [Yes]: '
            read -r answer
        fi
        while true; do
            printf '─%.0s' {1..60}; printf '\\n> '
            IFS= read -r line || exit 0
            printf '%s\\n' "$line" >> "$out.received"
            printf '\\n+%s\\n' "$line" >> .aider.input.history
            printf '#### %s\\n' "$line" >> .aider.chat.history.md
            if [[ -n "${FAKE_AIDER_BUSY:-}" ]]; then printf 'Waiting for the model\\n'; sleep "$FAKE_AIDER_BUSY"; fi
            if [[ -n "${FAKE_AIDER_CONFIRM:-}" ]]; then
                printf 'notes.txt\\nCreate new file? (Y)es/(N)o [Yes]: '
                IFS= read -r answer; printf '%s\\n' "$answer" >> "$out.answers"
            fi
            printf 'done: %s\\n' "$line"
        done
        """

    public static func install(in env: TestEnvironment) throws {
        try env.installScript("aider", script)
    }
}
