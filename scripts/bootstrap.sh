#!/usr/bin/env bash
# Installs what the gate and the test suite need, skipping what is already there:
#   .venv/ with tapcheck and its pinned dependencies, cfn-guard and the Control Tower rules
#   under .tools/ (from PyPI: no npm needed), and PostgreSQL 15 server binaries.
# Safe to run repeatedly; a second run takes well under a second.
set -euo pipefail
cd "$(dirname "$0")/.."

CFN_GUARD_PACKAGE_VERSION="0.0.62"   # ships cfn-guard 3.1.1 and the Control Tower rules
want_pg="${TAPCHECK_NEED_POSTGRES:-1}"

log() { echo "bootstrap: $*" >&2; }

# 1. Python virtual environment, reinstalled when pyproject.toml changes.
stamp=".venv/.tapcheck-installed"
fingerprint="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$fingerprint" ]; then
  log "installing Python packages into .venv/"
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  echo "$fingerprint" > "$stamp"
fi

# 2. cfn-guard and the Control Tower guard rules: the PyPI wheel cdklabs-cdk-validator-cfnguard
#    carries the npm tarball of @cdklabs/cdk-validator-cfnguard; `tapcheck install-tools` checks it
#    against its pinned SHA-256 and unpacks it atomically. The wheel stays in .tools/wheels/: the
#    tests provision a scratch cache from it offline.
tools=".tools/cdk-validator-cfnguard-$CFN_GUARD_PACKAGE_VERSION"
wheel=".tools/wheels/cdklabs_cdk_validator_cfnguard-$CFN_GUARD_PACKAGE_VERSION-py3-none-any.whl"
if [ ! -d "$tools/package/bin" ] || [ ! -f "$wheel" ]; then
  .venv/bin/tapcheck install-tools --into .tools --keep-wheel >/dev/null
fi

# 2b. A wheelhouse of every extra's pinned packages (and the build backend), so that the tests can
#     install each extra into a clean virtual environment offline (tests/unit/test_extras.py) and
#     pre-commit can build the hooks' environment offline (tests/unit/test_adoption.py).
#     Refilled when pyproject.toml changes; about 56 MB, 11 s.
wheelhouse=".tools/wheelhouse"
if [ "$(cat "$wheelhouse/.pyproject-sha256" 2>/dev/null)" != "$fingerprint" ]; then
  log "downloading the extras' wheels into $wheelhouse/"
  rm -rf "$wheelhouse" && mkdir -p "$wheelhouse"
  .venv/bin/python -m pip download --quiet --disable-pip-version-check -d "$wheelhouse" \
    ".[aws,emulator,lsp]" "setuptools==80.9.0"
  echo "$fingerprint" > "$wheelhouse/.pyproject-sha256"
fi

# 3. PostgreSQL 15 server binaries, for the local emulator's data plane: the distribution's package
#    where it ships one (Debian 12), else PGDG's apt repository (Debian 13, Ubuntu 24.04):
#    scripts/install-postgres15.sh. TAPCHECK_PG_BIN names a directory that already holds them.
pg_bin="${TAPCHECK_PG_BIN:-/usr/lib/postgresql/15/bin}"
if [ "$want_pg" = "1" ] && [ ! -x "$pg_bin/initdb" ]; then
  if [ "$(id -u)" = "0" ]; then
    scripts/install-postgres15.sh
  else
    log "PostgreSQL 15 is missing from $pg_bin: sudo scripts/install-postgres15.sh (or set TAPCHECK_PG_BIN)"
    exit 2
  fi
fi

# 3b. iproute2 (`ip netns`), for the emulator's network boundary (tests/integration/test_runner.py).
if [ "$want_pg" = "1" ] && ! command -v ip >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  log "installing iproute2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null; }
fi

# 4. shellcheck, so that actionlint (tests/unit/test_ci_workflow.py) also checks the workflow's `run:` scripts.
#    Optional: without it actionlint checks the workflow alone.
if [ "$want_pg" = "1" ] && ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  log "installing shellcheck"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; } \
    || log "could not install shellcheck: actionlint will check the workflow without it"
fi
