"""R8 — a rewrite that keeps the requirement met, and a change that breaks it."""

from tapcheck.requirements.common import ALARM, CLUSTER, props


def passing_example(template: dict) -> None:
    props(template, ALARM).update(Period=60, EvaluationPeriods=5, DatapointsToAlarm=5)  # five 1-minute periods


def failing_example(template: dict) -> None:
    props(template, ALARM)["Threshold"] = 85


def _metrics_form(template: dict, account) -> None:
    body = props(template, ALARM)
    metric = {k: body.pop(k) for k in ("Namespace", "MetricName", "Dimensions")}
    body["Metrics"] = [
        {
            "Id": "cpu",
            "AccountId": account,
            "ReturnData": True,
            "MetricStat": {"Metric": metric, "Period": body.pop("Period"), "Stat": body.pop("Statistic")},
        }
    ]


def passing_example_metric_of_this_account(template: dict) -> None:
    _metrics_form(template, {"Ref": "AWS::AccountId"})


def failing_example_metric_of_another_account(template: dict) -> None:
    """A cross-account alarm: the metric it watches is another account's, not this cluster's."""
    _metrics_form(template, "111122223333")


def _default_name(template: dict, resource_type: str, prop: str) -> str:
    """The name a resource gets at the parameters' defaults, as plain text."""
    from tapcheck.model import Resolver

    return str(Resolver(template).resolve(props(template, resource_type)[prop]))


def passing_example_dimension_is_the_clusters_name(template: dict) -> None:
    """The cluster named as it names itself: the same text from the same parameter, in every deployment."""
    props(template, ALARM)["Dimensions"][0]["Value"] = props(template, CLUSTER)["DBClusterIdentifier"]


def failing_example_dimension_is_the_default_deployments_name(template: dict) -> None:
    """The cluster's name at the defaults, written out ('aurora-postgres-cluster-prod'): a stack deployed
    with another EnvironmentSuffix watches the prod cluster's CPU, not its own."""
    props(template, ALARM)["Dimensions"][0]["Value"] = _default_name(template, CLUSTER, "DBClusterIdentifier")
