#!/usr/bin/env bash
# Install this bundle for the current user (or system-wide with PREFIX=/opt/pixm as root): the folder, links
# to `pixm` and `pixm-desktop` on the PATH, the desktop entry and the icon. Run it from the unpacked tarball.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" = 0 ]; then
  prefix=${PREFIX:-/opt/pixm}; bin=/usr/local/bin; share=/usr/local/share
else
  prefix=${PREFIX:-$HOME/.local/opt/pixm}; bin=$HOME/.local/bin; share=$HOME/.local/share
fi
mkdir -p "$prefix" "$bin" "$share/applications" "$share/icons/hicolor/scalable/apps"
cp -a "$here/." "$prefix/"
ln -sf "$prefix/pixm" "$bin/pixm"
ln -sf "$prefix/pixm-desktop" "$bin/pixm-desktop"
sed "s#^Exec=pixm-desktop#Exec=$prefix/pixm-desktop#" "$here/pixm-desktop.desktop" > "$share/applications/pixm-desktop.desktop"
cp "$here/pixm-desktop.svg" "$share/icons/hicolor/scalable/apps/pixm-desktop.svg"
echo "installed in $prefix; run 'pixm --smoke-test' to check it"
