#!/usr/bin/env bash
# Quick start 2: run the whole test suite (unit, guard rule tests, property tests,
# integration on the local emulator), installing what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python -m pytest tests "$@"
