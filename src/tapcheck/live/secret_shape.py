"""The credentials in a stack's secret, and what is wrong with a secret that holds none, said by its
shape alone ("is not JSON", "has no key `password`", "`password` is not a string"): no message,
report or log quotes any part of a secret's value, however malformed it is.

A manually rotated secret is often a bare password or a JSON document cut short; either way the
text is the password, and a failure quoting "the first characters" of it publishes the password in
every report format. Nothing here puts the text, a slice of it or a parser's excerpt of it into a
message: json's own error names a line and column only, and is not quoted either.
"""

from __future__ import annotations

import json
from typing import Any

KEYS = ("username", "password")
_JSON_TYPES = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


class MalformedSecret(Exception):
    """The secret holds no usable credentials; `shape` says why without quoting it."""

    def __init__(self, shape: str) -> None:
        super().__init__(shape)
        self.shape = shape


def credentials(text: Any) -> dict[str, Any]:
    """The secret's JSON object with a non-empty string username and password, else MalformedSecret."""
    if not isinstance(text, str):
        raise MalformedSecret("holds no SecretString (a binary secret, or none)")
    try:
        document = json.loads(text)
    except ValueError:
        raise MalformedSecret("is not JSON") from None
    if not isinstance(document, dict):
        raise MalformedSecret(f"is JSON but not an object ({_JSON_TYPES.get(type(document), 'another value')})")
    for key in KEYS:
        if key not in document:
            raise MalformedSecret(f"has no key `{key}`")
        if not isinstance(document[key], str):
            raise MalformedSecret(
                f"has a `{key}` that is not a string ({_JSON_TYPES.get(type(document[key]), 'another value')})"
            )
        if not document[key]:
            raise MalformedSecret(f"has an empty `{key}`")
    return document
