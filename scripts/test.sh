#!/usr/bin/env bash
# Install the planner with its test extras into .venv and run the whole test suite.
# This is the README's test command and exactly what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
.venv/bin/python -m pip install --quiet -e '.[test]'
if [ -f scripts/install-browser.sh ]; then
    bash scripts/install-browser.sh
fi
exec .venv/bin/python -m pytest "$@"
