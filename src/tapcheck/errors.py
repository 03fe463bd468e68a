"""Errors that end a run with exit code 2 and one clear line: file, problem, fix."""

from __future__ import annotations


class UsageError(Exception):
    """Unusable input or a missing tool. Rendered as `tapcheck: FILE: PROBLEM (fix: FIX)`."""

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


EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2
