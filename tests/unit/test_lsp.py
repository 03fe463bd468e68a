"""`tapcheck lsp` end to end, with a real LSP client (pytest-lsp) driving the server over stdio:
a break is a diagnostic on the property's line naming its requirements; fixed, it is gone."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "lib" / "TapStack.json"
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(
    scope="module",
    loop_scope="module",
    config=ClientServerConfig(server_command=[sys.executable, "-m", "tapcheck.cli", "lsp"]),
)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities(), root_uri=ROOT.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


def with_retention(days: int) -> str:
    """The template's text with the cluster's BackupRetentionPeriod set to `days`, same layout."""
    text = TEMPLATE.read_text()
    line = next(row for row in text.splitlines() if '"BackupRetentionPeriod"' in row)
    return text.replace(line, line.split(":")[0] + f": {days},", 1)


async def diagnostics(client: LanguageClient, uri: str, act) -> list[types.Diagnostic]:
    """Send `act`, wait for the server's diagnostics of `uri`."""
    client.diagnostics.pop(uri, None)
    act()
    while True:
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        if uri in client.diagnostics:
            return client.diagnostics[uri]


async def test_a_break_is_a_diagnostic_on_its_line_and_fixing_it_clears_it(client: LanguageClient, tmp_path):
    path = tmp_path / "TapStack.json"
    broken = with_retention(3)
    path.write_text(broken)
    uri = path.as_uri()
    line = next(i for i, row in enumerate(broken.splitlines()) if '"BackupRetentionPeriod"' in row)

    found = await diagnostics(
        client,
        uri,
        lambda: client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="json", version=1, text=broken)
            )
        ),
    )
    on_line = [d for d in found if d.range.start.line == line]
    assert on_line, [(d.range.start.line, d.message) for d in found]
    assert any(d.message.startswith("R4,C3") and d.severity == types.DiagnosticSeverity.Error for d in on_line)
    assert all(d.source == "tapcheck" and "Fix:" in d.message for d in on_line)

    fixed = TEMPLATE.read_text()  # the editor's buffer is what is checked, then saved
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=fixed)],
        )
    )
    found = await diagnostics(
        client,
        uri,
        lambda: client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
    )
    assert [d for d in found if d.severity == types.DiagnosticSeverity.Error] == [], [d.message for d in found]


async def test_not_a_template_gets_nothing_and_a_broken_template_one_line(client: LanguageClient, tmp_path):
    settings = tmp_path / "settings.json"
    uri = settings.as_uri()
    found = await diagnostics(
        client,
        uri,
        lambda: client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="json", version=1, text=json.dumps({"editor.tabSize": 2})
                )
            )
        ),
    )
    assert list(found) == []

    broken = tmp_path / "stack.template.json"
    uri = broken.as_uri()
    found = await diagnostics(
        client,
        uri,
        lambda: client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri,
                    language_id="json",
                    version=1,
                    text='{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {',
                )
            )
        ),
    )
    assert len(found) == 1 and found[0].range.start.line == 0 and found[0].code == "unusable-input", found


async def test_one_defect_is_one_diagnostic(client: LanguageClient, tmp_path):
    """The check and the guard rule evidencing it are one finding: one diagnostic, naming the other tool."""
    path = tmp_path / "OneDefect.json"
    broken = with_retention(3)
    uri = path.as_uri()
    found = await diagnostics(
        client,
        uri,
        lambda: client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="json", version=1, text=broken)
            )
        ),
    )
    errors = [d for d in found if d.severity == types.DiagnosticSeverity.Error]
    line = next(i for i, row in enumerate(broken.splitlines()) if '"BackupRetentionPeriod"' in row)
    assert [(d.range.start.line, d.code) for d in errors] == [(line, "backup-retention")], [d.message for d in found]
    assert "cfn-guard cluster_backup_retention_7_days" in errors[0].message
