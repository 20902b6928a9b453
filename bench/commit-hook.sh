#!/usr/bin/env bash
# `git commit` in a session worktree with git-ao's hooks installed, against the same commit in a
# repository without them. Target: median ratio <= 1.3. The hook records the commit and starts
# an observation pass in the background; a short pause before each run (for both) lets that
# background work finish, as it would between two real commits.
#
#   bench/commit-hook.sh [runs]        (default 100)
source "$(dirname "$0")/lib.sh"
runs=${1:-100}
need hyperfine python3 tmux git
sandbox

setup() {  # setup <name> <with-hooks:yes|no> -> prints the session worktree
  local repo="$work/$1"
  git init -q -b main "$repo"
  for i in $(seq 1 50); do echo "file $i" > "$repo/file$i.txt"; done
  git -C "$repo" add -A && git -C "$repo" commit -q -m init
  [ "$2" = yes ] && git -C "$repo" ao init >/dev/null
  local id
  id=$(git -C "$repo" ao spawn --agent shell --no-attach -q)
  git -C "$repo" ao show --json "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["worktree"])'
}
with=$(setup with-hooks yes)
without=$(setup without-hooks no)
[ -x "$work/with-hooks/.git/hooks/post-commit" ] && [ ! -e "$work/without-hooks/.git/hooks/post-commit" ]

hyperfine -N --style none --warmup 5 --runs "$runs" --prepare "sleep 0.1" --export-json "$work/commit-in-a-session-worktree.json" \
  -n "git commit, no hooks" "git -C $without commit -q --allow-empty -m bench" \
  -n "git commit, git-ao hooks" "git -C $with commit -q --allow-empty -m bench" >/dev/null
report "git commit, no hooks" "$work/commit-in-a-session-worktree.json"
echo
echo "recorded: $(git -C "$work/with-hooks" ao events -n 100000 | grep -c ' commit ') commit events for $(git -C "$with" rev-list --count HEAD) commits"
echo "target: git commit with git-ao's hooks <= 1.3x without"
