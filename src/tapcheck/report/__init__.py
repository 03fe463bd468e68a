"""Renderers of one or more gate reports: text, json, sarif, junit. All read the same Finding model."""

from __future__ import annotations

from collections.abc import Callable

from tapcheck.gate import Report


def renderer(name: str) -> Callable[[list[Report]], str]:
    from tapcheck.report import json_format, junit, sarif, text

    return {"text": text.render, "json": json_format.render, "sarif": sarif.render, "junit": junit.render}[name]


FORMATS = ("text", "json", "sarif", "junit")
