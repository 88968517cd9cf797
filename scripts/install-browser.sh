#!/usr/bin/env bash
# Install Debian's chromium for the browser test (tests/test_browser.py), when missing.
# Called by scripts/setup-tests.sh.  In CI (CI=true) a browser that cannot be installed is an
# error; elsewhere the script explains why and exits 0 (the browser test then skips).
set -uo pipefail

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
    exit 0
fi

fail() {
    echo "install-browser: $1" >&2
    if [ "${CI:-}" = "true" ]; then
        echo "install-browser: CI needs $BROWSER for the browser test; failing." >&2
        exit 1
    fi
    echo "install-browser: the browser test will be skipped." >&2
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    fail "$BROWSER is missing and this is not root (run: sudo apt-get install -y chromium)."
fi
if ! command -v apt-get >/dev/null 2>&1; then
    fail "$BROWSER is missing and apt-get is not available on this system."
fi

echo "install-browser: installing Debian's chromium" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -q >&2; then
    fail "apt-get update failed."
fi
if ! apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >&2; then
    fail "apt-get install chromium failed."
fi
if [ ! -x "$BROWSER" ]; then
    fail "chromium was installed but $BROWSER is not there."
fi
echo "install-browser: $("$BROWSER" --version 2>/dev/null || echo chromium) installed" >&2
