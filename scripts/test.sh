#!/usr/bin/env bash
# Install everything the test suite needs on a fresh machine, then check and test:
#   1. a venv (.venv) with the package (editable) and its test extra, at the exact versions of
#      requirements/test.lock (regenerate it with `bash scripts/lock.sh`);
#   2. lint (`ruff check`), format (`ruff format --check`) of service/, tests/, bench/; types (mypy: the modules listed in
#      pyproject's [tool.mypy], or config.py while there is no such section) — each fails the run;
#   3. the whole pytest suite (extra arguments go to pytest).
# Needs python3; Debian's chromium (browser tests) and virtuoso-opensource (Virtuoso tests) are
# installed here when missing and run as root.
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
.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements/test.lock -e '.[test]'

echo "ruff check" && .venv/bin/ruff check service tests bench
echo "ruff format --check" && .venv/bin/ruff format --check service tests bench
if grep -q '^\[tool\.mypy\]' pyproject.toml; then
  echo "mypy" && .venv/bin/mypy
else
  echo "mypy --strict service/policykg/config.py" && .venv/bin/mypy --strict service/policykg/config.py
fi

.venv/bin/python -m pytest "$@"
