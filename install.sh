#!/usr/bin/env bash
# Installs git-ao: the packages it needs, a release build, the binary and its man pages.
#
#   ./install.sh                      install into /usr/local (or $PREFIX)
#   ./install.sh --prefix ~/.local    install somewhere else
#   ./install.sh --deps-only          only install the Debian packages (what `swift test` needs)
#   ./install.sh --with-test-agents   only the packages and the real agents the tests run
#                                     (aider-chat 0.86.2, in a venv under .build/test-agents/)
#
# Needs a Swift 6.3 toolchain on PATH (https://www.swift.org/install/). Debian packages are
# installed with apt-get (through sudo when not root) only when missing.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=${PREFIX:-/usr/local}
deps_only=false
test_agents=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --deps-only) deps_only=true; shift ;;
    --with-test-agents) test_agents=true; shift ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option '$1' (see ./install.sh --help)" >&2; exit 64 ;;
  esac
done

say() { printf '==> %s\n' "$*" >&2; }

# Build: libgit2, SQLite, libcurl headers and pkg-config. Run: tmux, git, man (for `git ao --help`).
# Tests also use the sqlite3 program (to inject faults into the real database).
packages=(libgit2-dev libsqlite3-dev libcurl4-openssl-dev pkg-config tmux git man-db sqlite3)
# The real-agent tests: a Python venv for aider.
$test_agents && packages+=(python3 python3-venv)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    apt=(apt-get)
  elif command -v sudo >/dev/null 2>&1; then
    apt=(sudo apt-get)
  else
    echo "install.sh: these packages are missing and there is no sudo to install them: ${missing[*]}" >&2
    echo "hint: as root, run: apt-get install -y ${missing[*]}" >&2
    exit 69
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${apt[@]}" update -qq >&2
  "${apt[@]}" install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
$deps_only && { say "dependencies are installed"; exit 0; }

# The agents the real-agent tests run, pinned (Tests/GitAOTests/RealAiderTests.swift finds them
# here). Kept under .build/ so they never reach git and `swift package clean` takes them away.
if $test_agents; then
  aider_version=0.86.2
  venv="$here/.build/test-agents/aider"
  if [ -x "$venv/bin/aider" ] && [ "$("$venv/bin/aider" --version 2>/dev/null)" = "aider $aider_version" ]; then
    say "aider $aider_version is already installed in $venv"
  else
    say "installing aider-chat==$aider_version into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "aider-chat==$aider_version" >&2
    say "installed $("$venv/bin/aider" --version)"
  fi
  exit 0
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "install.sh: swift is not on PATH; git-ao needs a Swift 6.3 toolchain (https://www.swift.org/install/)." >&2
  exit 69
fi

# Static Swift runtime: git hooks pay start-up on every commit. No $ORIGIN run path: the
# installed binary must not look for shared libraries in its own bin directory.
say "building a release"
(cd "$here" && swift build -c release --static-swift-stdlib --disable-local-rpath --product git-ao >&2)
binary=$(cd "$here" && swift build -c release --static-swift-stdlib --disable-local-rpath --show-bin-path)/git-ao

say "installing into $prefix"
install -d "$prefix/bin" "$prefix/share/man/man1"
install -m 0755 "$binary" "$prefix/bin/git-ao"
install -m 0644 "$here"/man/man1/*.1 "$prefix/share/man/man1/"
if command -v mandb >/dev/null 2>&1; then mandb -q "$prefix/share/man" >/dev/null 2>&1 || true; fi

case ":$PATH:" in
  *":$prefix/bin:"*) say "done: $("$prefix/bin/git-ao" --version); try 'git ao --help'" ;;
  *) say "done, but $prefix/bin is not on PATH: add it (export PATH=\"$prefix/bin:\$PATH\") to use 'git ao'" ;;
esac
