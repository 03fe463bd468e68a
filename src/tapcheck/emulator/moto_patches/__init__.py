"""Every change the emulator makes to moto, in one recorded list (recorder.py), one module per
moto service. `install()` applies the list in order, or refuses by name a change moto's code no
longer allows; `undo()` gives moto back. `listing()` is what a moto upgrade is reviewed against
(tests/unit/test_emulator_moto_patches.py holds it)."""

from __future__ import annotations

from tapcheck.emulator.moto_patches import cloudformation, cloudwatch, kms, lambda_, rds
from tapcheck.emulator.moto_patches.recorder import PatchError, Recorder

# In install order: the template reader and model table first, the services after.
SERVICES = (cloudformation, rds, cloudwatch, kms, lambda_)


def declared() -> Recorder:
    """A recorder holding every change of SERVICES, not installed."""
    patches = Recorder()
    for service in SERVICES:
        service.declare(patches)
    return patches


# The one list the emulator installs.
MOTO = declared()


def install() -> None:
    MOTO.install()


def undo() -> None:
    MOTO.undo()


def listing() -> list[tuple[str, str, str]]:
    return MOTO.listing()


__all__ = ["MOTO", "SERVICES", "PatchError", "Recorder", "declared", "install", "listing", "undo"]
