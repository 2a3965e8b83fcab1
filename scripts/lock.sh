#!/usr/bin/env bash
# Regenerate requirements/test.lock: the exact version of every runtime, test and dev dependency in
# pyproject.toml, for Python 3.11 on any platform, resolved by uv (installed from PyPI into .venv).
# Versions already in the lock are kept while pyproject.toml allows them, so adding a dependency
# changes only what it needs; `bash scripts/lock.sh --upgrade` moves everything to the newest allowed.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check 'uv==0.13.9'
.venv/bin/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
  --custom-compile-command 'bash scripts/lock.sh' --quiet --output-file requirements/test.lock "$@"
