"""The package's layers point down, and requirement folders lean on no one.

Read from the source (every import statement, those inside functions included), not from a run:
- no package imports a package of a higher layer;
- no two packages import each other, directly or through others (no cycle), nor two modules;
- a requirement folder (rules/<folder>/) imports tapcheck modules, never another folder.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tapcheck.graphs import cycles

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "tapcheck"
RULES = ROOT / "rules"

# Highest first. A unit is a subpackage or a top-level module of tapcheck. `rules` holds the
# requirement folders: plug-ins the registry discovers by name (importlib), above every layer,
# since their probes run in the live layer and their operators in the mutation engine.
LAYERS: list[set[str]] = [
    {"cli", "lsp", "rules"},
    {"live", "plan", "emulator", "mutation", "adopt"},
    {"report", "batch"},
    {"gate"},
    {"tools", "render", "waivers", "suppressions", "project", "inputs", "output", "governed"},
    {"requirements", "references", "policy_view", "service_requests", "key_lockout"},
    {"deployments"},
    {
        "model",
        "loader",
        "policies",
        "template_refs",
        "graphs",
        "language_extensions",
        "resource_schemas",
        "security_groups",
        "findings",
        "errors",
        "interrupts",
        "value_paths",
        "extras",
        "tapcheck",
    },
]
LAYER_OF = {unit: len(LAYERS) - depth for depth, units in enumerate(LAYERS) for unit in units}


def _unit(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "tapcheck":
        return None
    return parts[1] if len(parts) > 1 else "tapcheck"


def _module_name(path: Path) -> str:
    if RULES in path.parents:
        return "tapcheck.rules." + ".".join(path.relative_to(RULES).with_suffix("").parts)
    return ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, line) of every import; `from tapcheck import interrupts` names the module tapcheck.interrupts."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = [
                alias.name
                for alias in node.names
                if node.module == "tapcheck"
                and ((SOURCE / alias.name).is_dir() or (SOURCE / f"{alias.name}.py").is_file())
            ]
            found += [(f"tapcheck.{name}", node.lineno) for name in submodules] or [(node.module, node.lineno)]
    return found


def _sources() -> list[Path]:
    files = [p for p in SOURCE.rglob("*.py") if "rules" not in p.relative_to(SOURCE).parts[:1]]
    return files + [p for p in RULES.rglob("*.py") if "tests" not in p.relative_to(RULES).parts]


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> where: file:line of each import."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in _sources():
        here = _unit(_module_name(path))
        for module, line in _imports(path):
            there = _unit(module)
            if there is not None and there != here:
                edges[(here, there)].append(f"{path.relative_to(ROOT)}:{line}")
    return edges


EDGES = _edges()


def test_every_unit_has_a_layer():
    units = {u for edge in EDGES for u in edge}
    assert sorted(units - set(LAYER_OF)) == []


def test_no_import_points_to_a_higher_layer():
    upward = [
        f"{a} -> {b}: {', '.join(where)}"
        for (a, b), where in sorted(EDGES.items())
        if LAYER_OF.get(b, 0) > LAYER_OF.get(a, 0)
    ]
    assert upward == []


def _cycles(edges) -> list[list[str]]:
    """Groups of units that import each other (an edge list read as a graph)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    return cycles(graph)


def test_no_two_packages_import_each_other():
    assert _cycles(EDGES) == []


def _module_of(name: str) -> str | None:
    """The package's module a dotted name is or lies in (`tapcheck.gate.check_requirements` -> tapcheck.gate)."""
    parts = name.split(".")
    while parts:
        path = SOURCE.parent.joinpath(*parts)
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return ".".join(parts)
        parts.pop()
    return None


def _module_edges() -> dict[tuple[str, str], list[str]]:
    """(importing module, imported module) -> where; `from a.b import c` imports a.b.c when c is a module."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in SOURCE.rglob("*.py"):
        here = _module_name(path).removesuffix(".__init__")
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            for name in names:
                there = _module_of(name) if name.startswith("tapcheck.") else None
                if there is not None and there != here:
                    edges[(here, there)].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return edges


def test_no_two_modules_import_each_other():
    """Not even lazily: a module that needs one of its importer's parts means a part to move down
    (the cfn-guard package's pins, read by both locate and provision: tools/guard/pinned.py)."""
    edges = _module_edges()
    assert ("tapcheck.tools.guard.provision", "tapcheck.tools.guard.pinned") in edges  # the reader sees imports
    assert _cycles(edges) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}) == [["a", "b", "c"]]


@pytest.mark.parametrize("folder", sorted(p.name for p in RULES.iterdir() if (p / "requirement.toml").is_file()))
def test_a_requirement_folder_imports_no_other_folder(folder):
    leaning = []
    for path in (RULES / folder).glob("*.py"):
        for module, line in _imports(path):
            parts = module.split(".")
            if parts[:2] == ["tapcheck", "rules"] and len(parts) > 2 and parts[2] != folder:
                leaning.append(f"rules/{folder}/{path.name}:{line} imports {module}")
    assert leaning == []
