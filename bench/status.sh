#!/usr/bin/env bash
# `git ao status` with 100 and 1,000 sessions, against the floor for "read the sessions and print
# them": sqlite3 <state.db> 'select * from sessions'. Targets: <= 3x the floor at 100 sessions,
# and <= 30 ms. The sessions are live (a tmux server runs), so status makes its one tmux query.
#
#   bench/status.sh [runs]        (default 200 runs per command)
source "$(dirname "$0")/lib.sh"
runs=${1:-200}
need hyperfine sqlite3 python3 tmux git
sandbox

for n in 100 1000; do
  repo="$work/repo-$n"
  git init -q -b main "$repo"
  git -C "$repo" -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
  # One real session (tmux server, database), then n-1 more rows like it.
  git -C "$repo" ao spawn --agent shell --no-attach -q >/dev/null
  db="$repo/.git/ao/state.db"
  # Copies of the real session's row, every column, each with its own id, branch and names.
  sqlite3 "$db" "
    CREATE TEMP TABLE copies AS SELECT * FROM sessions WHERE 0;
    WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < $n - 1)
    INSERT INTO copies SELECT sessions.* FROM sessions, k;
    UPDATE copies SET id = printf('b%05d', rowid), name = 'session ' || rowid, branch = printf('ao/b%05d', rowid),
                      tmux_name = printf('ao-b%05d', rowid), worktree_path = worktree_path || rowid;
    INSERT INTO sessions SELECT * FROM copies;"
  [ "$(sqlite3 "$db" 'select count(*) from sessions')" = "$n" ]
  # With the tmux server running, status makes its one tmux query.
  (cd "$repo" && hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$work/status-$n-sessions-tmux-running.json" \
      -n floor "sqlite3 $db 'select * from sessions'" \
      -n "git-ao status" "git-ao status" \
      -n "git ao status" "git ao status" >/dev/null)
  # Seeded rows only, no tmux server: no tmux process is needed to know nothing runs.
  tmux kill-server
  (cd "$repo" && hyperfine -N --style none --warmup 20 --runs "$runs" --export-json "$work/status-$n-sessions-no-tmux-server.json" \
      -n floor "sqlite3 $db 'select * from sessions'" \
      -n "git-ao status" "git-ao status" \
      -n "git ao status" "git ao status" >/dev/null)
done
report floor "$work"/status-100-sessions-*.json "$work"/status-1000-sessions-*.json
echo
echo "targets: 'git ao status' at 100 sessions <= 3x floor and <= 30 ms"
