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
# changed-since: empty checks everything; "auto" in a pull_request or pull_request_target run is
# the pull request's base commit (LINKKEEPER_PR_BASE, from github.event.pull_request.base.sha, a
# full hexadecimal SHA or refused), and outside a pull request checks everything, with a notice;
# any other value is a git ref passed as --changed-since, refused when it starts with '-' or holds
# a space or a line break. When linkkeeper then stops with exit 2 because git cannot find the base
# (a shallow checkout), the error says to check out with fetch-depth: 0.
#
# The outputs: exit-code always, then the counts only from a report.json this very run wrote (a
# report.json left by an earlier run or committed is not this run's: a run that stopped before its
# reports, exit 2 or 3, publishes exit-code alone); only integers, under names of [A-Za-z0-9_-]:
# each outcome's count (alive, broken, ...), each verdict's as verdict-<name>, failing (the links
# failing the fail-on policy: summary.fails_policy), and when checked since a ref, change-broke and
# already-broken (the failing links this change added or broke, and those already broken at the base).
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

# Sets since=(--changed-since REF) from the changed-since input, or leaves it empty.
changed_since() {
  local value="${LINKKEEPER_CHANGED_SINCE:-}" base="${LINKKEEPER_PR_BASE:-}"
  since=()
  case $value in
    "") return ;;
    auto)
      case "${GITHUB_EVENT_NAME:-}" in
        pull_request | pull_request_target) ;;
        *)
          echo "::notice title=linkkeeper::changed-since is auto, but this run is not for a pull request: every link is checked"
          return
          ;;
      esac
      if ! [[ $base =~ ^([0-9a-f]{40}|[0-9a-f]{64})$ ]]; then
        stop "changed-since is auto, but the pull request's base commit (github.event.pull_request.base.sha) is missing or not a commit SHA"
      fi
      since=(--changed-since "$base")
      ;;
    -* | *[[:space:]]*) stop "the changed-since input must be a git ref: not starting with '-', no spaces or line breaks" ;;
    *) since=(--changed-since "$value") ;;
  esac
}

# After an exit 2 with --changed-since: when git cannot find the base here, says why in an ::error.
explain_missing_base() {
  local ref="${since[1]}"
  if ! git rev-parse --is-inside-work-tree > /dev/null 2>&1; then
    echo "::error title=linkkeeper::changed-since needs a git checkout: the working directory is not in a git work tree (run actions/checkout first)" >&2
  elif ! git rev-parse --verify --quiet "${ref}^{commit}" > /dev/null 2>&1 \
    || ! git merge-base "$ref" HEAD > /dev/null 2>&1; then
    echo "::error title=linkkeeper::the changed-since base is not in this checkout, or has no merge base with HEAD: check out with actions/checkout's fetch-depth: 0 (a shallow clone lacks the base's history)" >&2
  fi
}

one_line "$reports" reports-dir
one_line "$fail_on" fail-on
changed_since
split "${LINKKEEPER_ARGS:-}" args
mapfile -d '' -t extra < "$words"
split "${LINKKEEPER_PATHS:-.}" paths
mapfile -d '' -t paths < "$words"
before="$(report_identity)"
"$linkkeeper" check --no-progress --fail-on "$fail_on" --reports-dir "$reports" \
  "${since[@]}" "${extra[@]}" -- "${paths[@]}"
code=$?
if [ "$code" -eq 2 ] && [ "${#since[@]}" -gt 0 ]; then
  explain_missing_base
fi
echo "exit-code=${code}" >> "$out"
if [ "$(report_identity)" != "$before" ]; then
  "$python" - "$reports/report.json" >> "$out" <<'PY'
import json, re, sys
try:
    with open(sys.argv[1], encoding="utf-8") as file:
        document = json.load(file)
    summary = document["summary"]
    counts = {
        **summary["outcomes"],
        **{f"verdict-{name}": count for name, count in summary["verdicts"].items()},
        # what fail-on fails on: fails_policy ("failing" in a report older than that name)
        "failing": summary["fails_policy"] if "fails_policy" in summary else summary["failing"],
    }
    if summary.get("changed_since"):  # checked since a ref: the failures this change caused, the older ones
        roles = [target["change"]["caused"] for target in document["targets"] if target["change"] is not None]
        counts["change-broke"] = sum(role is True for role in roles)
        counts["already-broken"] = sum(role is False for role in roles)
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
