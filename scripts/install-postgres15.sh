#!/usr/bin/env bash
# PostgreSQL 15 server binaries for the local emulator (as root), on Debian 12, Debian 13 and Ubuntu 24.04.
#
# A Debian or Ubuntu release ships one PostgreSQL major version (Debian 12: 15; Debian 13: 17; Ubuntu
# 24.04: 16); the others come from the PostgreSQL Global Development Group's apt repository (PGDG,
# apt.postgresql.org). So: when apt has a candidate for postgresql-15, it is installed from the
# distribution; when it has none, PGDG's repository is added first with the script Debian's and Ubuntu's
# postgresql-common package ships for that (/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh:
# it writes /etc/apt/sources.list.d/pgdg.sources and the repository's signing key), then postgresql-15
# is installed from it. Binaries land in /usr/lib/postgresql/15/bin either way (TAPCHECK_PG_BIN points
# the emulator elsewhere).
#
# PGDG_SCRIPT overrides the path of that script (tests stub it).
set -euo pipefail
PGDG_SCRIPT="${PGDG_SCRIPT:-/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh}"
export DEBIAN_FRONTEND=noninteractive
log() { echo "install-postgres15: $*" >&2; }

candidate() {   # apt's candidate version of postgresql-15, empty when there is none
  apt-cache policy postgresql-15 2>/dev/null | sed -n 's/^ *Candidate: *//p' | grep -v '^(none)$' || true
}

apt-get update -qq
if [ -z "$(candidate)" ]; then
  release="$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-this distribution}")" || release="this distribution"
  log "postgresql-15 is not in ${release}'s repositories: adding PGDG's apt repository (apt.postgresql.org)"
  apt-get install -y -qq postgresql-common >/dev/null
  "$PGDG_SCRIPT" -y >/dev/null
  apt-get update -qq
  if [ -z "$(candidate)" ]; then
    log "postgresql-15 is still not available after adding PGDG's repository (fix: check that apt can reach apt.postgresql.org)"
    exit 3
  fi
fi
log "installing postgresql-15 $(candidate)"
apt-get install -y -qq postgresql-15 >/dev/null
