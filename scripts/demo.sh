#!/usr/bin/env bash
# Quick start, command 1: set up, generate a sample camera card, offload it to two destinations under ./demo,
# verify every copy from the media, write ASC MHL, update the catalog (./demo/catalog.sqlite), print a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/pixm demo demo "$@"
