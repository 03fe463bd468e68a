"""Errors that end a run with one clear line (file, problem, fix), and the exit codes every
subcommand shares.

| code | meaning                                                                        |
|------|--------------------------------------------------------------------------------|
| 0    | compliant / every probe passed                                                 |
| 1    | findings: some requirement fails / a probe failed                              |
| 2    | unusable input (a template, an option, a config or waivers file)               |
| 3    | a tool tapcheck needs is missing and could not be provisioned (cfn-guard, ...) |
| 4    | internal error: a bug of tapcheck (TAPCHECK_DEBUG=1 shows the traceback)       |
| 130  | interrupted (Ctrl-C, SIGINT)                                                   |
| 143  | terminated (SIGTERM: a cancelled CI job, `timeout`, a pod shutdown)            |
| 129  | hung up (SIGHUP: the terminal closed)                                          |

A run ended by a signal first removes what it made and puts back what it changed (tapcheck.interrupts).

A batch exits with the worst code of its templates, in the order 130 > 143 > 129 > 4 > 3 > 2 > 1 > 0.
"""

from __future__ import annotations


class UsageError(Exception):
    """Unusable input. Rendered as `tapcheck: FILE: PROBLEM (fix: FIX)`."""

    exit_code = 2

    def __init__(self, subject: str, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.subject = subject
        self.problem = problem
        self.fix = fix

    def line(self) -> str:
        text = f"tapcheck: {self.subject}: {self.problem}" if self.subject else f"tapcheck: {self.problem}"
        return f"{text} (fix: {self.fix})" if self.fix else text


class MissingTool(UsageError):
    """A tool tapcheck needs (cfn-guard, npm, PostgreSQL) is not installed or not usable."""

    exit_code = 3


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2
EXIT_MISSING_TOOL = 3
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM
EXIT_HUNG_UP = 129  # 128 + SIGHUP

_SEVERITY = (
    EXIT_OK,
    EXIT_FINDINGS,
    EXIT_UNUSABLE,
    EXIT_MISSING_TOOL,
    EXIT_INTERNAL,
    EXIT_HUNG_UP,
    EXIT_TERMINATED,
    EXIT_INTERRUPTED,
)


def worst(*codes: int) -> int:
    """The exit code of a batch: the worst of its parts (an unknown code counts as internal)."""
    return max(
        codes, key=lambda c: _SEVERITY.index(c) if c in _SEVERITY else _SEVERITY.index(EXIT_INTERNAL), default=EXIT_OK
    )


ENV_DEBUG = "TAPCHECK_DEBUG"  # set: an internal error shows its traceback


def internal_error_line(exc: BaseException, subject: str = "") -> str:
    """The one line for a bug of tapcheck's (exit 4)."""
    where = f"{subject}: " if subject else ""
    return (
        f"tapcheck: {where}internal error: {type(exc).__name__}: {' '.join(str(exc).split())[:300]} "
        f"(fix: rerun with {ENV_DEBUG}=1 and report the traceback)"
    )


EXIT_CODES_HELP = (
    "Exit codes: 0 compliant (all probes passed), 1 findings (a probe failed), 2 unusable input, "
    "3 a missing tool, 4 internal error, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM), 129 hung up "
    "(SIGHUP); a batch exits with the worst."
)
