#!/usr/bin/env bash
# The whole test suite, after installing everything it needs (system packages, .venv).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [[ -f .importlinter ]]; then .venv/bin/lint-imports; fi
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
