#!/usr/bin/env bash
# The whole test suite, after installing everything it needs (system packages, .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [[ -f .importlinter ]]; then .venv/bin/lint-imports; fi
.venv/bin/ruff check .
# In parallel, one worker a core (pytest-xdist); tests/conftest.py groups them by module. Arguments are pytest's:
# `-n 0` runs in this process.
exec .venv/bin/python -m pytest -n auto --dist loadscope "$@"
