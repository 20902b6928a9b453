#!/usr/bin/env bash
# Captures aider 0.86.2's real screens under tmux, for the patterns git-ao uses.
set -u   # AIDER=<path to aider 0.86.2> ./capture.sh [out-dir]
export TMUX_TMPDIR=$(mktemp -d); out=${1:-screens}; mkdir -p "$out"
repo=$(mktemp -d)/repo; git init -q -b main "$repo"; git -C "$repo" -c user.name=a -c user.email=a@a commit -q --allow-empty -m init
export HOME=$(mktemp -d)   # a first run: aider asks about release notes
tmux new-session -d -s a -x 120 -y 30 -c "$repo" -- env OPENAI_API_KEY=x OPENAI_API_BASE=http://127.0.0.1:18765/v1 LITELLM_LOCAL_MODEL_COST_MAP=True "${AIDER:-aider}" --model openai/gpt-4o-mini --edit-format whole --no-check-update --analytics-disable --no-show-model-warnings
wait_for() { for i in $(seq 1 100); do tmux capture-pane -p -t a | grep -q -- "$1" && return 0; sleep 0.2; done; echo "timeout waiting for $1" >&2; return 1; }
wait_for '(Y)es/(N)o' && tmux capture-pane -p -t a > "$out/question-gitignore.txt"; tmux send-keys -t a n Enter; sleep 1
wait_for "what's new" && tmux capture-pane -p -t a > "$out/question-release-notes.txt"; tmux send-keys -t a n Enter
sleep 2; tmux capture-pane -p -t a > "$out/ready-prompt.txt"
printf 'add a note' | tmux load-buffer -b p -; tmux paste-buffer -d -p -b p -t a; tmux send-keys -t a Enter
wait_for 'Create new file' && tmux capture-pane -p -t a > "$out/question-create-file.txt"; tmux send-keys -t a y Enter
sleep 3; tmux capture-pane -p -t a > "$out/ready-after-edit.txt"
tmux kill-server
