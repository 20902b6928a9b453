#!/usr/bin/env bash
# `git commit` in a session worktree with reviews enabled (hooks installed, a command reviewer
# configured), against the same commit in a repository without hooks (and, for reference, with
# git-ao's hooks but reviews off). Targets: median ratio
# <= 1.3 with a pause between commits (the background review of one commit has time to run, as
# between two real commits), and <= 1.5 back to back (no pause: each commit's background work,
# debounce process included, competes with the next commit).
#
#   bench/review-commit.sh [runs]        (default 60)
source "$(dirname "$0")/lib.sh"
runs=${1:-60}
need hyperfine python3 tmux git
sandbox

printf '#!/bin/sh\nexit 0\n' > "$work/bin/review-ok"
chmod +x "$work/bin/review-ok"

setup() {  # setup <name> <reviews|hooks|none> -> prints the session worktree
  local repo="$work/$1"
  git init -q -b main "$repo"
  for i in $(seq 1 50); do echo "file $i" > "$repo/file$i.txt"; done
  git -C "$repo" add -A && git -C "$repo" commit -q -m init
  [ "$2" != none ] && git -C "$repo" ao init >/dev/null
  [ "$2" = hooks ] && git -C "$repo" config ao.review.enabled false
  if [ "$2" = reviews ]; then
    git -C "$repo" config ao.review.command 'review-ok {sha}'
    git -C "$repo" config ao.review.agent none
    git -C "$repo" config ao.review.debounce 1s
  fi
  local id
  id=$(git -C "$repo" ao spawn --agent shell --no-attach -q)
  git -C "$repo" ao show --json "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["worktree"])'
}
with=$(setup with-reviews reviews)
hooks=$(setup hooks-only hooks)
without=$(setup without-hooks none)
[ -x "$work/with-reviews/.git/hooks/post-commit" ] && [ ! -e "$work/without-hooks/.git/hooks/post-commit" ]

hyperfine -N --style none --warmup 5 --runs "$runs" --prepare "sleep 0.3" --export-json "$work/commit-with-pause.json" \
  -n "git commit, no hooks" "git -C $without commit -q --allow-empty -m bench" \
  -n "git commit, hooks, reviews off" "git -C $hooks commit -q --allow-empty -m bench" \
  -n "git commit, reviews enabled" "git -C $with commit -q --allow-empty -m bench" >/dev/null
hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$work/commit-back-to-back.json" \
  -n "git commit, no hooks" "git -C $without commit -q --allow-empty -m bench" \
  -n "git commit, hooks, reviews off" "git -C $hooks commit -q --allow-empty -m bench" \
  -n "git commit, reviews enabled" "git -C $with commit -q --allow-empty -m bench" >/dev/null
report "git commit, no hooks" "$work/commit-with-pause.json" "$work/commit-back-to-back.json"
sleep 3
echo
echo "review runs: $(git -C "$work/with-reviews" ao review list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["runs"]))') for $(git -C "$with" rev-list --count HEAD) commits (debounced)"
echo "targets: reviews enabled <= 1.3x without hooks (with a pause), <= 1.5x back to back"
