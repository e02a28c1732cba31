"""Benchmark: PostgreSQL failover by promoting a streaming replica; measures RTO and RPO.

    .venv/bin/python bench/pg_failover.py            # 10 s of writes before the crash, async and sync replica
    .venv/bin/python bench/pg_failover.py --quick    # 2 s of writes, async replica only (smoke run)

Starts a throwaway PostgreSQL primary on 127.0.0.1 and a streaming replica made from it with
``pg_basebackup -R`` (binaries and helpers of scripts/servers.py). A writer inserts one row per
transaction, as an order would, through a multi-host connection string with
``target_session_attrs=read-write`` (the client finds whichever server accepts writes; libpq and psycopg
do this without a proxy) and records every insert whose COMMIT returned. Then the primary's postmaster
is killed with SIGKILL (a crash, not a shutdown), the replica is promoted at once (``pg_ctl promote``,
what a failover manager such as Patroni does after its detection time, which is not part of this figure)
and the writer carries on.

Figures per mode:

    rto_s      seconds from the kill until the first write commits on the promoted replica
    rpo_rows   rows whose COMMIT had returned to the writer before the crash and that the promoted
               replica does not have (lost committed rows)

Modes: ``async`` (the default streaming replication: a commit returns once the primary flushed its WAL;
whatever was not yet streamed is lost) and ``sync`` (``synchronous_standby_names='*'``,
``synchronous_commit=on``: a commit returns only once the replica flushed it; expect 0 lost rows, paid
for with a round trip per commit). Writes per second before the crash are printed for each mode.

The last line is JSON ``{"rto_s": …, "rpo_rows": …, "modes": {"async": {…}, "sync": {…}}}`` with the
top-level figures of the async mode (the default of a plain replica). Not part of ``make test``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))

import psycopg  # noqa: E402
from servers import _pg_bin, _wait_port, apt_install, free_port, is_root  # noqa: E402

PASSWORD = "mallops"


@dataclass
class Node:
    name: str
    data: Path
    port: int


@dataclass
class Cluster:
    bindir: Path
    base: Path
    run_as: list[str]
    primary: Node
    replica: Node
    env: dict[str, str] = field(default_factory=dict)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.run_as, *args], check=check, capture_output=True, text=True, env=self.env
        )

    def start(self, node: Node) -> None:
        options = f"-p {node.port} -k {self.base} -c listen_addresses=127.0.0.1"
        self.run(
            str(self.bindir / "pg_ctl"), "-D", str(node.data), "-l", str(self.base / f"{node.name}.log"),
            "-o", options, "-w", "start",
        )  # fmt: skip
        if not _wait_port(node.port):
            raise RuntimeError(f"{node.name} did not start")

    def stop_all(self) -> None:
        for node in (self.primary, self.replica):
            if node.data.exists():
                self.run(
                    str(self.bindir / "pg_ctl"), "-D", str(node.data), "-m", "immediate", "stop", check=False
                )


def _bindir() -> Path:
    bindir = _pg_bin()
    if bindir is None:
        apt_install("postgresql-15") or apt_install("postgresql")
        bindir = _pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries (initdb) not found and could not be installed")
    return Path(bindir)


def make_cluster(*, synchronous: bool) -> Cluster:
    """A primary with WAL for streaming and a replica cloned from it, both running."""
    base = Path(tempfile.mkdtemp(prefix="mallops-failover-"))
    run_as: list[str] = []
    if is_root():
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(
        bindir=_bindir(),
        base=base,
        run_as=run_as,
        primary=Node("primary", base / "primary", free_port()),
        replica=Node("replica", base / "replica", free_port()),
        env={**os.environ, "PGPASSWORD": PASSWORD},
    )
    pwfile = base / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if is_root():
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    cluster.run(
        str(cluster.bindir / "initdb"), "-D", str(cluster.primary.data), "-U", "mallops", "--pwfile", str(pwfile),
        "-A", "md5", "-E", "UTF8", "--locale=C.UTF-8",
    )  # fmt: skip
    settings = [
        "wal_level = replica",
        "max_wal_senders = 5",
        "hot_standby = on",
        "synchronous_commit = on",
        "shared_buffers = 128MB",
        # a crash of the postmaster loses nothing the OS has; fsync only guards against a power cut
        "fsync = off",
    ]
    if synchronous:
        settings.append("synchronous_standby_names = '*'")
    with (cluster.primary.data / "postgresql.conf").open("a") as conf:
        conf.write("\n".join(settings) + "\n")
    cluster.start(cluster.primary)
    # -R: standby.signal and primary_conninfo; -X stream: the WAL needed to start comes along
    cluster.run(
        str(cluster.bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(cluster.primary.port), "-U", "mallops",
        "-D", str(cluster.replica.data), "-R", "-X", "stream", "--checkpoint=fast",
    )  # fmt: skip
    with (cluster.replica.data / "postgresql.conf").open("a") as conf:
        conf.write("cluster_name = 'replica'\n")
    cluster.start(cluster.replica)
    return cluster


def _conninfo(*nodes: Node) -> str:
    hosts = ",".join("127.0.0.1" for _ in nodes)
    ports = ",".join(str(node.port) for node in nodes)
    return (
        f"host={hosts} port={ports} dbname=postgres user=mallops password={PASSWORD} "
        "target_session_attrs=read-write connect_timeout=1"
    )


class Writer(threading.Thread):
    """One row per transaction, reconnecting on any error; keeps the ids whose COMMIT returned."""

    def __init__(self, conninfo: str) -> None:
        super().__init__(daemon=True)
        self.conninfo = conninfo
        # (id, when the INSERT was sent, when its COMMIT returned)
        self.committed: list[tuple[int, float, float]] = []
        self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        conn: psycopg.Connection[tuple[int]] | None = None
        while not self.stop.is_set():
            try:
                if conn is None:
                    conn = psycopg.connect(self.conninfo, autocommit=True)
                sent = time.monotonic()
                row = conn.execute("INSERT INTO failover_orders DEFAULT VALUES RETURNING id").fetchone()
                assert row is not None
                self.committed.append((row[0], sent, time.monotonic()))
            except psycopg.Error:
                self.errors += 1
                if conn is not None:
                    with contextlib.suppress(psycopg.Error):
                        conn.close()
                conn = None
                time.sleep(0.02)
        if conn is not None:
            conn.close()


def _wait_streaming(cluster: Cluster, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    conninfo = f"host=127.0.0.1 port={cluster.primary.port} dbname=postgres user=mallops password={PASSWORD}"
    while time.monotonic() < deadline:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
            ).fetchone()
            if row and row[0] >= 1:
                return
        time.sleep(0.2)
    raise RuntimeError("the replica is not streaming")


def run_mode(*, synchronous: bool, write_seconds: float, after_seconds: float) -> dict[str, float | int]:
    cluster = make_cluster(synchronous=synchronous)
    try:
        primary_info = (
            f"host=127.0.0.1 port={cluster.primary.port} dbname=postgres user=mallops password={PASSWORD}"
        )
        with psycopg.connect(primary_info, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE failover_orders (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())"
            )
        _wait_streaming(cluster)
        writer = Writer(_conninfo(cluster.primary, cluster.replica))
        writer.start()
        time.sleep(write_seconds)
        # the crash: the postmaster (first line of postmaster.pid) and every backend stop at one instant
        # (SIGSTOP), then die (SIGKILL); a postmaster killed alone would leave its backends answering
        pid = int((cluster.primary.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
        pids = [pid, *(int(p) for p in children.stdout.split())]
        for each in pids:
            os.kill(each, signal.SIGSTOP)
        killed_at = time.monotonic()
        for each in pids:
            os.kill(each, signal.SIGKILL)
        cluster.run(str(cluster.bindir / "pg_ctl"), "-D", str(cluster.replica.data), "-w", "promote")
        if synchronous:
            # the replica inherited synchronous_standby_names from the primary: promoted, it would wait for
            # a standby that does not exist and hold every commit (what a failover manager resets)
            with psycopg.connect(_conninfo(cluster.replica), autocommit=True) as conn:
                conn.execute("ALTER SYSTEM SET synchronous_standby_names = ''")
                conn.execute("SELECT pg_reload_conf()")
        promoted_at = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
            sent > killed_at for _, sent, _ in writer.committed[-50:]
        ):
            time.sleep(0.005)
        # a write sent after the crash can only have committed on the promoted replica
        recovered = sorted(done for _, sent, done in writer.committed if sent > killed_at)
        if not recovered:
            raise RuntimeError("no write succeeded within 60 s after the crash")
        time.sleep(after_seconds)
        writer.stop.set()
        writer.join(timeout=10)
        # every write sent before the crash that came back committed did so on the old primary
        acknowledged = {row_id for row_id, sent, _ in writer.committed if sent < killed_at}
        replica_info = (
            f"host=127.0.0.1 port={cluster.replica.port} dbname=postgres user=mallops password={PASSWORD}"
        )
        with psycopg.connect(replica_info, autocommit=True) as conn:
            present = {row[0] for row in conn.execute("SELECT id FROM failover_orders")}
        lost = acknowledged - present
        return {
            "writes_per_s": round(len(acknowledged) / write_seconds, 1),
            "committed_before_crash": len(acknowledged),
            "rto_s": round(recovered[0] - killed_at, 3),
            "promote_returned_s": round(promoted_at - killed_at, 3),
            "rpo_rows": len(lost),
            "client_errors": writer.errors,
            "rows_after": len(writer.committed) - len(acknowledged),
        }
    finally:
        cluster.stop_all()
        shutil.rmtree(cluster.base, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 s of writes, async mode only")
    parser.add_argument("--seconds", type=float, default=None, help="seconds of writes before the crash")
    args = parser.parse_args()
    seconds = args.seconds or (2.0 if args.quick else 10.0)
    modes = {"async": False} if args.quick else {"async": False, "sync": True}
    results: dict[str, dict[str, float | int]] = {}
    for name, synchronous in modes.items():
        figures = run_mode(synchronous=synchronous, write_seconds=seconds, after_seconds=1.0)
        results[name] = figures
        print(
            f"{name:5}  {figures['writes_per_s']:>8} writes/s  committed before crash {figures['committed_before_crash']:>6}"
            f"  RTO {figures['rto_s']:.3f} s (pg_ctl promote returned after {figures['promote_returned_s']:.3f} s)"
            f"  lost committed rows {figures['rpo_rows']}  client errors {figures['client_errors']}",
            flush=True,
        )
    print(
        json.dumps(
            {"rto_s": results["async"]["rto_s"], "rpo_rows": results["async"]["rpo_rows"], "modes": results}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
