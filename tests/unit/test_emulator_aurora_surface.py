"""The emulator's Aurora surface without a server: aurora_version()'s format, aurora_replica_status()'s
documented columns, and the per-server aurora.conf that carries rds.force_ssl and the instance roles."""

from __future__ import annotations

from pathlib import Path

from tapcheck.emulator.pgcluster import AURORA_CONF, REPLICA_STATUS_COLUMNS, PgCluster, aurora_version_of

# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora_replica_status.html, in its order
DOCUMENTED = [
    "server_id",
    "session_id",
    "durable_lsn",
    "highest_lsn_rcvd",
    "current_read_lsn",
    "cur_replay_latency_in_usec",
    "active_txns",
    "is_current",
    "last_transport_error",
    "last_error_timestamp",
    "last_update_timestamp",
    "feedback_xmin",
    "feedback_epoch",
    "replica_lag_in_msec",
    "log_stream_speed_in_kib_per_second",
    "log_buffer_sequence_number",
    "oldest_read_view_trx_id",
    "oldest_read_view_lsn",
    "pending_read_ios",
    "read_ios",
    "iops",
    "cpu",
]


def test_aurora_version_is_major_minor_patch() -> None:
    assert aurora_version_of("15.4") == "15.4.0"
    assert aurora_version_of("15.10.2") == "15.10.2"
    assert aurora_version_of("") == ""


def test_replica_status_has_the_documented_columns_in_order() -> None:
    assert [c.strip().split()[0] for c in REPLICA_STATUS_COLUMNS.split(",")] == DOCUMENTED


def test_aurora_conf_follows_the_parameter_group_and_a_failover(tmp_path: Path) -> None:
    pgc = PgCluster(
        tmp_path,
        "c",
        5432,
        "master",
        "secret-pw",
        None,
        {"rds.force_ssl": "1"},
        writer_host="127.0.0.2",
        reader_host="127.0.0.3",
        engine_version="15.4",
        instance_ids={"writer": "inst-a", "reader": "inst-b"},
    )
    pgc.writer_data.mkdir(parents=True)
    pgc._write_aurora_conf("writer")
    text = (pgc.writer_data / AURORA_CONF).read_text()
    assert "rds.force_ssl = '1'\n" in text and "tapcheck.engine_version = '15.4.0'\n" in text
    assert "tapcheck.writer_instance = 'inst-a'\n" in text and "tapcheck.reader_instance = 'inst-b'\n" in text
    pgc.swap_instance_roles()
    pgc.parameters = {}
    pgc._write_aurora_conf("writer")
    text = (pgc.writer_data / AURORA_CONF).read_text()
    assert "rds.force_ssl = '0'\n" in text and "tapcheck.writer_instance = 'inst-b'\n" in text
