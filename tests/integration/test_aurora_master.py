"""The master user is Aurora's, not a PostgreSQL superuser: on both endpoints the secret's login is
NOSUPERUSER, NOREPLICATION, CREATEDB, CREATEROLE, a member of rds_superuser, and owns DatabaseName;
superuser-only actions are refused to it. Runs on either target (on AWS it reads what Aurora says)."""

from __future__ import annotations

import psycopg
import pytest

from tapcheck.live.context import ENDPOINT_ROLES


@pytest.mark.parametrize("role", ENDPOINT_ROLES)
def test_the_master_user_is_not_a_superuser(live_stack, role):
    with live_stack.connect(role) as conn:
        attributes = conn.execute(
            "SELECT rolsuper, rolreplication, rolcreatedb, rolcreaterole, rolinherit, rolcanlogin "
            "FROM pg_roles WHERE rolname = current_user").fetchone()
        member = conn.execute("SELECT pg_has_role(current_user, 'rds_superuser', 'MEMBER')").fetchone()[0]
        owner = conn.execute("SELECT pg_get_userbyid(datdba) = current_user FROM pg_database "
                             "WHERE datname = current_database()").fetchone()[0]
    assert attributes == (False, False, True, True, True, True)
    assert member is True and owner is True


def test_superuser_only_actions_are_refused_to_it(live_stack):
    with live_stack.connect("writer") as conn:
        conn.autocommit = True
        for statement in ("ALTER SYSTEM SET log_statement = 'none'", "SELECT pg_reload_conf()",
                          "SELECT pg_read_file('PG_VERSION')", "SHOW data_directory"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        assert conn.execute("SHOW log_statement").fetchone()[0] == "all"     # nothing changed
