#!/usr/bin/env bash
# Quick start, command 2: set up with the test extras and run the checks and the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
.venv/bin/lint-imports
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
