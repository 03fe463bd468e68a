"""Changes to moto's CloudWatch: alarms run their actions and keep a history
(resources/alarm_actions.py), and DescribeAlarmHistory, which moto lacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from tapcheck.emulator.moto_patches.recorder import Recorder
from tapcheck.emulator.resources import alarm_actions

Method = Callable[..., Any]
_HISTORY_PARAMETERS = ("AlarmName", "HistoryItemType", "StartDate", "EndDate", "ScanBy", "NextToken", "MaxRecords")


def _set_alarm_state(moto: Method) -> Method:
    def set_alarm_state(
        self: CloudWatchBackend, alarm_name: str, reason: str, reason_data: str, state_value: str
    ) -> None:
        alarm = self.alarms.get(alarm_name)
        old_state, old_reason = (alarm.state_value, alarm.state_reason) if alarm else (None, None)
        moto(self, alarm_name, reason, reason_data, state_value)
        alarm_actions.state_changed(self, self.alarms[alarm_name], old_state, old_reason, reason)

    return set_alarm_state


def describe_alarm_history(self: CloudWatchResponse) -> ActionResult:
    params = {name: self._get_param(name) for name in _HISTORY_PARAMETERS}
    return ActionResult(alarm_actions.history_page(self.cloudwatch_backend, params))


def declare(patches: Recorder) -> None:
    patches.wrap(CloudWatchBackend, "set_alarm_state", _set_alarm_state, "history, SNS actions")
    patches.add(CloudWatchResponse, "describe_alarm_history", describe_alarm_history, "DescribeAlarmHistory")
