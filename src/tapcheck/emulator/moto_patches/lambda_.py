"""Changes to moto's Lambda: a python function is invoked without Docker (resources/lambda_runner.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaFunction

from tapcheck.emulator.moto_patches.recorder import Recorder
from tapcheck.emulator.resources import lambda_runner

Method = Callable[..., Any]


def _invoke_lambda(moto: Method) -> Method:
    def invoke(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        if not str(self.run_time or "").startswith("python"):
            return moto(self, event)  # moto's Docker path: no Docker here, it fails as moto's does
        self.logs_backend.ensure_log_group(self.logs_group_name)
        return lambda_runner.run_handler(self, event)

    return invoke


def declare(patches: Recorder) -> None:
    patches.wrap(LambdaFunction, "_invoke_lambda", _invoke_lambda, "python handlers run without Docker")
