#!/usr/bin/env bash
# Linux: build dist/pixm-<version>/ with PyInstaller (pixm.spec), add the desktop entry, the icon and an
# install script, and pack it as dist/pixm-<version>-linux-<arch>.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh build
.venv/bin/pyinstaller --noconfirm --log-level WARN pixm.spec
version=$(.venv/bin/python -c "import pixm_desktop; print(pixm_desktop.__version__)")
bundle="dist/pixm-${version}"
install -m 0644 installers/linux/pixm-desktop.desktop "$bundle/pixm-desktop.desktop"
install -m 0644 resources/icons/pixm.svg "$bundle/pixm-desktop.svg"
install -m 0755 installers/linux/install.sh "$bundle/install.sh"
tar -C dist -czf "dist/pixm-${version}-linux-$(uname -m).tar.gz" "pixm-${version}"
du -sh "$bundle" "dist/pixm-${version}-linux-$(uname -m).tar.gz"
