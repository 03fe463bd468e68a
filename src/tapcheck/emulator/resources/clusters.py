"""The emulated Aurora clusters' data planes: which PostgreSQL pair (pgcluster.PgCluster) serves
which RDS cluster. The AuroraCluster resource registers one at create and removes it at delete;
the RDS calls, failover, the Lambda runner and shutdown look them up here. State of our own,
kept beside moto's RDS backend (never on its objects)."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

from tapcheck.emulator.pgcluster import PgCluster

log = logging.getLogger("tapcheck.emulator")

# Set by the server process (server.py) to its private directory; nothing else writes there.
ROOT_ENV = "TAPCHECK_EMULATOR_ROOT"

_lock = threading.RLock()
# (account, region, cluster id in lower case) -> the cluster's servers
_CLUSTERS: dict[tuple[str, str, str], PgCluster] = {}
_fallback_root: Path | None = None


def data_root() -> Path:
    """Where new clusters' data goes: the server's private directory. Outside the server (a test
    driving the models in-process) a private directory made once for this process (0700, a
    generated name), never a fixed path under /tmp."""
    global _fallback_root
    given = os.environ.get(ROOT_ENV)
    if given:
        return Path(given)
    with _lock:
        if _fallback_root is None:
            _fallback_root = Path(tempfile.mkdtemp(prefix="tapcheck-emu-"))
        return _fallback_root


def lookup(account_id: str, region: str, cluster_id: str) -> PgCluster | None:
    return _CLUSTERS.get((account_id, region, cluster_id.lower()))


def register(account_id: str, region: str, cluster_id: str, pgc: PgCluster) -> None:
    with _lock:
        _CLUSTERS[(account_id, region, cluster_id.lower())] = pgc


def forget(account_id: str, region: str, cluster_id: str) -> PgCluster | None:
    with _lock:
        return _CLUSTERS.pop((account_id, region, cluster_id.lower()), None)


def registered() -> list[tuple[tuple[str, str, str], PgCluster]]:
    with _lock:
        return list(_CLUSTERS.items())


def shutdown() -> None:
    """Destroy every emulated cluster's PostgreSQL and data."""
    with _lock:
        clusters = list(_CLUSTERS.values())
        _CLUSTERS.clear()
    for pgc in clusters:
        try:
            pgc.destroy()
        except Exception:
            log.exception("destroying %s", pgc.name)
