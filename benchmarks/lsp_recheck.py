#!/usr/bin/env python3
"""How much sooner an editor sees the gate's findings after a save through `tapcheck lsp` than from a
fresh `tapcheck check` process.

Starts the Language Server once (as an editor does), opens the template, then alternately: saves it
(didSave, timed until the server publishes its diagnostics) and runs `tapcheck check` on the same file
(timed as a whole process). Prints each median and the median of the per-pair ratios.

    .venv/bin/python benchmarks/lsp_recheck.py [--runs 9] [TEMPLATE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}   # as in gate_vs_cfn_lint.py


def check_process(template: Path) -> float:
    start = time.perf_counter()
    run = subprocess.run([str(BIN / "tapcheck"), "check", str(template)], cwd=ROOT, env=ENV,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if run.returncode not in (0, 1):
        sys.exit(f"tapcheck check exited {run.returncode}: {run.stderr.decode()[:300]}")
    return elapsed


async def measure(template: Path, runs: int) -> tuple[list[float], list[float], int]:
    client = LanguageClient("lsp-recheck-benchmark", "1")
    published: asyncio.Queue = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(str(BIN / "tapcheck"), "lsp", env=ENV)
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=ROOT.as_uri()))
    client.initialized(types.InitializedParams())
    uri = template.resolve().as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="json", version=1, text=template.read_text())))
    first = await asyncio.wait_for(published.get(), 120)
    server_times, process_times = [], []
    check_process(template)                                             # warm the .pyc and file caches
    for _ in range(runs):
        start = time.perf_counter()
        client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))
        await asyncio.wait_for(published.get(), 120)
        server_times.append(time.perf_counter() - start)
        process_times.append(check_process(template))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return server_times, process_times, len(first.diagnostics)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("template", nargs="?", default="lib/TapStack.json")
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    template = ROOT / args.template
    server, process, count = asyncio.run(measure(template, args.runs))
    ratios = [s / p for s, p in zip(server, process)]
    print(f"template:                    {args.template} ({args.runs} alternating pairs, {count} diagnostics)")
    print(f"tapcheck lsp, after a save:  median {statistics.median(server):.3f} s")
    print(f"tapcheck check, new process: median {statistics.median(process):.3f} s")
    print(f"ratio (lsp/check):           median {statistics.median(ratios):.2f}x "
          f"(min {min(ratios):.2f}x, max {max(ratios):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
