#!/usr/bin/env bash
# action.yml's check step, kept in a script so that it is tested outside GitHub: run
# `linkkeeper check`, never let its exit code abort the step before the outputs are written, then
# publish the exit code and the counts from report.json as step outputs.
#
# The paths and args inputs are split into words as a POSIX shell splits them (quotes and
# backslashes respected, by Python's shlex), but nothing in them is expanded: no $VAR, no glob,
# no command substitution. An input that cannot be split (an unclosed quote), or a word, reports-dir
# or fail-on holding a line break, is an error, exit 2.
#
# The runner reads workflow commands (::add-mask::, ::stop-commands::, ...) from any line of a
# step's stdout and stderr, so no text from an input may ever start a line: the errors name the
# input and never echo it, and no line break reaches linkkeeper, which quotes some values as given
# in its own errors ("linkkeeper: error: PATH: no such file or directory").
#
# The outputs: exit-code always, then the counts only from a report.json this very run wrote (a
# report.json left by an earlier run or committed is not this run's: a run that stopped before its
# reports, exit 2 or 3, publishes exit-code alone); only integers, under names of [A-Za-z0-9_-].
set -u
linkkeeper="${LINKKEEPER_COMMAND:-linkkeeper}"
python="${LINKKEEPER_PYTHON:-python3}"
reports="${LINKKEEPER_REPORTS_DIR:-reports}"
fail_on="${LINKKEEPER_FAIL_ON:-dead}"
out="${GITHUB_OUTPUT:-/dev/stdout}"
words="$(mktemp)"
trap 'rm -f "$words"' EXIT

# Stops the step with exit code 2 and an ::error made of $1, fixed text naming an input only.
stop() {
  echo "::error title=linkkeeper::$1" >&2
  echo "exit-code=2" >> "$out"
  exit 2
}

# Writes the words of $1 to $words, NUL-separated; $2 names the input in the error.
split() {
  "$python" -c '
import shlex, sys
words = shlex.split(sys.argv[1])
if any("\r" in word or "\n" in word for word in words):
    sys.exit(3)
sys.stdout.write("".join(word + "\0" for word in words))' "$1" > "$words" 2>/dev/null
  case $? in
    0) ;;
    3) stop "a word of the $2 input holds a line break (quoted, or after a backslash)" ;;
    *) stop "the $2 input has an unclosed quote or a trailing backslash" ;;
  esac
}

# Stops when $1 (the value of the input named $2) holds a line break.
one_line() {
  case $1 in
    *$'\n'* | *$'\r'*) stop "the $2 input holds a line break" ;;
  esac
}

# Prints what identifies report.json as a file (device, inode, size, times), or "absent".
report_identity() {
  "$python" -c '
import os, sys
try:
    s = os.stat(sys.argv[1])
except OSError:
    print("absent")
else:
    print(s.st_dev, s.st_ino, s.st_size, s.st_mtime_ns, s.st_ctime_ns)' "$reports/report.json"
}

one_line "$reports" reports-dir
one_line "$fail_on" fail-on
split "${LINKKEEPER_ARGS:-}" args
mapfile -d '' -t extra < "$words"
split "${LINKKEEPER_PATHS:-.}" paths
mapfile -d '' -t paths < "$words"
before="$(report_identity)"
"$linkkeeper" check --no-progress --fail-on "$fail_on" --reports-dir "$reports" \
  "${extra[@]}" -- "${paths[@]}"
code=$?
echo "exit-code=${code}" >> "$out"
if [ "$(report_identity)" != "$before" ]; then
  "$python" - "$reports/report.json" >> "$out" <<'PY'
import json, re, sys
try:
    with open(sys.argv[1], encoding="utf-8") as file:
        summary = json.load(file)["summary"]
    counts = {
        **summary["outcomes"],
        **{f"verdict-{name}": count for name, count in summary["verdicts"].items()},
        "failing": summary["failing"],
    }
except (OSError, ValueError, LookupError, TypeError, AttributeError):
    sys.exit(0)  # no readable report: exit-code alone
sys.stdout.write("".join(
    f"{name}={count}\n"
    for name, count in counts.items()
    if isinstance(name, str) and re.fullmatch(r"[A-Za-z0-9_-]+", name) and name != "exit-code"
    and type(count) is int
))
PY
fi
exit "$code"
