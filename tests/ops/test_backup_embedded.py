"""``mallops backup`` on a real embedded installation: create, list, verify, restore, drill; three levels."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import pytest
from ops_helpers import PASSPHRASE, Install

# the embedded backup covers SQLite files of its own making: run once, in the SQLite pass of `make test`
pytestmark = pytest.mark.sqlite_only


def _backups(install: Install) -> list[Path]:
    return sorted(p for p in (install.data_dir / "backups").iterdir() if not p.name.startswith("."))


@pytest.fixture(scope="module")
def backup(install: Install) -> Path:
    created = install.run("backup", "create")
    assert created.returncode == 0, created.stderr
    (path,) = _backups(install)
    return path


@pytest.mark.req("R6.2.2")
def test_create_writes_a_manifest_of_every_file_row_counts_and_the_audit_head(
    install: Install, backup: Path
) -> None:
    manifest = json.loads((backup / "manifest.json").read_text())
    paths = {entry["path"] for entry in manifest["files"]}
    # then: database, spool, Parquet part, upload, anchors and the sealed secrets are all in it
    assert "db/mallops.sqlite3" in paths
    assert "analytics/spool.sqlite" in paths
    assert any(
        p.startswith("analytics/events/date=2026-12-01/part-") and p.endswith(".parquet") for p in paths
    )
    assert "media/product-images/p1.jpg" in paths
    assert "audit-anchors.jsonl" in paths
    assert "secrets.enc" in paths
    # the key ring and the other secrets never travel in the clear
    assert not {"keys.json", "secret_key", "analytics/secret.key"} & paths
    key_file = json.loads((install.data_dir / "keys.json").read_text())
    secret = key_file["keys"][0]["key"].encode()
    assert all(secret not in path.read_bytes() for path in backup.rglob("*") if path.is_file())
    assert manifest["secrets"]["sealed"] == ["analytics_secret", "django_secret", "keyring"]
    # row counts per table and the audit head, as in the live database at the time
    merchants = install.sql("SELECT COUNT(*) FROM accounts_merchant")[0][0]
    assert manifest["database"]["tables"]["accounts_merchant"] == merchants == 3
    head_seq, head_hash = install.sql("SELECT last_seq, last_hash FROM audit_auditchainhead")[0]
    assert manifest["audit_head"] == {"seq": head_seq, "hash": head_hash}
    assert head_seq == 4  # three merchants and one event after the anchor
    assert manifest["analytics"]["parquet_rows"] == 10
    assert manifest["size"] == sum(entry["size"] for entry in manifest["files"])
    # the run is recorded: ok, size, checksum
    rows = install.sql(
        "SELECT level, result, size_bytes, is_checksum_ok, name FROM ops_backuprun WHERE kind='create'"
    )
    assert rows == [("local", "ok", manifest["size"], 1, backup.name)]


def test_list_and_verify(install: Install, backup: Path) -> None:
    listed = install.run("backup", "list")
    assert listed.returncode == 0
    assert listed.stdout.split()[0] == backup.name
    verified = install.run("backup", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "match their checksums" in verified.stdout


def test_verify_names_a_damaged_file_and_a_wrong_passphrase(
    install: Install, backup: Path, tmp_path: Path
) -> None:
    # given: a copy of the backup with one Parquet byte flipped, in a repository of its own
    repo = tmp_path / "repo"
    copy = repo / backup.name
    shutil.copytree(backup, copy)
    part = next(copy.glob("analytics/events/*/part-*.parquet"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0xFF
    part.write_bytes(bytes(data))
    extra = {"MALLOPS_BACKUP_DIR": str(repo)}
    # when / then
    damaged = install.run("backup", "verify", extra=extra)
    assert damaged.returncode == 1
    assert f"{part.relative_to(copy).as_posix()}: sha256 does not match the manifest" in damaged.stderr
    wrong = install.run(
        "backup", "verify", backup.name, extra={"MALLOPS_BACKUP_PASSPHRASE": "another passphrase!"}
    )
    assert wrong.returncode == 1
    assert "does not open with this backup key" in wrong.stderr
    missing = install.run("backup", "verify", extra={"MALLOPS_BACKUP_PASSPHRASE": ""})
    assert missing.returncode == 2
    assert "MALLOPS_BACKUP_PASSPHRASE" in missing.stderr


def test_restore_lays_out_a_data_dir_with_the_key_ring_back(
    install: Install, backup: Path, tmp_path: Path
) -> None:
    target = tmp_path / "restored"
    restored = install.run("backup", "restore", "--target", str(target))
    assert restored.returncode == 0, restored.stderr
    assert (target / "keys.json").read_bytes() == (install.data_dir / "keys.json").read_bytes()
    assert stat.S_IMODE((target / "keys.json").stat().st_mode) == 0o600
    assert (target / "media/product-images/p1.jpg").read_bytes() == (
        install.data_dir / "media/product-images/p1.jpg"
    ).read_bytes()
    assert (target / "analytics/secret.key").read_bytes() == (
        install.data_dir / "analytics/secret.key"
    ).read_bytes()
    # a second restore into the same (now non-empty) directory is refused
    again = install.run("backup", "restore", "--target", str(target))
    assert again.returncode == 2
    assert "is not empty" in again.stderr


@pytest.mark.req("R6.2.2")
def test_drill_restores_into_scratch_checks_everything_and_prints_the_rto(
    install: Install, backup: Path
) -> None:
    drilled = install.run("backup", "drill")
    assert drilled.returncode == 0, drilled.stdout + drilled.stderr
    out = drilled.stdout
    assert "ok    row_counts:" in out
    assert "ok    audit_verify:" in out and "1 anchors checked" in out
    assert "ok    decrypt_sample: 6 values" in out  # the three merchants' contact name and phone
    assert "ok    analytics_query: 10 events of 2 kinds" in out
    assert f"drill of {backup.name}: ok; RTO " in out and "within the 2:00:00 target" in out
    rows = install.sql("SELECT backup_name, result, rto_ms >= restore_ms, checks FROM ops_drillrun")
    assert [(r[0], r[1], r[2]) for r in rows] == [(backup.name, "ok", 1)]
    assert set(json.loads(str(rows[0][3]))) == {
        "restore",
        "row_counts",
        "audit_verify",
        "decrypt_sample",
        "analytics_query",
    }


def test_drill_fails_when_the_restored_copy_disagrees_with_the_manifest(
    install: Install, backup: Path, tmp_path: Path
) -> None:
    # given: a backup whose manifest claims one merchant more than the database holds (checksums still
    # match: the manifest is rewritten consistently, as an attacker or a bug would)
    repo = tmp_path / "repo"
    copy = repo / backup.name
    shutil.copytree(backup, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["database"]["tables"]["accounts_merchant"] += 1
    (copy / "manifest.json").write_text(json.dumps(manifest))
    # when
    drilled = install.run("backup", "drill", extra={"MALLOPS_BACKUP_DIR": str(repo)})
    # then
    assert drilled.returncode == 1
    assert "FAIL  row_counts: accounts_merchant: 3 rows, manifest 4" in drilled.stdout
    assert install.sql("SELECT result FROM ops_drillrun ORDER BY id DESC LIMIT 1") == [("failed",)]


def test_offsite_level_is_a_second_repository(install: Install, tmp_path: Path) -> None:
    offsite = tmp_path / "offsite"
    extra = {"MALLOPS_BACKUP_OFFSITE": str(offsite)}
    created = install.run("backup", "create", "--level", "offsite", extra=extra)
    assert created.returncode == 0, created.stderr
    (stored,) = [p for p in offsite.iterdir()]
    assert (stored / "manifest.json").is_file()
    assert install.run("backup", "verify", "--level", "offsite", extra=extra).returncode == 0
    inside = install.run(
        "backup",
        "create",
        "--level",
        "offsite",
        extra={"MALLOPS_BACKUP_OFFSITE": str(install.data_dir / "x")},
    )
    assert inside.returncode == 1
    assert "must not be inside the data directory" in inside.stderr


@pytest.mark.req("R6.2.2")
def test_cloud_level_on_a_real_s3_compatible_server(install: Install, s3_server: str) -> None:
    extra = {
        "MALLOPS_BACKUP_S3_URL": f"{s3_server}/mallops-backups/nightly",
        "MALLOPS_BACKUP_S3_ACCESS_KEY": "test",
        "MALLOPS_BACKUP_S3_SECRET_KEY": "test",
    }
    created = install.run("backup", "create", "--level", "cloud", extra=extra)
    assert created.returncode == 0, created.stderr
    name = created.stdout.split()[0]
    listed = install.run("backup", "list", "--level", "cloud", extra=extra)
    assert listed.stdout.split()[0] == name
    assert f"{s3_server}/mallops-backups/nightly/{name}" in listed.stdout
    assert install.run("backup", "verify", "--level", "cloud", extra=extra).returncode == 0
    drilled = install.run("backup", "drill", "--level", "cloud", extra=extra)
    assert drilled.returncode == 0, drilled.stdout + drilled.stderr
    assert f"drill of {name}: ok" in drilled.stdout


def test_create_without_a_backup_key_fails_and_records_it(install: Install) -> None:
    failed = install.run("backup", "create", extra={"MALLOPS_BACKUP_PASSPHRASE": ""})
    assert failed.returncode == 1
    assert "set MALLOPS_BACKUP_KEY" in failed.stderr
    rows = install.sql("SELECT result, message FROM ops_backuprun ORDER BY id DESC LIMIT 1")
    assert rows[0][0] == "failed"
    assert "MALLOPS_BACKUP_PASSPHRASE" in str(rows[0][1])
    assert PASSPHRASE not in str(rows[0][1])


def test_policy_command_stores_a_schedule_as_data(install: Install) -> None:
    saved = install.run(
        "backup",
        "policy",
        "nightly-offsite",
        "--level",
        "offsite",
        "--every-hours",
        "24",
        "--keep-last",
        "7",
        "--keep-days",
        "30",
        "--drill-every-hours",
        "168",
    )
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.startswith(
        "policy nightly-offsite: offsite every 24 h, keep 7 / 30 days, next backup "
    )
    rows = install.sql(
        "SELECT level, interval_hours, keep_last, keep_days, drill_interval_hours, is_active, "
        "backup_due_at IS NOT NULL, drill_due_at IS NOT NULL FROM ops_backuppolicy WHERE name = 'nightly-offsite'"
    )
    assert rows == [("offsite", 24, 7, 30, 168, 1, 1, 1)]
    refused = install.run("backup", "policy", "bad", "--every-hours", "0")
    assert refused.returncode == 2


def test_the_drill_check_reaches_no_production_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mallops.ops.drill import _check_environment

    for name in ("DATABASE_URL", "REDIS_URL", "REDIS_CLUSTER_URL", "CLICKHOUSE_URL"):
        monkeypatch.setenv(name, "redis://10.0.0.9:6379/0")
    env = _check_environment(tmp_path)
    assert env["DATABASE_URL"] == f"sqlite:///{tmp_path / 'mallops.sqlite3'}"
    assert {"REDIS_URL", "REDIS_CLUSTER_URL", "CLICKHOUSE_URL"}.isdisjoint(env)
