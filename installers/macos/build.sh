#!/usr/bin/env bash
# Build the macOS bundle (same spec as Linux); signing and a .dmg come with the packaging work.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/setup.sh build
.venv/bin/pyinstaller --noconfirm pixm.spec
