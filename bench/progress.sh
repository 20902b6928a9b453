#!/usr/bin/env bash
# Progress at a glance (docs/progress.md): `git ao status`, `status -v` and `status --json` at 100
# sessions, 10 of them live (own worktree with a commit and an uncommitted edit, a shell agent in
# tmux), the figures cached; and `status --json` with the cache removed before every run.
#
#   bench/progress.sh [runs]        (default 100 runs per command)
source "$(dirname "$0")/lib.sh"
runs=${1:-100}
need hyperfine sqlite3 python3 tmux git
sandbox

repo="$work/repo"
git init -q -b main "$repo"
for i in $(seq 1 200); do echo "line $i" >> "$repo/file.txt"; done
git -C "$repo" add . && git -C "$repo" commit -qm init
for i in $(seq 1 10); do
  id=$(git -C "$repo" ao spawn --agent shell --no-attach -q 2>/dev/null)
  wt=$(sqlite3 "$repo/.git/ao/state.db" "select worktree_path from sessions where id='$id'")
  sed -i "s/^line 5$/changed $i/" "$wt/file.txt"; git -C "$wt" commit -qam "c $i"; echo "wip" >> "$wt/file.txt"
done
db="$repo/.git/ao/state.db"
# 90 more rows like the live ones (their worktrees do not exist: no progress to count).
sqlite3 "$db" "
  CREATE TEMP TABLE copies AS SELECT * FROM sessions WHERE 0;
  WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 9)
  INSERT INTO copies SELECT sessions.* FROM sessions, k;
  UPDATE copies SET id = printf('b%05d', rowid), name = 'session ' || rowid, branch = printf('ao/b%05d', rowid),
                    tmux_name = printf('ao-b%05d', rowid), worktree_path = worktree_path || rowid, port = NULL;
  INSERT INTO sessions SELECT * FROM copies;"
[ "$(sqlite3 "$db" 'select count(*) from sessions')" = 100 ]
(cd "$repo" && hyperfine -N --style none --warmup 10 --runs "$runs" --export-json "$work/progress-cached.json" \
    -n floor "sqlite3 $db 'select * from sessions'" \
    -n "git-ao status" "git-ao status" -n "git-ao status -v" "git-ao status -v" -n "git-ao status --json" "git-ao status --json" >/dev/null)
(cd "$repo" && hyperfine --style none --warmup 3 --runs "$runs" --export-json "$work/progress-uncached.json" \
    --prepare "rm -rf $repo/.git/ao/progress" \
    -n floor "sqlite3 $db 'select * from sessions'" -n "git-ao status --json" "git-ao status --json" >/dev/null)
report floor "$work"/progress-cached.json "$work"/progress-uncached.json
