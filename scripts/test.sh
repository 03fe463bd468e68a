#!/usr/bin/env bash
# Quick start 2: run the whole test suite, installing what is missing: the unit suite (requirements,
# guard rule tests, property tests, CLI, LSP, workflow) on every core with pytest-xdist, then the
# integration suite on the local emulator, serially (one emulator and one session stack; its probes
# have time bounds that a loaded machine would stretch). Arguments go to both pytest runs.
# Exit status: the first part's failure, else the second's (pytest's 5, "no tests", included).
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit $?
status=0
for part in tests/unit tests/integration; do
  echo "== pytest $part" >&2
  .venv/bin/python -m pytest "$part" "$@"
  rc=$?
  if [ "$status" -eq 0 ] && [ "$rc" -ne 0 ]; then status=$rc; fi
done
exit "$status"
