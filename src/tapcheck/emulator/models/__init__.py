"""CloudFormation support that stock moto lacks, added on top of moto.

Importing this module (before the first stack is created) registers resource models
for AWS::RDS::DBCluster, AWS::RDS::DBClusterParameterGroup, AWS::RDS::DBInstance in a
cluster, AWS::SecretsManager::Secret, AWS::SecretsManager::SecretTargetAttachment,
AWS::CloudWatch::Alarm, and tag-aware AWS::SNS::Topic / AWS::IAM::Role. moto's
CloudFormation looks models up among the direct subclasses of CloudFormationModel, so
each class here subclasses it directly; defined after moto's own, ours win for a type
both define. `install()` then patches moto's stack lifecycle so that:

- `{{resolve:secretsmanager:...}}` and `{{resolve:ssm:...}}` dynamic references resolve;
- every resource gets CREATE/DELETE events, a failing resource gets CREATE_FAILED with
  the reason, and a failed create rolls back to ROLLBACK_COMPLETE instead of erroring;
- DeletionPolicy Retain and Snapshot are honoured on delete;
- a DBCluster is backed by a real PostgreSQL 15 (see pgcluster.py): its instances start
  the writer (primary) and reader (hot standby), and cluster parameter group changes
  made later through the RDS API are applied to the running servers;
- RDS FailoverDBCluster promotes the standby and rebuilds the old writer (failover.py);
- CloudWatch alarms run their SNS actions and keep a history (alarm_actions.py).

moto's own validation stays on: every create goes through moto's service backends.
"""

# Importing the model modules defines the models, which is what registers them with
# moto (see base.py); the order among them does not matter, no two share a type.
from tapcheck.emulator.models.base import PG_CLUSTERS, emulator_root
from tapcheck.emulator.models.dynamic_references import resolve_dynamic_references
from tapcheck.emulator.models.kms import KmsKey
from tapcheck.emulator.models.lifecycle import dependency_order, install, shutdown
from tapcheck.emulator.models.monitoring import IamRole, LogGroup, MetricAlarm, Topic
from tapcheck.emulator.models.rds import (
    AuroraCluster,
    AuroraInstance,
    DBClusterParameterGroup,
    DBSubnetGroup,
)
from tapcheck.emulator.models.secrets import Secret, SecretTargetAttachment

__all__ = [
    "PG_CLUSTERS",
    "AuroraCluster",
    "AuroraInstance",
    "DBClusterParameterGroup",
    "DBSubnetGroup",
    "IamRole",
    "KmsKey",
    "LogGroup",
    "MetricAlarm",
    "Secret",
    "SecretTargetAttachment",
    "Topic",
    "dependency_order",
    "emulator_root",
    "install",
    "resolve_dynamic_references",
    "shutdown",
]
