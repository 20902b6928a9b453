#!/usr/bin/env bash
# `git ao merge` of a session whose 10 commits need a real rebase (the base moved on after the
# spawn), without a reviewer, against doing it by hand: `git rebase` in the session's worktree,
# then `git merge --ff-only` in the main worktree. Both move main's checked-out files. git ao merge
# runs with --keep so both leave the session's worktree in place (its clean-up has no by-hand
# counterpart here); a second line times the whole landing, clean-up of worktree and branch included.
# Target: git ao merge --keep <= 1.5x by hand.
#
#   bench/merge.sh [runs]        (default 30)
source "$(dirname "$0")/lib.sh"
runs=${1:-30}
need hyperfine python3 tmux git
sandbox

repo="$work/repo"
git init -q -b main "$repo"
for i in $(seq 1 50); do echo "file $i" > "$repo/file$i.txt"; done
git -C "$repo" add -A && git -C "$repo" commit -q -m init
id=$(git -C "$repo" ao spawn --agent shell --no-attach -q)
wt=$(git -C "$repo" ao show --json "$id" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["worktree"])')
for i in $(seq 1 10); do echo "change $i" >> "$wt/file$i.txt"; git -C "$wt" commit -q -am "change $i"; done
echo "base moved" > "$repo/other.txt"; git -C "$repo" add other.txt; git -C "$repo" commit -q -m "base moved on"
base=$(git -C "$repo" rev-parse main)
tip=$(git -C "$wt" rev-parse HEAD)
branch=$(git -C "$wt" symbolic-ref --short HEAD)

reset="git -C $repo reset -q --hard $base && git -C $wt reset -q --hard $tip && rm -f $repo/.git/ao/run/merge-*.json"
hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$work/merge.json" \
  --prepare "sh -c '$reset'" \
  -n "by hand: git rebase + git merge --ff-only" "sh -c 'git -C $wt rebase -q main && git -C $repo merge -q --ff-only $branch'" \
  -n "git ao merge --keep --no-review" "sh -c 'git -C $repo ao merge $id --keep --no-review --force -q'" >/dev/null
report "by hand: git rebase + git merge --ff-only" "$work/merge.json"

# The whole landing, session retired (a fresh session each run).
whole() {
  git -C "$repo" reset -q --hard "$base"
  local n
  n=$(git -C "$repo" ao spawn --agent shell --no-attach -q)
  local w
  w=$(git -C "$repo" ao show --json "$n" | python3 -c 'import json,sys; print(json.load(sys.stdin)["session"]["worktree"])')
  git -C "$w" reset -q --hard "$tip"
  local start end
  start=$(date +%s%N)
  git -C "$repo" ao merge "$n" --no-review --force -q
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
times=()
for _ in $(seq 1 10); do times+=("$(whole)"); done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "\ngit ao merge (session ended, worktree and branch removed): median %d ms over %d runs\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), NR}'
echo "target: git ao merge --keep --no-review <= 1.5x by hand"
