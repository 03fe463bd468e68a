"""Every function, relation, setting, statement and connection kind the probes use on the data plane
is in docs/probe-catalogue.yaml, with a page and whether Aurora gives it to the master user. The SQL
is found by walking the probe modules' string literals (f-strings included), so a new probe cannot
depend on something nobody looked up."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = yaml.safe_load((ROOT / "docs" / "probe-catalogue.yaml").read_text())
PROBE_MODULES = sorted((ROOT / "rules").glob("*/probes.py"))

# SQL keywords in capitals, as the probes write them (prose such as "with a wrong password" is not SQL)
_STATEMENT = re.compile(
    r"^\s*(SELECT|SHOW|SET TRANSACTION|SET|CREATE (?:TABLE|SCHEMA|FUNCTION|TRIGGER|ROLE)|"
    r"DROP (?:TABLE|SCHEMA)|INSERT|DELETE|UPDATE|ALTER \w+|GRANT|REVOKE|"
    r"WITH|COPY|TRUNCATE|CALL|DO|VACUUM|CHECKPOINT|LOAD|RESET)\b"
)
_KEYWORDS = {
    "in",
    "exists",
    "values",
    "and",
    "or",
    "not",
    "as",
    "int",
    "text",
    "on",
    "lateral",
    "from",
    "key",
    "primary",
    "default",
    "timestamptz",
    "select",
    "where",
    "any",
    "all",
    "cast",
    "join",
}


def sql_texts(path: Path) -> list[str]:
    """String literals of the module that are SQL statements; {...} stands for an f-string's value."""
    texts = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        else:
            continue
        if _STATEMENT.match(text) and (" " in text.strip() or text.strip().upper() in ("CHECKPOINT",)):
            texts.append(text)
    return texts


def used_items(text: str, module_text: str) -> set[tuple[str, str]]:
    items = {("statement", _STATEMENT.match(text).group(1).upper())}
    for call in re.finditer(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", text):
        name = call.group(1)
        before = text[: call.start()].rstrip().split()[-1:] or [""]
        # FROM f(...) is a set-returning function; TABLE/INTO/EXISTS x (...) a table's column list
        if name.lower() not in _KEYWORDS and before[0].upper() not in ("TABLE", "EXISTS", "INTO", "AS"):
            items.add(("function", name.lower()))
    for name in re.findall(
        r"\b(?:FROM|JOIN|INTO|TABLE|EXISTS)\s+([A-Za-z_{][A-Za-z0-9_.{}]*)(?![A-Za-z0-9_.{}]|\s*\()",
        text,
        re.IGNORECASE,
    ):
        if name.upper() not in ("LATERAL", "IF"):
            # pg_catalog.pg_roles is pg_roles: the probes name the catalog's schema to dodge look-alikes
            items.add(("relation", _placeholder(name, module_text).removeprefix("pg_catalog.")))
    for name in re.findall(r"^\s*(?:SHOW|SET)\s+(?!TRANSACTION\b)([A-Za-z_.]+)", text, re.IGNORECASE):
        items.add(("setting", name.lower()))
    return items


def _placeholder(name: str, module_text: str) -> str:
    """{PROBE_TABLE} -> the module constant's value."""
    if name == "{}":
        found = re.search(r'^PROBE_TABLE = "([a-z_]+)"', module_text, re.MULTILINE)
        return found.group(1) if found else name
    return name.lower()


def catalogued() -> set[tuple[str, str]]:
    return {(entry["kind"], entry["name"]) for entry in CATALOGUE}


def test_every_entry_has_a_page_and_a_verdict():
    for entry in CATALOGUE:
        assert set(entry) == {"kind", "name", "master", "page", "says", "aurora"}, entry
        assert entry["says"].startswith('"') or "not re-read" in entry["says"], entry
        assert entry["kind"] in ("function", "relation", "setting", "statement", "connection"), entry
        assert isinstance(entry["master"], bool), entry
        assert entry["page"].startswith(("https://docs.aws.amazon.com/", "https://www.postgresql.org/docs/15/")), entry
        assert entry["aurora"].strip(), entry


@pytest.mark.parametrize("path", PROBE_MODULES, ids=lambda p: p.parent.name)
def test_the_probes_use_only_catalogued_items_the_master_user_has(path):
    module_text = path.read_text()
    used = set().union(*(used_items(text, module_text) for text in sql_texts(path)), set())
    if "sslmode=" in module_text or "ctx.connect(" in module_text:
        used.add(("connection", "tls"))
    if 'sslmode="disable"' in module_text or "ctx.plaintext_attempt(" in module_text:
        used.add(("connection", "plaintext"))
    if "replication=" in module_text:
        used.add(("connection", "replication"))
    missing = used - catalogued()
    assert not missing, f"{path.relative_to(ROOT)} uses what docs/probe-catalogue.yaml does not list: {sorted(missing)}"
    denied = {(e["kind"], e["name"]) for e in CATALOGUE if not e["master"] and e["kind"] != "connection"}
    assert not used & denied, f"{path.relative_to(ROOT)} uses what Aurora's master user may not: {used & denied}"


def test_the_walk_finds_sql_and_would_catch_a_superuser_function(tmp_path):
    """The walker is not blind: it finds the C6 probe's SQL, and an uncatalogued superuser-only call."""
    c6 = ROOT / "rules" / "c06_two_azs" / "probes.py"
    found = set().union(*(used_items(t, c6.read_text()) for t in sql_texts(c6)))
    assert {
        ("function", "pg_is_in_recovery"),
        ("relation", "tapcheck_probe"),
        ("statement", "INSERT"),
        ("function", "aurora_replica_status"),
        ("setting", "statement_timeout"),
        ("statement", "CREATE SCHEMA"),
        ("statement", "SET TRANSACTION"),
        ("setting", "search_path"),
        ("relation", "pg_trigger"),
    } <= found
    assert ("setting", "transaction") not in found
    assert ("relation", "aurora_replica_status") not in found
    fake = tmp_path / "probes.py"
    fake.write_text(
        'def p(conn):\n    return conn.execute(f"SELECT pg_read_file({1!r}) FROM pg_stat_activity")\n'
        "def q(conn):\n    conn.execute(\"ALTER SYSTEM SET log_statement = 'none'\")\n"
    )
    found = set().union(*(used_items(t, fake.read_text()) for t in sql_texts(fake)))
    assert {("function", "pg_read_file"), ("relation", "pg_stat_activity"), ("statement", "ALTER SYSTEM")} <= found
    assert not found <= catalogued()
