#!/usr/bin/env bash
# action.yml's check step, kept in a script so that it is tested outside GitHub: run
# `linkkeeper check`, never let its exit code abort the step before the outputs are written, then
# publish the exit code and the counts from report.json as step outputs.
#
# The paths and args inputs are split into words as a POSIX shell splits them (quotes and
# backslashes respected, by Python's shlex), but nothing in them is expanded: no $VAR, no glob,
# no command substitution. An input that cannot be split (an unclosed quote) is an error, exit 2.
set -u
linkkeeper="${LINKKEEPER_COMMAND:-linkkeeper}"
python="${LINKKEEPER_PYTHON:-python3}"
reports="${LINKKEEPER_REPORTS_DIR:-reports}"
out="${GITHUB_OUTPUT:-/dev/stdout}"
words="$(mktemp)"
trap 'rm -f "$words"' EXIT

# Writes the words of $1 to $words, NUL-separated; $2 names the input in the error.
split() {
  if ! "$python" -c 'import shlex, sys; sys.stdout.write("".join(w + "\0" for w in shlex.split(sys.argv[1])))' \
      "$1" > "$words" 2>/dev/null; then
    echo "::error title=linkkeeper::the $2 input has an unclosed quote or a trailing backslash: $1" >&2
    echo "exit-code=2" >> "$out"
    exit 2
  fi
}

split "${LINKKEEPER_ARGS:-}" args
mapfile -d '' -t extra < "$words"
split "${LINKKEEPER_PATHS:-.}" paths
mapfile -d '' -t paths < "$words"
"$linkkeeper" check --no-progress --fail-on "${LINKKEEPER_FAIL_ON:-dead}" --reports-dir "$reports" \
  "${extra[@]}" -- "${paths[@]}"
code=$?
echo "exit-code=${code}" >> "$out"
if [ -f "$reports/report.json" ]; then
  "$python" - "$reports/report.json" >> "$out" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
for name, count in {**summary["outcomes"], **{f"verdict-{k}": v for k, v in summary["verdicts"].items()}}.items():
    print(f"{name}={count}")
print(f"failing={summary['failing']}")
PY
fi
exit "$code"
