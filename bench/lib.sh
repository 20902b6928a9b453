# Shared helpers for the benchmark scripts (sourced, not run).
set -euo pipefail
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

need() {
  local missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bench: please install: ${missing[*]}" >&2; exit 69
  fi
}

# The release binary, built the way install.sh builds it.
release_binary() {
  (cd "$bench_root" && swift build -c release --static-swift-stdlib --disable-local-rpath --product git-ao >&2)
  echo "$(cd "$bench_root" && swift build -c release --static-swift-stdlib --disable-local-rpath --show-bin-path)/git-ao"
}

# A private world for a benchmark: $work, its own tmux server and git config, and git-ao (the
# release build) first on PATH. Everything goes when the script exits.
sandbox() {
  local binary
  binary=$(release_binary)
  work=$(mktemp -d)
  export TMUX_TMPDIR="$work/tmux" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL="$work/gitconfig" NO_COLOR=1
  unset TMUX
  printf '[user]\n\tname = bench\n\temail = bench@example.com\n[gc]\n\tauto = 0\n' > "$GIT_CONFIG_GLOBAL"
  mkdir -p "$TMUX_TMPDIR" "$work/bin"
  ln -s "$binary" "$work/bin/git-ao"
  export PATH="$work/bin:$PATH"
  trap 'tmux kill-server 2>/dev/null || true; rm -rf "$work"' EXIT
}

# Prints medians and ratios from hyperfine JSON exports: report <baseline-name> <file>...
report() {
  python3 - "$@" <<'PY'
import json, statistics, sys
baseline_name, files = sys.argv[1], sys.argv[2:]
for path in files:
    results = json.load(open(path))["results"]
    base = next(r for r in results if r["command"] == baseline_name)
    base_median = statistics.median(base["times"])
    print(f"\n{path.rsplit('/', 1)[-1].removesuffix('.json')}")
    print(f"  {'command':<34} {'median':>9} {'ratio':>7}   (n)")
    for r in results:
        median = statistics.median(r["times"])
        print(f"  {r['command']:<34} {median * 1000:>7.2f}ms {median / base_median:>6.2f}x   ({len(r['times'])})")
PY
}
