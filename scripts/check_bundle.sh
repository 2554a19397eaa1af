#!/usr/bin/env bash
# Build the Linux bundle (scripts/build.sh, which runs `pixm --smoke-test` frozen) and check it as a DIT
# would use it: the window's self-check, a frozen offload of a generated card judged by the ASC reference
# tool, and the bundle's size and cold-start times. Needs the test extras (ascmhl-debug) in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
version=$(.venv/bin/python -c "import pixm_desktop; print(pixm_desktop.__version__)")
bundle="$PWD/dist/pixm-${version}"
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
"$bundle/pixm-desktop" --smoke-test

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bundle/pixm" sample-card --camera red --clips 2 --junk "$work/cards" >/dev/null
card=$(find "$work/cards" -mindepth 1 -maxdepth 1 -type d | head -1)
mkdir -p "$work/RAID" "$work/SHUTTLE"
"$bundle/pixm" offload "$card" --dest "$work/RAID" --dest "$work/SHUTTLE" --template "{card}" \
  --catalog "$work/catalog.sqlite" --quiet --no-report
for dest in RAID SHUTTLE; do
  .venv/bin/ascmhl-debug verify -dh "$work/$dest/$(basename "$card")"
done
echo "frozen offload verified by ascmhl-debug on both destinations"

# What the executables carry (PyInstaller's own archive listing): no test or build tool frozen in (pixm.spec's
# NEVER_FROZEN), and `pixm` without Qt, whose runtime hook would import QtCore at every start of the console tool.
never='pyi_rth_pkgres|(pytest|_pytest|hypothesis|pkg_resources|setuptools)(\..*)?'
for exe in pixm pixm-desktop; do
  forbidden=$never
  [ "$exe" = pixm ] && forbidden="$never|pyi_rth_pyside6|(PySide6|shiboken6)(\..*)?"
  listing=$(.venv/bin/pyi-archive_viewer -r -b "$bundle/$exe")
  if grep -E -x " *($forbidden)" <<<"$listing"; then
    echo "the frozen $exe carries what it must not (listed above): see NEVER_FROZEN and QT_ONLY in pixm.spec" >&2
    exit 1
  fi
  echo "frozen $exe: $(grep -c . <<<"$listing") archive entries, no test tools$([ "$exe" = pixm ] && echo ", no Qt")"
done

echo "bundle: $(du -sh "$bundle" | cut -f1), tarball: $(du -sh dist/pixm-"${version}"-linux-*.tar.gz | cut -f1)"
TIMEFORMAT="frozen 'pixm --help': %R s"
time "$bundle/pixm" --help >/dev/null
