#!/usr/bin/env bash
# Build the Linux bundle (dist/pixm-<version>/ with `pixm` and `pixm-desktop`) into a tarball.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh build
.venv/bin/pyinstaller --noconfirm pixm.spec
version=$(.venv/bin/python -c "import pixm_desktop; print(pixm_desktop.__version__)")
tar -C dist -czf "dist/pixm-${version}-linux-$(uname -m).tar.gz" "pixm-${version}"
