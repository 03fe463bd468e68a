#!/usr/bin/env bash
# Quick start 1: run the compliance gate (default: lib/TapStack.json), installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
TAPCHECK_NEED_POSTGRES=0 scripts/bootstrap.sh
exec .venv/bin/tapcheck check "$@"
