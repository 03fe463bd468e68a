"""`tapcheck lsp`: the gate's findings in the editor, as a Language Server over stdio (pygls).

On open and on save of a template the server checks the document's text — what the editor holds,
saved or not — with the same gate as `tapcheck check` (cfn-lint, cfn-guard and the requirement
checks), in this process: cfn-lint and the requirement folders are loaded once, so a re-check after
a save costs the checks alone, not a start-up. Each blocking finding is an error diagnostic at the
property's line and column, its code the rule, its message naming the requirements and the fix;
non-blocking findings (waived, informational) are information. One defect is one diagnostic: a check,
the guard rule evidencing it and cfn-lint's rule on the same spot are one finding (its message names
the others). A file that is not a template, or a template the requirements do not govern
(governed.py: the project configuration's `templates`, else templates that declare an
AWS::RDS::DBCluster), gets no diagnostics; a template that cannot be read gets one, at line 1, saying why.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

from tapcheck.errors import UsageError
from tapcheck.findings import Finding

SOURCE = "tapcheck"


def diagnostics_for(path: str, text: str) -> list:
    """The diagnostics for a document's text, `path` naming it (for messages and the project config)."""
    from lsprotocol import types

    from tapcheck.gate import evaluate_loaded
    from tapcheck.governed import Governance
    from tapcheck.inputs import claims_to_be_a_template, tree_not_a_template
    from tapcheck.loader import LoadedTemplate, parse_text

    lines = text.splitlines() or [""]
    try:
        tree = parse_text(text, path)
    except UsageError as error:
        if not claims_to_be_a_template(os.path.basename(path), text):
            return []
        return [
            _diagnostic(
                types,
                lines,
                1,
                1,
                f"{error.problem} (fix: {error.fix})",
                "unusable-input",
                types.DiagnosticSeverity.Error,
            )
        ]
    if tree_not_a_template(tree):
        return []
    project = _project(path)
    if not Governance(project).governs_tree(path, tree):  # another stack: not the requirements' to judge
        return []
    try:
        report = evaluate_loaded(LoadedTemplate(path=path, text=text, tree=tree), project=project)
    except UsageError as error:  # unknown resource type, over the size limit, ...
        return [
            _diagnostic(
                types,
                lines,
                1,
                1,
                f"{error.problem} (fix: {error.fix})",
                "unusable-input",
                types.DiagnosticSeverity.Error,
            )
        ]
    return [_from_finding(types, lines, f) for f in report.findings]


def _project(path: str):
    """The project configuration of the document's repository (found from its directory)."""
    from tapcheck.project import resolve

    directory = os.path.dirname(os.path.abspath(path))
    return resolve(None, False, None, None, start=directory if os.path.isdir(directory) else None)


def _from_finding(types, lines: list[str], finding: Finding):
    requirements = ",".join(finding.requirements) or "unmapped"
    where = f" ({finding.resource})" if finding.resource else ""
    message = f"{requirements}{where}: {finding.message} Fix: {finding.fix}"
    if len(finding.sources) > 1:  # one defect, one diagnostic: the other tools' words on it go along
        message += " [also " + "; ".join(f"{e.source} {e.rule}" for e in finding.sources[1:]) + "]"
    if finding.waived_by:
        message += f" [waived: {finding.waived_by}]"
    if finding.suppressed_by:
        message += f" [suppressed by {finding.suppressed_by}: not honoured, this finding counts]"
    severity = types.DiagnosticSeverity.Error if finding.blocking else types.DiagnosticSeverity.Information
    return _diagnostic(types, lines, finding.line or 1, finding.column or 1, message, finding.rule, severity)


def _diagnostic(types, lines: list[str], line: int, column: int, message: str, code: str, severity):
    row = min(max(line, 1), len(lines)) - 1
    start = min(max(column, 1) - 1, len(lines[row]))
    return types.Diagnostic(
        range=types.Range(
            start=types.Position(line=row, character=start),
            end=types.Position(line=row, character=max(len(lines[row]), start)),
        ),
        message=message,
        severity=severity,
        code=code,
        source=SOURCE,
    )


def path_of(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def build_server():
    from lsprotocol import types
    from pygls.lsp.server import LanguageServer

    from tapcheck import __version__

    server = LanguageServer("tapcheck", __version__)

    def publish(uri: str, version: int | None) -> None:
        document = server.workspace.get_text_document(uri)
        try:
            found = diagnostics_for(path_of(uri), document.source)
        except Exception as exc:  # noqa: BLE001 - a bug of ours: one diagnostic saying so, the server stays up
            found = [
                _diagnostic(
                    types,
                    [""],
                    1,
                    1,
                    f"tapcheck internal error: {type(exc).__name__}: {exc}",
                    "internal-error",
                    types.DiagnosticSeverity.Warning,
                )
            ]
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version)
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(params: types.DidOpenTextDocumentParams) -> None:
        publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(params: types.DidSaveTextDocumentParams) -> None:
        publish(params.text_document.uri, None)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(params: types.DidCloseTextDocumentParams) -> None:
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[])
        )

    return server


def warm_up() -> None:
    """Load cfn-lint's rules and the requirement folders before the first document arrives."""
    from tapcheck.requirements.registry import registry
    from tapcheck.tools import lint

    registry()
    lint.prepare()


def serve() -> int:
    warm_up()
    build_server().start_io()
    return 0
