#!/usr/bin/env bash
# Runs every project guard rule's own `cfn-guard test` cases with the pinned binary.
set -euo pipefail
cd "$(dirname "$0")/.."
TAPCHECK_NEED_POSTGRES=0 scripts/bootstrap.sh
guard="$(.venv/bin/python -c 'from tapcheck.tools.guard import cfn_guard_binary; print(cfn_guard_binary())')"
exec "$guard" test -d rules/
