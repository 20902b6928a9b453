#!/usr/bin/env bash
# The worktree step of `git ao spawn` (branch + worktree through libgit2) against
# `git worktree add -b` on a generated repository of 10,000 files. Target: <= 1.2x.
#
#   bench/worktree.sh [runs] [files]     (default 30 runs, 10000 files)
#
# Works in $BENCH_TMPDIR, by default /dev/shm: on disks mounted with `discard`, deleting the
# previous run's 10,000 files stalls the next run's writes for seconds, which would measure the
# disk instead of the two checkouts. BENCH_TMPDIR=/tmp measures on disk.
source "$(dirname "$0")/lib.sh"
runs=${1:-30}
files=${2:-10000}
need hyperfine python3 git
(cd "$bench_root/bench/worktree-step" && swift build -c release --static-swift-stdlib >&2)
step="$(cd "$bench_root/bench/worktree-step" && swift build -c release --static-swift-stdlib --show-bin-path)/worktree-step"

tmp=${BENCH_TMPDIR:-/dev/shm}
[ -d "$tmp" ] && [ -w "$tmp" ] || tmp=${TMPDIR:-/tmp}
work=$(mktemp -d -p "$tmp")
trap 'rm -rf "$work"' EXIT
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
repo="$work/repo"
git init -q -b main "$repo"
python3 - "$repo" "$files" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
per_dir = 100
for i in range(count):
    d = os.path.join(root, "src", f"module{i // per_dir:03d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"file{i % per_dir:03d}.txt"), "w") as f:
        f.write(f"file {i}\n" + "some content line\n" * (i % 40))
PY
git -C "$repo" add -A
git -C "$repo" -c gc.auto=0 -c user.name=b -c user.email=b@b commit -q -m "$files files"
git -C "$repo" gc -q
echo "repository: $(git -C "$repo" ls-files | wc -l) files, in $tmp" >&2

wt="$work/wt"
cleanup="rm -rf $wt; git -C $repo worktree prune; git -C $repo branch -q -D bench 2>/dev/null || true"
hyperfine --style none --warmup 3 --runs "$runs" --export-json "$work/worktree-step-$files-files.json" \
  --prepare "$cleanup" \
  -n "git worktree add -b" "git -C $repo worktree add -q -b bench $wt" \
  -n "git-ao worktree step" "$step $repo bench $wt" >/dev/null
report "git worktree add -b" "$work/worktree-step-$files-files.json"
echo
echo "target: git-ao worktree step <= 1.2x git worktree add -b"
