"""Every requirement the gate checks, in matrix order."""

from tapcheck.requirements.base import Requirement, Violation

REQUIREMENTS: list[Requirement] = []
