"""The live probes: every requirement folder's @probe functions (rules/<folder>/probes.py), each
folder's followed by the drift probes of the checks it defines (generated from the drift table,
tapcheck.live.drift). The requirements core discovers the folders; the live layer collects what it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from tapcheck.requirements.registry import RegistryError, folders, marked, registry, requirement_order
from tapcheck.requirements.unit import PROBE_MARK, ProbeMark


@dataclass(frozen=True)
class Probe:
    function: Callable
    mark: ProbeMark
    folder: str
    requirements: tuple[str, ...]  # every requirement mapped to the probe's checks, in the spec's order

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def title(self) -> str:
        return self.mark.title

    @property
    def plane(self) -> str:
        return self.mark.plane

    @property
    def checks(self) -> tuple[str, ...]:
        return self.mark.checks

    @property
    def id(self) -> str:
        return f"{'+'.join(self.requirements)}-{self.name}"


def _probe(function: Callable, mark: ProbeMark, folder: str) -> Probe:
    reg = registry()
    ids = {r for c in mark.checks for r in reg.requirements_of(c)}
    return Probe(function, mark, folder, tuple(sorted(ids, key=requirement_order)))


@lru_cache(maxsize=1)
def probes() -> tuple[Probe, ...]:
    from tapcheck.live.drift.probe import drift_probes

    known = registry().checks
    drift = drift_probes()
    found: list[Probe] = []
    for folder in folders():
        for function, mark in marked(folder, "probes", PROBE_MARK):
            for check_id in mark.checks:
                if check_id not in known:
                    raise RegistryError(
                        f"rules/{folder.name}/probes.py: probe {function.__name__} proves unknown check {check_id!r}"
                    )
            found.append(_probe(function, mark, folder.name))
        found += [_probe(function, mark, owner) for function, mark, owner in drift if owner == folder.name]
    return tuple(found)
