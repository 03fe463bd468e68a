"""What each change risks for the running stack.

Blocking (the plan fails unless the change is allowed with --allow):
- data-loss: a DB cluster, a standalone DB instance or a secret is deleted with its data;
- update-fails: CloudFormation refuses the update half-way;
- credentials-diverge: the secret regenerates while a resource keeps the old credentials.
Reported, not blocking:
- interruption: the database is unavailable for a while;
- pending-reboot: a static database parameter waits for a reboot CloudFormation never does.
"""

from __future__ import annotations

from typing import Any

from tapcheck.model import Model, Resource, ResourceRef, Text
from tapcheck.plan import schema as schemas
from tapcheck.plan.diff import Change, update_replace_policy
from tapcheck.plan.parameter_groups import pending_reboot
from tapcheck.plan.values import MISSING, canonical, contains_unknown, flat_text

BLOCKING = ("data-loss", "update-fails", "credentials-diverge")
ORDER = ("data-loss", "update-fails", "credentials-diverge", "interruption", "pending-reboot")

DELETION_POLICY = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html"
CUSTOM_NAME_KC = "https://repost.aws/knowledge-center/cloudformation-custom-name"
DYNAMIC_REFERENCES = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html"
)
REGENERATES = "https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2210"
RDS_TYPES = ("AWS::RDS::DBCluster", "AWS::RDS::DBInstance")
UPDATE_REPLACE_POLICY = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatereplacepolicy.html"
)
AURORA_DELETE = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html"
STACK_STATUS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html"


def assess(changes: list[Change], old: Model, new: Model) -> None:
    by_id = {c.resource: c for c in changes}
    for change in changes:
        if change.action == "replace":
            _replaced(change)
        elif change.action == "remove":
            _removed(change)
        elif change.replacement == "conditional":
            _maybe_replaced(change)
        _interruptions(change)
        pending_reboot(change, new)
    _name_collisions(changes)
    _diverging_credentials(changes, by_id, new)
    for change in changes:
        change.risks.sort(key=lambda r: (ORDER.index(r.name), not r.certain))


# --- data-loss and what the policies do instead ----------------------------------------------


def _holds_data(resource: Resource) -> bool:
    if resource.type in ("AWS::RDS::DBCluster", "AWS::SecretsManager::Secret"):
        return True
    # An Aurora instance holds no data of its own: "You can also delete DB instances from a cluster
    # while preserving the cluster itself and the data that it contains" (AURORA_DELETE).
    return resource.type == "AWS::RDS::DBInstance" and resource.properties.get("DBClusterIdentifier") is None


def _what_policy_does(policy: str, resource_type: str, when: str) -> str:
    if policy == "Snapshot":
        return f"{when}, CloudFormation takes a final snapshot, then deletes it: the data survives only in the snapshot"
    if policy in ("Retain", "RetainExceptOnCreate"):
        return (
            f"{when}, CloudFormation keeps it outside the stack ({policy}): still running and billed, "
            "its custom name still taken"
        )
    return f"{when}, policy {policy}"


def _replaced(change: Change) -> None:
    if change.old is None or change.new is None:
        return
    if change.old.type != change.new.type:
        # "Update of resource type is not permitted. The new template modifies resource type of the
        # following resources: [...]" -- the change set fails. AWS docs are silent; the error text
        # is quoted in https://github.com/aws/aws-sam-cli/issues/6786
        change.add_risk(
            "update-fails",
            f"the type changes from {change.old.type} to {change.new.type}: "
            'CloudFormation refuses ("Update of resource type is not permitted")',
            source="https://github.com/aws/aws-sam-cli/issues/6786",
        )
        return
    _same_name_replacement(change, certain=True)
    if not _holds_data(change.old):
        if change.type == "AWS::RDS::DBInstance":
            change.add_risk(
                "interruption",
                "the instance is replaced: its endpoint changes and its connections drop; "
                "the data is in the cluster volume and stays",
                source=AURORA_DELETE,
            )
        return
    policies = {update_replace_policy(change.old), update_replace_policy(change.new)}
    explicit = "UpdateReplacePolicy" in change.new.raw
    # Which version's UpdateReplacePolicy CloudFormation applies when both change at once is not
    # documented, so Delete in either counts.
    if "Delete" in policies:
        change.add_risk(
            "data-loss",
            "it is replaced by a new, empty one, and UpdateReplacePolicy Delete"
            f"{'' if explicit else ' (the default)'} deletes the old one with its data",
            source=UPDATE_REPLACE_POLICY,
        )
    else:
        policy = update_replace_policy(change.new)
        change.notes.append(_what_policy_does(policy, change.type, "the old one is replaced: instead of deleting it"))
    if change.type in RDS_TYPES:
        change.add_risk(
            "interruption", "the replacement is a new, empty database at a new endpoint", source=UPDATE_REPLACE_POLICY
        )


def _maybe_replaced(change: Change) -> None:
    if change.old is None or change.new is None:
        return
    _same_name_replacement(change, certain=False)
    if _holds_data(change.old) and "Delete" in {update_replace_policy(change.old), update_replace_policy(change.new)}:
        change.add_risk(
            "data-loss",
            "if CloudFormation cannot make the change in place it replaces the resource, "
            "and UpdateReplacePolicy Delete deletes the old one with its data",
            certain=False,
            source=UPDATE_REPLACE_POLICY,
        )


def _removed(change: Change) -> None:
    resource = change.old
    if resource is None:
        return
    # The resolved DeletionPolicy carries AWS's default: Snapshot for a DB cluster and a DB
    # instance outside a cluster, Delete otherwise; and "The default behavior of CloudFormation is
    # to delete the secret with the ForceDeleteWithoutRecovery flag" (DELETION_POLICY).
    policy = str(resource.deletion_policy)
    if _holds_data(resource):
        if policy == "Delete":
            change.add_risk(
                "data-loss",
                f"removing it deletes it and its data (DeletionPolicy Delete{_default(resource)})",
                source=DELETION_POLICY,
            )
        else:
            change.notes.append(_what_policy_does(policy, resource.type, "when removed"))
    if resource.type in RDS_TYPES:
        change.add_risk("interruption", "the database (or instance) goes away with the update", source=DELETION_POLICY)


def _default(resource: Resource) -> str:
    return "" if "DeletionPolicy" in resource.raw else ", the default"


# --- update-fails ----------------------------------------------------------------------------


def _name(resource: Resource) -> tuple[str | None, Any]:
    prop = schemas.name_property(resource.type)
    if prop is None:
        return None, MISSING
    return prop, resource.properties.get(prop, MISSING)


def _same_name(resource_type: str, left: Any, right: Any) -> bool:
    """Both set and known to be equal (a name only known at deploy time is not claimed equal)."""
    if left is MISSING or right is MISSING or contains_unknown(left) or contains_unknown(right):
        return False
    if resource_type.startswith("AWS::RDS::"):
        # RDS identifiers are "stored as a lowercase string" (DBClusterIdentifier on
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbcluster.html)
        return flat_text(left).lower() == flat_text(right).lower()
    return canonical(left, {}, {}) == canonical(right, {}, {})


def _same_name_replacement(change: Change, certain: bool) -> None:
    if change.old is None or change.new is None:  # a modify or replace has both
        return
    prop, before = _name(change.old)
    _, after = _name(change.new)
    if prop is None or not _same_name(change.type, before, after):
        return
    # "CloudFormation cannot update a stack when a custom-named resource requires replacing.
    # Rename 'X' and update the stack again." (CUSTOM_NAME_KC); "You can't perform an update that
    # causes a custom-named resource to be replaced" (https://docs.aws.amazon.com/AWSCloudFormation/
    # latest/TemplateReference/aws-properties-name.html)
    detail = (
        f"it needs replacement but its custom name {prop}={flat_text(after)} stays the same: CloudFormation "
        f'refuses ("cannot update a stack when a custom-named resource requires replacing"); change {prop} too '
        "or remove it"
    )
    change.add_risk("update-fails", detail if certain else "if replaced: " + detail, certain, source=CUSTOM_NAME_KC)


def _name_collisions(changes: list[Change]) -> None:
    # A new logical id with the custom name of a removed one: CloudFormation "creates the new
    # resources first and then deletes the old resources" (UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-describing-stacks.html),
    # so the create fails because the name is taken.
    removed = [(c, c.old) for c in changes if c.action == "remove" and c.old is not None]
    for change in changes:
        if change.action != "add" or change.new is None:
            continue
        prop, name = _name(change.new)
        for gone, gone_old in removed:
            if gone.type == change.type and prop is not None and _same_name(change.type, _name(gone_old)[1], name):
                change.add_risk(
                    "update-fails",
                    f"it is created with {prop}={flat_text(name)} while {gone.resource} "
                    "still holds that name (old resources are deleted only after new "
                    "ones are created): the create fails",
                    source=STACK_STATUS,
                )


# --- credentials-diverge ---------------------------------------------------------------------


def _diverging_credentials(changes: list[Change], by_id: dict[str, Change], new: Model) -> None:
    for change in changes:
        if change.type != "AWS::SecretsManager::Secret" or change.action != "modify":
            continue
        changed = {p.name for p in change.properties}
        if not changed & {"GenerateSecretString", "SecretString"}:
            continue
        template_changed = bool(changed & {"SecretString"}) or _template_changed(change)
        stale = []
        for consumer, prop, key in secret_readers(new, change.resource, change.new):
            reader = by_id.get(consumer)
            if reader is not None and reader.action == "replace":
                continue  # a new resource resolves the reference afresh
            user_key = key is not None and "user" in key.lower()
            if user_key and not template_changed:
                continue  # the user name is generated from the template, which is unchanged
            if reader is not None and not (user_key and new.resources[consumer].type in RDS_TYPES):
                # "you must perform a stack update that updates the resource containing the dynamic
                # reference, either by updating the resource property that contains the
                # secretsmanager dynamic reference, or updating another of the resource's properties"
                continue
            # The master user name cannot change in place: ModifyDBCluster has no MasterUsername
            # (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html).
            stale.append(f"{consumer}.{prop}")
        if stale:
            change.add_risk(
                "credentials-diverge",
                f"{', '.join(sorted(set(changed) & {'GenerateSecretString', 'SecretString'}))} changes, so the secret "
                f"value is regenerated, but the dynamic reference in {', '.join(stale)} keeps its text, so "
                "CloudFormation does not resolve it again: the database keeps the old credentials while the secret "
                "holds new ones",
                source=f"{DYNAMIC_REFERENCES} {REGENERATES}",
            )


def _template_changed(change: Change) -> bool:
    before = (change.old.properties.get("GenerateSecretString") or {}) if change.old else {}
    after = (change.new.properties.get("GenerateSecretString") or {}) if change.new else {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return True
    return canonical(before.get("SecretStringTemplate", MISSING), {}, {}) != canonical(
        after.get("SecretStringTemplate", MISSING), {}, {}
    )


_PREFIX = "{{resolve:secretsmanager:"


def secret_readers(model: Model, secret_id: str, secret: Resource | None) -> list[tuple[str, str, str | None]]:
    """(logical id, property, json key) of every secretsmanager dynamic reference to the secret,
    by Ref or by its Name."""
    name = secret.properties.get("Name") if secret is not None else None
    wanted = {"${" + secret_id + "}"}
    if name is not None:
        wanted.add(flat_text(name))
    found = []
    for logical_id, resource in model.resources.items():
        if logical_id == secret_id:
            continue
        for prop, value in resource.properties.items():
            for reference in _dynamic_references(value):
                target, key = _split_reference(reference)
                if target in wanted:
                    found.append((logical_id, prop, key))
    return found


def _dynamic_references(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [r for v in value.values() for r in _dynamic_references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _dynamic_references(v)]
    if isinstance(value, (str, Text, ResourceRef)):
        text = flat_text(value)
        found, start = [], text.find(_PREFIX)
        while start >= 0:
            end = text.find("}}", start)
            if end < 0:
                break
            found.append(text[start + len(_PREFIX) : end])
            start = text.find(_PREFIX, end)
        return found
    return []


def _split_reference(body: str) -> tuple[str, str | None]:
    """secret-id:secret-string:json-key:... ; a secret id may be a full ARN (with colons).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html"""
    fields = body.split(":")
    width = 7 if fields and fields[0] == "arn" else 1
    target = ":".join(fields[:width])
    key = fields[width + 1] if len(fields) > width + 1 and fields[width + 1] else None
    return target, key


# --- interruption ----------------------------------------------------------------------------


def _interruptions(change: Change) -> None:
    if change.action != "modify":
        return
    for prop in change.properties:
        if prop.interruption:
            text, _, page = prop.interruption.partition(" (")
            change.add_risk("interruption", text, source=page.rstrip(")"))
