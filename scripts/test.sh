#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then run the whole suite.
# Needs python3 and, for the browser tests, Debian's chromium; for the Virtuoso tests, Debian's
# virtuoso-opensource (both installed here when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    echo "chromium is missing: run 'sudo apt-get install chromium fonts-noto-cjk' for the browser tests" >&2
  fi
fi

if ! command -v virtuoso-t >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq virtuoso-opensource >/dev/null
  else
    echo "virtuoso-t is missing: run 'sudo apt-get install virtuoso-opensource' for the Virtuoso tests" >&2
  fi
fi

python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
.venv/bin/python -m pytest "$@"
