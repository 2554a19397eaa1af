#!/usr/bin/env bash
# Create .venv (if missing) and install PIXM with the given extras, e.g. `scripts/setup.sh test`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
# -q -q: errors only (pip's own -q still prints warnings, e.g. about this machine's pip configuration)
pip=(.venv/bin/python -m pip --quiet --quiet --disable-pip-version-check)
"${pip[@]}" install --upgrade pip
extras=${1:-}
if [ -n "$extras" ]; then
  "${pip[@]}" install -e ".[${extras}]"
else
  "${pip[@]}" install -e .
fi
