#!/usr/bin/env bash
# Install the planner with its test extras into .venv, and the browser the tests use.
# The README's test command (and .ci/run) is: bash scripts/setup-tests.sh && .venv/bin/python -m pytest
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
