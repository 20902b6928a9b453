#!/usr/bin/env bash
# One observation pass over 50 sessions with open pull requests, against a loopback GitHub
# (bench/github-server.py) that delays every response by 50 ms. Reports, per pass, the requests
# made, how many were not 304, GraphQL calls, and the wall time against a pass over a repository
# with no session. Cases: nothing changed (every request should be a 304, no GraphQL, requests
# overlapping so the pass stays under 1 s), and one pull request changed (only its reads are not 304).
#
#   bench/forge-pass.sh [runs] [sessions]      (default 10 runs, 50 sessions)
source "$(dirname "$0")/lib.sh"
runs=${1:-10}
sessions=${2:-50}
need hyperfine python3 tmux git curl
sandbox

fixtures="$bench_root/Tests/Fixtures/github"
[ -d "$fixtures" ] || { echo "bench: no fixtures at $fixtures" >&2; exit 69; }

make_repo() {
  git init -q -b main "$1" && git -C "$1" commit -q --allow-empty -m init
  git clone -q --bare "$1" "$1.origin.git" && git -C "$1" remote add origin "$1.origin.git" && git -C "$1" fetch -q origin
  git -C "$1" remote add github git@github.com:acme/widgets.git
  git -C "$1" config ao.remote github
  git -C "$1" config ao.agent.bench.command "sleep 86400"
  git -C "$1" config ao.agent.bench.hooks true
}
repo="$work/repo" empty="$work/empty"
make_repo "$repo"
make_repo "$empty"
for _ in $(seq "$sessions"); do git -C "$repo" ao spawn --agent bench --no-attach -q --base origin/main >/dev/null; done
git -C "$repo" ao status --porcelain | awk '$1 == "s" { print $6 }' > "$work/branches"

python3 "$bench_root/bench/github-server.py" --fixtures "$fixtures" --branches "$work/branches" \
  --latency 0.05 --port-file "$work/port" &
server=$!
trap 'kill $server 2>/dev/null; tmux kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
api="http://127.0.0.1:$(cat "$work/port")"
export AO_GITHUB_API_URL="$api" AO_GITHUB_TOKEN="bench-token"
stats() { curl -s "$api/__stats"; }
reset() { curl -s -X POST "$api/__reset-stats" >/dev/null; }

git -C "$repo" ao observe --refresh -q        # cold: fills the ETag cache and the facts
reset
# The same pass with GitHub off (no token): what the rest of the pass costs for these sessions.
hyperfine -N --style none --warmup 1 --runs "$runs" --export-json "$work/unchanged.json" \
  -n "zero sessions" "git -C $empty ao observe --refresh -q" \
  -n "$sessions sessions, GitHub off" "env -u AO_GITHUB_TOKEN git -C $repo ao observe --refresh -q" \
  -n "$sessions sessions, nothing changed" "git -C $repo ao observe --refresh -q" >/dev/null
unchanged=$(stats)
reset
hyperfine -N --style none --runs "$runs" --export-json "$work/changed.json" \
  -n "zero sessions" "git -C $empty ao observe --refresh -q" \
  -n "$sessions sessions, one PR changed" --prepare "curl -s -X POST $api/__change?pr=7" "git -C $repo ao observe --refresh -q" >/dev/null
changed=$(stats)
report "zero sessions" "$work/unchanged.json" "$work/changed.json"
python3 - "$unchanged" "$changed" "$runs" <<'PY'
import json, sys
runs = int(sys.argv[3])
for label, raw in (("nothing changed", sys.argv[1]), ("one PR changed", sys.argv[2])):
    s = json.loads(raw)
    passes = runs + (1 if label == "nothing changed" else 0)  # hyperfine's warmup run
    fresh = s["requests"] - s["not_modified"] - s["graphql"]
    print(f"\n{label}: {s['requests'] / passes:.1f} requests per pass, "
          f"{fresh / passes:.1f} not 304 (REST), {s['graphql'] / passes:.1f} GraphQL; "
          f"changed reads by PR: {s['by_pr_changed']}")
PY
