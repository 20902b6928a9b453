#!/usr/bin/env bash
# Man pages for git-ao.
#
#   scripts/man.sh generate [--binary PATH]   rewrite man/man1/git-ao-*.1 from the command definitions
#   scripts/man.sh check    [--binary PATH]   exit 1 (with a diff) when those pages are stale
#
# The per-command pages are generated from the ArgumentParser definitions by ArgumentParser's own
# generate-manual tool (built here from the resolved checkout), then renamed to git's convention
# (git-ao-spawn.1). git-ao.1, the overview, is written by hand; a test checks it lists every
# command, configuration key and exit status.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
shift || true
binary="$root/.build/debug/git-ao"
build_dir="$root/.build"
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    *) echo "usage: $0 generate|check [--binary PATH] [--build-dir DIR]" >&2; exit 64 ;;
  esac
done
case "$mode" in generate|check) ;; *) echo "usage: $0 generate|check [--binary PATH] [--build-dir DIR]" >&2; exit 64 ;; esac

if [ ! -x "$binary" ]; then
  (cd "$root" && swift build --product git-ao >&2)
fi
checkout="$build_dir/checkouts/swift-argument-parser"
if [ ! -d "$checkout" ]; then
  (cd "$root" && swift package resolve >&2)
  checkout="$root/.build/checkouts/swift-argument-parser"
fi
tools="$build_dir/man-tools"
swift build --package-path "$checkout" --scratch-path "$tools" --product generate-manual >&2
generator="$tools/debug/generate-manual"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/raw" "$work/out"
# The date only changes the .Dd line, which check ignores.
"$generator" "$binary" --multi-page --date "$(date -u +%Y-%m-%d)" --output-directory "$work/raw" >&2

for page in "$work/raw"/git-ao.*.1; do
  command=$(basename "$page" .1)
  command=${command#git-ao.}
  # Hidden commands (run by git-ao itself) and ArgumentParser's help get no page; subcommands
  # (review trigger, ...) are described in their command's page.
  case "$command" in exec-agent|hook|follow|help|*.*) continue ;; esac
  upper=$(printf '%s' "$command" | tr '[:lower:]' '[:upper:]')
  sed -e "s/^\.Dt GIT-AO\.$upper 1/.Dt GIT-AO-$upper 1/" "$page" > "$work/out/git-ao-$command.1"
  printf '.Sh "SEE ALSO"\n.Xr git-ao 1\n' >> "$work/out/git-ao-$command.1"
done

target="$root/man/man1"
if [ "$mode" = generate ]; then
  mkdir -p "$target"
  rm -f "$target"/git-ao-*.1
  cp "$work/out"/git-ao-*.1 "$target/"
  echo "wrote $(ls "$work/out" | wc -l) pages to man/man1" >&2
  exit 0
fi

# check: same set of pages, same content apart from the date line.
status=0
strip() { grep -v '^\.Dd ' "$1"; }
for page in "$work/out"/git-ao-*.1; do
  name=$(basename "$page")
  if [ ! -f "$target/$name" ]; then
    echo "missing: man/man1/$name (run scripts/man.sh generate)"; status=1; continue
  fi
  if ! diff -u <(strip "$target/$name") <(strip "$page") > "$work/diff"; then
    echo "stale: man/man1/$name (run scripts/man.sh generate)"; cat "$work/diff"; status=1
  fi
done
for page in "$target"/git-ao-*.1; do
  [ -e "$page" ] || continue
  name=$(basename "$page")
  [ -f "$work/out/$name" ] || { echo "obsolete: man/man1/$name (run scripts/man.sh generate)"; status=1; }
done
exit $status
