"""SIGTERM and SIGHUP end a run as Ctrl-C does (tapcheck.interrupts): the exception every cleanup
already handles, exit 128 + the signal, and never in the middle of a cleanup (`deferred`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tapcheck import interrupts

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def handled():
    interrupts.handle()
    try:
        yield
    finally:
        interrupts.reset()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_is_a_keyboard_interrupt_carrying_its_exit_code(handled, sig) -> None:
    with pytest.raises(KeyboardInterrupt) as info:
        os.kill(os.getpid(), sig)
        for _ in range(1000):  # the handler runs between bytecodes
            pass
    assert isinstance(info.value, interrupts.Interrupted)
    assert info.value.exit_code == {signal.SIGTERM: 143, signal.SIGHUP: 129, signal.SIGINT: 130}[sig]


def test_a_signal_during_a_cleanup_waits_for_its_end(handled) -> None:
    done = []
    with pytest.raises(interrupts.Interrupted) as info, interrupts.deferred():
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            pass
        done.append("cleaned up")  # reached: the signal was held
    assert done == ["cleaned up"] and info.value.signum == signal.SIGTERM


def test_a_second_signal_while_unwinding_does_not_cut_the_cleanup_short(handled) -> None:
    done = []
    with pytest.raises(interrupts.Interrupted) as info:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(1000):
                pass
        finally:
            with interrupts.deferred():
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):
                    pass
                done.append("cleaned up")
    assert done == ["cleaned up"] and info.value.signum == signal.SIGTERM  # the first decides
    assert interrupts.received() == signal.SIGTERM


def test_reset_puts_back_the_handlers_it_replaced() -> None:
    before = {s: signal.getsignal(s) for s in interrupts.SIGNALS}
    interrupts.handle()
    interrupts.reset()
    assert {s: signal.getsignal(s) for s in interrupts.SIGNALS} == before


PROGRAM = textwrap.dedent("""
    import os, signal, sys, time
    from tapcheck import cli, gate
    from tapcheck.errors import EXIT_INTERRUPTED

    sig = getattr(signal, sys.argv[1])
    if sys.argv[2] == "raises":
        def evaluate_loaded(*args, **kwargs):
            os.kill(os.getpid(), sig)
            time.sleep(5)
        gate.evaluate_loaded = evaluate_loaded
    else:                      # a command that catches the interrupt itself and says 130, as deploy does
        def cmd_check(args):
            try:
                os.kill(os.getpid(), sig)
                time.sleep(5)
            except KeyboardInterrupt:
                return EXIT_INTERRUPTED
        cli.cmd_check = cmd_check
    sys.exit(cli.main(["check", "lib/TapStack.json"]))
""")


@pytest.mark.parametrize("how", ["raises", "handled"])
@pytest.mark.parametrize("sig, code", [("SIGTERM", 143), ("SIGHUP", 129), ("SIGINT", 130)])
def test_tapcheck_exits_128_plus_the_signal(sig, code, how) -> None:
    run = subprocess.run(
        [sys.executable, "-c", PROGRAM, sig, how], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert run.returncode == code, run.stderr
    assert "Traceback" not in run.stderr
    if how == "raises":
        said = {"SIGTERM": " (SIGTERM)", "SIGHUP": " (SIGHUP)", "SIGINT": ""}[sig]
        assert run.stderr.strip().splitlines()[-1] == f"tapcheck: interrupted{said}", run.stderr
