"""The master user is Aurora's, not a PostgreSQL superuser: on both endpoints the secret's login is
NOSUPERUSER, NOREPLICATION, CREATEDB, CREATEROLE, a member of rds_superuser, and owns DatabaseName;
rds_superuser is a member of pg_monitor, pg_signal_backend, rds_replication and rds_password, as
AWS's roles page shows it (psql `\\du`, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Appendix.PostgreSQL.CommonDBATasks.Roles.rds_superuser.html),
so the master user reads every setting; superuser-only actions are refused to it. Runs on either
target (on AWS it reads what Aurora says)."""

from __future__ import annotations

import re

import psycopg
import pytest

from tapcheck.live.context import ENDPOINT_ROLES


@pytest.mark.parametrize("role", ENDPOINT_ROLES)
def test_the_master_user_is_not_a_superuser(live_stack, role):
    with live_stack.connect(role) as conn:
        attributes = conn.execute(
            "SELECT rolsuper, rolreplication, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin "
            "FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        member = conn.execute("SELECT pg_has_role(current_user, 'rds_superuser', 'MEMBER')").fetchone()[0]
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) = current_user FROM pg_database WHERE datname = current_database()"
        ).fetchone()[0]
        rds_superuser_in = {
            row[0]
            for row in conn.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'rds_superuser'"
            )
        }
    assert attributes == (False, False, True, True, True, True)
    assert member is True and owner is True
    assert rds_superuser_in == {"pg_monitor", "pg_signal_backend", "rds_replication", "rds_password"}


def test_superuser_only_actions_are_refused_to_it_and_monitoring_is_not(live_stack):
    with live_stack.connect("writer") as conn:
        conn.autocommit = True
        for statement in (
            "ALTER SYSTEM SET log_statement = 'none'",
            "SELECT pg_reload_conf()",
            "SELECT pg_read_file('PG_VERSION')",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        assert conn.execute("SHOW log_statement").fetchone()[0] == "all"  # nothing changed
        # pg_monitor's pg_read_all_settings: a superuser-only setting is readable, as on Aurora
        assert conn.execute("SHOW data_directory").fetchone()[0].startswith("/")
        assert conn.execute("SELECT pg_has_role('pg_read_all_stats', 'USAGE')").fetchone()[0] is True


@pytest.mark.parametrize("role", ENDPOINT_ROLES)
def test_aurora_functions_answer_the_master_user(live_stack, role):
    """aurora_version() is "a string formatted as major.minor.patch" of the cluster's engine version (no
    promise of the patch, https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_version.html);
    aurora_replica_status() lists the writer
    instance (MASTER_SESSION_ID) and the reader instance by identifier, replicating; rds.force_ssl
    answers SHOW with the parameter group's value."""
    members = {m["DBInstanceIdentifier"]: m["IsClusterWriter"] for m in live_stack.cluster["DBClusterMembers"]}
    with live_stack.connect(role) as conn:
        version = conn.execute("SELECT aurora_version()").fetchone()[0]
        rows = conn.execute(
            "SELECT server_id, session_id, durable_lsn, highest_lsn_rcvd, replica_lag_in_msec, "
            "last_transport_error FROM aurora_replica_status()"
        ).fetchall()
        force_ssl = conn.execute("SHOW rds.force_ssl").fetchone()[0]
    engine = live_stack.cluster["EngineVersion"]  # major.minor (or major.minor.patch)
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert version.split(".")[:2] == engine.split(".")[:2], (version, engine)
    status = {row[0]: row[1:] for row in rows}
    assert set(status) == set(members), rows
    for server_id, (session, durable, received, lag, error) in status.items():
        if members[server_id]:
            assert session == "MASTER_SESSION_ID" and durable > 0
        else:
            assert session != "MASTER_SESSION_ID" and received >= durable > 0 and error == 0 and lag is not None
    assert force_ssl == str(live_stack.cluster_params.get("rds.force_ssl", "0"))
