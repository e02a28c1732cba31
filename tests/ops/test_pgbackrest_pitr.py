"""Point-in-time recovery of PostgreSQL with pgBackRest and a real WAL archive (R6.2.2).

A throwaway PostgreSQL cluster of its own (``archive_mode=on``, ``archive_command`` = pgBackRest
``archive-push``): full backup, order A, a noted instant, order B; restore to the instant into a new data
directory, start it, and find A but not B.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from ops_helpers import free_port

from mallops.ops.pgbackrest import PgBackRest, render_config

pytestmark = [pytest.mark.postgres_only, pytest.mark.timeout(120)]

STANZA = "mallops"


def _pg_bin() -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    if not found:
        pytest.fail("PostgreSQL binaries (initdb) not found; `make test` installs them")
    return Path(found).parent


class Cluster:
    def __init__(self, base: Path, data: Path, port: int, run_as: tuple[str, ...]) -> None:
        self.base, self.data, self.port, self.run_as = base, data, port, run_as
        self.bindir = _pg_bin()

    def pg_ctl(self, *args: str, options: str = "") -> None:
        argv = [
            *self.run_as,
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.data.parent / f"{self.data.name}.log"),
        ]
        if options:
            argv += ["-o", options]
        subprocess.run([*argv, *args], check=True, capture_output=True, timeout=60)

    def start(self, *extra: str) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 " + " ".join(extra)
        try:
            self.pg_ctl("-w", "start", options=options)
        except subprocess.CalledProcessError as exc:
            raise AssertionError(f"pg_ctl start failed: {exc.stderr!r} {self.log()[-3000:]}") from exc

    def log(self) -> str:
        path = self.data.parent / f"{self.data.name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        subprocess.run(
            [*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
            timeout=60,
        )

    def connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="mallops", dbname="postgres", autocommit=True
        )


@pytest.fixture
def workdir() -> Iterator[tuple[Path, tuple[str, ...]]]:
    if shutil.which("pgbackrest") is None:
        pytest.fail("pgbackrest is not installed (`make test` installs the Debian package as root)")
    base = Path(tempfile.mkdtemp(prefix="mallops-pitr-"))
    run_as: tuple[str, ...] = ()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        run_as = ("runuser", "-u", "postgres", "--")
    try:
        yield base, run_as
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _as_owner(path: Path, run_as: tuple[str, ...]) -> None:
    if run_as:
        pw = pwd.getpwnam("postgres")
        os.chown(path, pw.pw_uid, pw.pw_gid)


@pytest.mark.req("R6.2.2")
def test_point_in_time_restore_between_two_orders(workdir: tuple[Path, tuple[str, ...]]) -> None:
    started = time.monotonic()
    base, run_as = workdir
    primary = Cluster(base, base / "data", free_port(), run_as)
    subprocess.run(
        [
            *run_as,
            str(primary.bindir / "initdb"),
            "-D",
            str(primary.data),
            "-U",
            "mallops",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    config = base / "pgbackrest.conf"
    config.write_text(
        render_config(
            stanza=STANZA,
            repo_path=base / "repo",
            pg_data=primary.data,
            pg_port=primary.port,
            pg_socket=base,
            pg_user="mallops",
            work_dir=base,
        )
    )
    _as_owner(config, run_as)
    tool = PgBackRest(config, STANZA, run_as=run_as, timeout=60)
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.write(
            "\nwal_level = replica\narchive_mode = on\nmax_wal_senders = 2\nfsync = off\n"
            f"archive_command = '{tool.archive_command()}'\n"
        )
    primary.start()
    restored: Cluster | None = None
    try:
        tool.stanza_create()
        tool.check()
        # given: a full backup, then order A, a noted instant, order B
        full = tool.backup("full")
        assert full["type"] == "full"
        with primary.connect() as conn:
            conn.execute(
                "CREATE TABLE orders (id bigserial PRIMARY KEY, number text NOT NULL, total_fen bigint)"
            )
            conn.execute("INSERT INTO orders (number, total_fen) VALUES ('A-0001', 12900)")
            time.sleep(1.1)
            (between,) = conn.execute("SELECT now()::text").fetchone() or ("",)
            time.sleep(1.1)
            conn.execute("INSERT INTO orders (number, total_fen) VALUES ('B-0002', 4500)")
            assert conn.execute("SELECT number FROM orders ORDER BY id").fetchall() == [
                ("A-0001",),
                ("B-0002",),
            ]
        tool.check()  # switches WAL and waits until B's commit is archived
        primary.stop()
        # when: restore to the instant between A and B into a new data directory
        target = base / "restored"
        target.mkdir(mode=0o700)
        _as_owner(target, run_as)
        tool.restore_to_time(str(between), pg_data=target)
        restored = Cluster(base, target, free_port(), run_as)
        restored.start("-c archive_mode=off")
        deadline = time.monotonic() + 30
        while True:
            try:
                with restored.connect() as conn:
                    (in_recovery,) = conn.execute("SELECT pg_is_in_recovery()").fetchone() or (True,)
            except psycopg.OperationalError:
                in_recovery = True
            if not in_recovery:
                break
            assert time.monotonic() < deadline, f"no recovery: {restored.log()[-3000:]}"
            time.sleep(0.2)
        # then: A is there, B is not
        with restored.connect() as conn:
            assert conn.execute("SELECT number, total_fen FROM orders ORDER BY id").fetchall() == [
                ("A-0001", 12900)
            ]
    finally:
        if restored is not None:
            restored.stop()
        primary.stop()
    assert time.monotonic() - started < 60
