"""The emulator's changes to moto are one recorded list (emulator/moto_patches/): installed without
PostgreSQL, printed, held against the exact list below, refused by name on a moto that lacks a
patched name (or already has an added one), refused when installed twice, and undone to moto's own.

A moto upgrade is reviewed here: a failing test names the change that no longer fits."""

from __future__ import annotations

import types

import pytest

from tapcheck.emulator import moto_patches
from tapcheck.emulator.moto_patches.recorder import PatchError, Recorder

EXPECTED = [
    ("yaml_tag_constructor", "moto.cloudformation.models", "replace"),
    ("yaml_tag_constructor", "moto.cloudformation.responses", "replace"),
    ("yaml_constructors", "yaml.loader.Loader", "wrap"),
    ("get_model_list", "moto.cloudformation.parsing", "wrap"),
    ("get_model_map", "moto.cloudformation.parsing", "wrap"),
    ("get_name_type_map", "moto.cloudformation.parsing", "wrap"),
    ("parse_resource", "moto.cloudformation.parsing", "wrap"),
    ("parse_and_create_resource", "moto.cloudformation.parsing", "wrap"),
    ("create_resources", "moto.cloudformation.models.Stack", "replace"),
    ("delete", "moto.cloudformation.models.Stack", "replace"),
    ("update", "moto.cloudformation.models.Stack", "replace"),
    ("outputs", "moto.cloudformation.models.Stack", "wrap"),
    ("exports", "moto.cloudformation.models.Stack", "wrap"),
    ("stack_resources", "moto.cloudformation.models.Stack", "replace"),
    ("_resolve_update_parameters", "moto.cloudformation.models.CloudFormationBackend", "replace"),
    ("create_stack", "moto.cloudformation.models.CloudFormationBackend", "replace"),
    ("delete_stack", "moto.cloudformation.models.CloudFormationBackend", "replace"),
    ("update_stack", "moto.cloudformation.models.CloudFormationBackend", "wrap"),
    ("create_change_set", "moto.cloudformation.models.CloudFormationBackend", "wrap"),
    ("execute_change_set", "moto.cloudformation.models.CloudFormationBackend", "wrap"),
    ("diff", "moto.cloudformation.models.ChangeSet", "wrap"),
    ("cancel_update_stack", "moto.cloudformation.responses.CloudFormationResponse", "add"),
    ("create_stack", "moto.cloudformation.responses.CloudFormationResponse", "wrap"),
    ("update_stack", "moto.cloudformation.responses.CloudFormationResponse", "wrap"),
    ("create_change_set", "moto.cloudformation.responses.CloudFormationResponse", "wrap"),
    ("create_db_cluster", "moto.rds.models.RDSBackend", "wrap"),
    ("create_subnet_group", "moto.rds.models.RDSBackend", "wrap"),
    ("delete_db_cluster", "moto.rds.models.RDSBackend", "wrap"),
    ("modify_db_cluster", "moto.rds.models.RDSBackend", "wrap"),
    ("modify_db_cluster_parameter_group", "moto.rds.models.RDSBackend", "wrap"),
    ("describe_db_cluster_parameter_groups", "moto.rds.models.RDSBackend", "wrap"),
    ("describe_db_cluster_parameters", "moto.rds.models.RDSBackend", "wrap"),
    ("create_db_instance", "moto.rds.models.RDSBackend", "wrap"),
    ("reboot_db_instance", "moto.rds.models.RDSBackend", "wrap"),
    ("delete_db_instance", "moto.rds.models.RDSBackend", "wrap"),
    ("failover_db_cluster", "moto.rds.models.RDSBackend", "wrap"),
    ("modify_db_subnet_group", "moto.rds.models.RDSBackend", "replace"),
    ("reset_db_cluster_parameter_group", "moto.rds.responses.RDSResponse", "add"),
    ("endpoint", "moto.rds.models.DBCluster", "wrap"),
    ("reader_endpoint", "moto.rds.models.DBCluster", "wrap"),
    ("db_cluster_members", "moto.rds.models.DBCluster", "wrap"),
    ("set_alarm_state", "moto.cloudwatch.models.CloudWatchBackend", "wrap"),
    ("describe_alarm_history", "moto.cloudwatch.responses.CloudWatchResponse", "add"),
    ("RESERVED_ALIASES", "moto.kms.utils", "wrap"),
    ("RESERVED_ALIASES", "moto.kms.models", "wrap"),
    ("RESERVED_ALIASES", "moto.kms.responses", "wrap"),
    ("_generate_default_keys", "moto.kms.models.KmsBackend", "wrap"),
    ("create_key", "moto.kms.responses.KmsResponse", "wrap"),
    ("put_key_policy", "moto.kms.responses.KmsResponse", "wrap"),
    ("_invoke_lambda", "moto.awslambda.models.LambdaFunction", "wrap"),
]


def _snapshot(recorder: Recorder) -> dict[tuple[int, str], object]:
    """What each patched name holds on its target right now (its own value, or absent)."""
    return {(id(row.target), row.name): vars(row.target).get(row.name, "<absent>") for row in recorder.rows}


@pytest.fixture
def fresh() -> Recorder:
    """The emulator's list in a recorder of its own, undone whatever the test does."""
    recorder = moto_patches.declared()
    yield recorder
    if recorder.installed:
        recorder.undo()


def test_the_list_installs_without_postgresql_and_is_exactly_this(fresh: Recorder) -> None:
    fresh.install()
    rows = fresh.listing()
    print("\nthe emulator's changes to moto (name, target, kind):")
    for name, target, kind in rows:
        print(f"  {kind:8} {target}.{name}")
    assert rows == EXPECTED
    assert moto_patches.listing() == EXPECTED  # the list the server installs is the same


def test_install_changes_each_name_and_undo_gives_moto_back(fresh: Recorder) -> None:
    from moto.cloudformation.models import Stack
    from moto.rds.models import RDSBackend
    from moto.rds.responses import RDSResponse

    before = _snapshot(fresh)
    moto_modify, moto_create_resources = RDSBackend.modify_db_cluster, Stack.create_resources
    fresh.install()
    assert _snapshot(fresh) != before
    assert RDSBackend.modify_db_cluster is not moto_modify
    assert Stack.create_resources is not moto_create_resources
    assert hasattr(RDSResponse, "reset_db_cluster_parameter_group")
    fresh.undo()
    assert _snapshot(fresh) == before
    assert RDSBackend.modify_db_cluster is moto_modify and Stack.create_resources is moto_create_resources
    assert not hasattr(RDSResponse, "reset_db_cluster_parameter_group")


def test_installing_twice_is_refused_and_changes_nothing(fresh: Recorder) -> None:
    fresh.install()
    installed = _snapshot(fresh)
    with pytest.raises(PatchError, match="installed already"):
        fresh.install()
    assert _snapshot(fresh) == installed
    fresh.undo()
    fresh.install()  # after undo() it may be installed again
    assert fresh.installed


def test_the_servers_install_is_guarded_the_same_way() -> None:
    moto_patches.install()
    try:
        with pytest.raises(PatchError, match="installed already"):
            moto_patches.install()
    finally:
        moto_patches.undo()
    assert not moto_patches.MOTO.installed


def test_a_moto_lacking_a_patched_name_is_refused_by_name_and_left_untouched(
    fresh: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.rds.models import RDSBackend

    monkeypatch.delattr(RDSBackend, "failover_db_cluster")  # as if moto had renamed it
    before = _snapshot(fresh)
    with pytest.raises(PatchError) as refused:
        fresh.install()
    assert str(refused.value) == (
        "cannot change moto as declared:\n  moto.rds.models.RDSBackend has no "
        "failover_db_cluster to wrap (did moto rename or remove it?)"
    )
    assert _snapshot(fresh) == before and not fresh.installed


def test_a_moto_that_gained_an_added_name_is_refused_by_name(fresh: Recorder, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudwatch.responses import CloudWatchResponse

    monkeypatch.setattr(CloudWatchResponse, "describe_alarm_history", lambda self: None, raising=False)
    with pytest.raises(
        PatchError,
        match="moto.cloudwatch.responses.CloudWatchResponse already has "
        "describe_alarm_history: adding ours would hide moto's",
    ):
        fresh.install()
    assert not fresh.installed


# --- the recorder on a target of its own ---------------------------------------------------------
class _Base:
    def greet(self) -> str:
        return "base"


class _Target(_Base):
    def name(self) -> str:
        return "moto"


def test_replace_wrap_add_and_undo_on_a_fake_target() -> None:
    module = types.ModuleType("fake_moto")
    module.LIMIT = 3
    recorder = Recorder()
    recorder.replace(_Target, "name", lambda self: "ours")
    recorder.wrap(_Target, "greet", lambda moto: lambda self: "wrapped " + moto(self))  # inherited from _Base
    recorder.add(_Target, "extra", lambda self: "added")
    recorder.wrap(module, "LIMIT", lambda moto: moto + 1)
    assert recorder.listing() == [
        ("name", f"{__name__}._Target", "replace"),
        ("greet", f"{__name__}._Target", "wrap"),
        ("extra", f"{__name__}._Target", "add"),
        ("LIMIT", "fake_moto", "wrap"),
    ]
    recorder.install()
    target = _Target()
    assert (target.name(), target.greet(), target.extra(), module.LIMIT) == ("ours", "wrapped base", "added", 4)
    recorder.undo()
    assert (target.name(), target.greet(), module.LIMIT) == ("moto", "base", 3)
    assert "greet" not in vars(_Target) and not hasattr(_Target, "extra")  # inherited again, added removed


def test_one_change_per_name() -> None:
    recorder = Recorder()
    recorder.wrap(_Target, "name", lambda moto: moto)
    with pytest.raises(PatchError, match=f"{__name__}._Target.name is declared twice"):
        recorder.wrap(_Target, "name", lambda moto: moto)


def test_a_failure_while_installing_puts_back_what_was_applied() -> None:
    recorder = Recorder()
    recorder.replace(_Target, "name", lambda self: "ours")

    def broken(moto: object) -> object:
        raise RuntimeError("cannot build the wrapper")

    recorder.wrap(_Base, "greet", broken)
    with pytest.raises(RuntimeError):
        recorder.install()
    assert _Target().name() == "moto" and not recorder.installed
