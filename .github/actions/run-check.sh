#!/usr/bin/env bash
# The logic of action.yml's check step, kept in a script so it can be tested outside GitHub:
# run `linkkeeper check`, never let its exit code abort the step before the outputs are written,
# then publish the exit code and the counts from reports/report.json as step outputs.
set -u
args=(check --no-progress --fail-on "${LINKKEEPER_FAIL_ON:-dead}" --reports-dir "${LINKKEEPER_REPORTS_DIR:-reports}")
# shellcheck disable=SC2206 # the paths input is a space-separated list, split on purpose
paths=(${LINKKEEPER_PATHS:-.})
linkkeeper "${args[@]}" ${LINKKEEPER_ARGS:-} "${paths[@]}"
code=$?
report="${LINKKEEPER_REPORTS_DIR:-reports}/report.json"
out="${GITHUB_OUTPUT:-/dev/stdout}"
echo "exit-code=${code}" >> "$out"
if [ -f "$report" ]; then
  python3 - "$report" >> "$out" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
for name, count in {**summary["outcomes"], **{f"verdict-{k}": v for k, v in summary["verdicts"].items()}}.items():
    print(f"{name}={count}")
print(f"failing={summary['failing']}")
PY
fi
exit "$code"
