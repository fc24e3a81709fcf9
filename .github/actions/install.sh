#!/usr/bin/env bash
# action.yml's install step: linkkeeper goes into a virtual environment of its own under
# $RUNNER_TEMP, made with the runner's python3 (3.11 or newer), so the job's own Python, its PATH
# and its packages stay as they were. Publishes the paths of the linkkeeper command and of the
# environment's Python as step outputs.
set -euo pipefail
python="${LINKKEEPER_BASE_PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "::error title=linkkeeper::linkkeeper needs Python 3.11 or newer as python3 on the runner; add actions/setup-python before this step"
  exit 1
fi
venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/linkkeeper-venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${ACTION_PATH:?}"
{
  echo "linkkeeper=$venv/bin/linkkeeper"
  echo "python=$venv/bin/python"
} >> "${GITHUB_OUTPUT:-/dev/stdout}"
