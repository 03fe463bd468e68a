"""Renderers of one or more gate reports: text, json, sarif, junit. All read the same Finding model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from tapcheck.gate import Report, Unchecked


class Renderer(Protocol):
    def __call__(self, reports: list[Report], quiet: bool = False, unchecked: Sequence[Unchecked] = ()) -> str: ...


def renderer(name: str) -> Renderer:
    from tapcheck.report import json_format, junit, sarif, text

    return {"text": text.render, "json": json_format.render, "sarif": sarif.render, "junit": junit.render}[name]


FORMATS = ("text", "json", "sarif", "junit")
