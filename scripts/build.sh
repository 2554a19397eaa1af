#!/usr/bin/env bash
# Build the Linux bundle from this checkout: dist/pixm-<version>/ (executables `pixm` and `pixm-desktop`), a
# tarball with a .desktop entry and the icon, then run the frozen self-check (`pixm --smoke-test`).
# Usage: scripts/build.sh [--no-check]
set -euo pipefail
cd "$(dirname "$0")/.."
installers/linux/build.sh
if [ "${1:-}" != "--no-check" ]; then
  version=$(.venv/bin/python -c "import pixm_desktop; print(pixm_desktop.__version__)")
  QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen} "dist/pixm-${version}/pixm" --smoke-test
fi
