"""Emulated AWS resources: the CloudFormation models the emulator adds to moto, and the state and
behaviour they own (the clusters' data planes, alarm actions and history, the RDS calls' effects
on the running servers, the Lambda runner).

moto's CloudFormation has no model for AWS::RDS::DBCluster, SecretsManager::Secret,
SecretTargetAttachment or CloudWatch::Alarm, and gets others wrong for this template; MODELS are
the emulator's, and its model table (moto_patches/cloudformation.py) lists them in place of moto's
for the types both define. moto's own validation stays on: every create goes through moto's
service backends.
"""

from tapcheck.emulator.resources.kms import KmsKey
from tapcheck.emulator.resources.monitoring import IamRole, LogGroup, MetricAlarm, Topic
from tapcheck.emulator.resources.rds import AuroraCluster, AuroraInstance, DBClusterParameterGroup, DBSubnetGroup
from tapcheck.emulator.resources.secrets import Secret, SecretTargetAttachment

MODELS = (
    AuroraCluster,
    AuroraInstance,
    DBClusterParameterGroup,
    DBSubnetGroup,
    IamRole,
    KmsKey,
    LogGroup,
    MetricAlarm,
    Secret,
    SecretTargetAttachment,
    Topic,
)

__all__ = [
    "MODELS",
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
]
