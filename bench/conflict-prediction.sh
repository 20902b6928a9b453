#!/usr/bin/env bash
# What local conflict prediction costs per session on a repository of 10,000 files: the
# `git merge-tree --write-tree --name-only` an observation pass runs when a session's branch or
# its base moved, for a branch that merges cleanly and for one that conflicts, against
# `git rev-parse` (the floor for running git at all in that repository).
#
#   bench/conflict-prediction.sh [runs] [files]     (default 50 runs, 10000 files)
source "$(dirname "$0")/lib.sh"
runs=${1:-50}
files=${2:-10000}
need hyperfine python3 git
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=gc.auto GIT_CONFIG_VALUE_0=0
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b
repo="$work/repo"
git init -q -b main "$repo"
python3 - "$repo" "$files" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    d = os.path.join(root, "src", f"module{i // 100:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i % 100:03d}.txt"), "w") as f:
        f.write(f"file {i}\n" + "some content line\n" * (i % 40))
PY
git -C "$repo" add -A && git -C "$repo" commit -q -m "$files files"
# The session's branch changes 20 files; the base changes 20 others (clean) or one of the same (conflict).
git -C "$repo" checkout -q -b session
for i in $(seq 0 19); do echo "session change" >> "$repo/src/module$(printf %03d $i)/file001.txt"; done
git -C "$repo" commit -qam session
git -C "$repo" checkout -q -b clean-base main
for i in $(seq 50 69); do echo "base change" >> "$repo/src/module$(printf %03d $i)/file002.txt"; done
git -C "$repo" commit -qam base
git -C "$repo" checkout -q -b conflicting-base main
echo "base change" >> "$repo/src/module000/file001.txt"
git -C "$repo" commit -qam conflicting
git -C "$repo" gc -q
hyperfine -N -i --style none --warmup 3 --runs "$runs" --export-json "$work/conflict-prediction.json" \
  -n "git rev-parse HEAD" "git -C $repo rev-parse HEAD" \
  -n "merge-tree, merges cleanly" "git -C $repo merge-tree --write-tree --name-only --no-messages clean-base session" \
  -n "merge-tree, conflicts" "git -C $repo merge-tree --write-tree --name-only --no-messages conflicting-base session" >/dev/null
report "git rev-parse HEAD" "$work/conflict-prediction.json"
