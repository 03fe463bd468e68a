"""`.tapcheck-allow.yaml`: the blocking changes a repository accepts on purpose, each with its reason.

One mechanism for the three places a plan runs: `tapcheck plan` by hand, the `tapcheck-plan` pre-commit
hook and the workflow's plan job all read the file from the repository (the nearest one at or above the
working directory, up to the directory holding `.git`). It is committed with the edit it allows, so the
pull request shows it to reviewers; remove an entry once its change is deployed (a later plan notes an
entry whose resource no longer has a blocking change).

    allow:
      - resource: AuroraCluster              # the logical id whose blocking change is intended
        template: templates/db.json          # optional: paths or globs relative to this file (default: any)
        reason: rename the database; the data is exported first (CHG-1234)

A plan prints `allowed by .tapcheck-allow.yaml: AuroraCluster (reason)` beside the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tapcheck.errors import UsageError

FILE_NAME = ".tapcheck-allow.yaml"
_KEYS = {"resource", "template", "reason"}
_EXAMPLE = "allow: [{resource: AuroraCluster, template: templates/db.json, reason: why this change is intended}]"


@dataclass(frozen=True)
class Entry:
    resource: str
    reason: str
    templates: tuple[str, ...] | None  # globs relative to the file's directory; None: any template
    file: Path

    def source(self) -> str:
        return f"{self.file.name}: {self.resource} ({self.reason})"

    def applies_to(self, path: str) -> bool:
        if self.templates is None:
            return True
        from tapcheck.governed import _glob_regex, _relative

        relative = _relative(path, self.file.parent)
        return relative is not None and any(_glob_regex(g).fullmatch(relative) for g in self.templates)


def find(start: Path | None = None) -> Path | None:
    directory = (start or Path.cwd()).resolve()
    while True:
        candidate = directory / FILE_NAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists() or directory.parent == directory:
            return None
        directory = directory.parent


def load(path: Path) -> list[Entry]:
    import yaml

    label = str(path)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(label, f"cannot be read: {exc.strerror or exc}", "check the file's permissions") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UsageError(label, f"is not valid YAML: {' '.join(str(exc).split())}", "fix the YAML syntax") from None
    if document is None:
        return []
    if not isinstance(document, dict) or set(document) - {"allow"} or not isinstance(document.get("allow", []), list):
        raise UsageError(label, "is not a mapping with one key, `allow`, holding a list", f"write {_EXAMPLE}")
    entries = []
    for number, item in enumerate(document.get("allow") or [], start=1):
        where = f"{label}: allow entry {number}"
        if not isinstance(item, dict):
            raise UsageError(where, "is not a mapping", f"write {_EXAMPLE}")
        unknown = sorted(set(map(str, item)) - _KEYS)
        if unknown:
            raise UsageError(where, f"has unknown keys {unknown}", "use resource, template and reason")
        resource, reason = item.get("resource"), item.get("reason")
        if not isinstance(resource, str) or not resource.strip():
            raise UsageError(where, "names no resource", "give the logical id: resource: AuroraCluster")
        if not isinstance(reason, str) or not reason.strip():
            raise UsageError(
                where, f"allows {resource.strip()} without a reason", "say why the change is intended: reason: ..."
            )
        templates = item.get("template")
        if isinstance(templates, str):
            templates = [templates]
        if templates is not None and (
            not isinstance(templates, list) or not all(isinstance(t, str) and t.strip() for t in templates)
        ):
            raise UsageError(where, "`template` is not a path or a list of paths", "template: templates/db.json")
        entries.append(
            Entry(
                resource.strip(),
                " ".join(reason.split()),
                tuple(t.strip() for t in templates) if templates is not None else None,
                path,
            )
        )
    return entries
