#!/usr/bin/env bash
# Runs one example program against prsm's fake provider, as scripts/demo does, and checks it:
# exit status 0 and every expected line fragment in its output.
# Usage: run_example.sh FAKE_PROVIDER SCRIPT.json EXAMPLE [--expect TEXT]... [-- ARGS...]
set -euo pipefail
fake="$1" script="$2" example="$3"
shift 3
expected=()
while (($# > 0)); do
  case "$1" in
    --expect) expected+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done

port_file="$(mktemp)"
rm -f "$port_file"
"$fake" --script "$script" --port-file "$port_file" >/dev/null &
fake_pid=$!
trap 'kill "$fake_pid" 2>/dev/null; wait "$fake_pid" 2>/dev/null; rm -f "$port_file"' EXIT
for _ in $(seq 1 200); do
  [[ -s "$port_file" ]] && break
  kill -0 "$fake_pid" 2>/dev/null || { echo "the fake provider exited" >&2; exit 1; }
  sleep 0.05
done
[[ -s "$port_file" ]] || { echo "the fake provider did not start" >&2; exit 1; }
root="http://127.0.0.1:$(cat "$port_file")"
unset OPENAI_API_KEY ANTHROPIC_API_KEY GEMINI_API_KEY GOOGLE_API_KEY OLLAMA_API_KEY
export OPENAI_BASE_URL="$root/v1" ANTHROPIC_BASE_URL="$root" GEMINI_BASE_URL="$root"
export OLLAMA_HOST="$root" CUSTOM_MODEL_URL="$root"

output="$("$example" "$@")"
printf '%s\n' "$output"
for text in "${expected[@]}"; do
  if ! grep -qF -- "$text" <<<"$output"; then
    echo "missing from the output: $text" >&2
    exit 1
  fi
done
