#!/usr/bin/env bash
# `git ao signal` (what Claude Code runs on every tool call) median latency, against
# `git --version` as the floor for starting a program at all. Measured for a signal that
# changes nothing (the common case: one more PreToolUse while working) and for one that does.
#
#   bench/signal.sh [runs]        (default 300)
source "$(dirname "$0")/lib.sh"
runs=${1:-300}
need hyperfine python3 tmux git
sandbox

repo="$work/repo"
git init -q -b main "$repo" && git -C "$repo" commit -q --allow-empty -m init
git -C "$repo" config ao.agent.bench.command "sleep 86400"
git -C "$repo" config ao.agent.bench.hooks true
id=$(git -C "$repo" ao spawn --agent bench --no-attach -q)
export AO_SESSION_ID="$id" AO_REPO="$repo/.git"
git-ao signal claude-code PreToolUse </dev/null

# hyperfine gives each run /dev/null as stdin: these two events need no payload.
hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$work/no-change.json" \
  -n "git --version" "git --version" \
  -n "signal, no change (PreToolUse while working)" "git-ao signal claude-code PreToolUse" >/dev/null
hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$work/a-change.json" \
  -n "git --version" "git --version" \
  -n "signal, a change (PreToolUse after Stop)" --prepare "git-ao signal claude-code Stop" "git-ao signal claude-code PreToolUse" >/dev/null
report "git --version" "$work/no-change.json" "$work/a-change.json"
echo
echo "stored: $(git -C "$repo" ao events --session "$id" -n 100000 | grep -c activity) activity changes"
