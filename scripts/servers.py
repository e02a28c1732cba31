"""Throwaway servers for the test suite and benchmarks: PostgreSQL 15, Redis and a Redis Cluster on 127.0.0.1.

Each starts in a temporary directory on a free port and is removed on exit. When running as root, a
missing Debian package is installed first (``apt-get update`` once). Under ``CI=true`` a server that
cannot start is an error; elsewhere the caller may choose to carry on without it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

_APT_UPDATED = False


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(*packages: str) -> bool:
    """Install Debian packages when root; True when they are (now) installed."""
    global _APT_UPDATED
    missing = [
        p
        for p in packages
        if subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", p], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    if not missing:
        return True
    if not is_root() or not shutil.which("apt-get"):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if not _APT_UPDATED:
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
        _APT_UPDATED = True
    result = subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        print(result.stdout[-2000:], result.stderr[-2000:])
    return result.returncode == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """Yields a DATABASE_URL for a fresh cluster; superuser ``mallops`` with password ``mallops``."""
    bindir = _pg_bin()
    if bindir is None:
        apt_install("postgresql-15") or apt_install("postgresql")
        bindir = _pg_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL binaries (initdb) not found and could not be installed")
    base = Path(tempfile.mkdtemp(prefix="mallops-pg-"))
    data = base / "data"
    port = free_port()
    run_as: list[str] = []
    if is_root():
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    pwfile = base / "pw"
    pwfile.write_text("mallops\n")
    if is_root():
        os.chown(pwfile, pwd.getpwnam("postgres").pw_uid, -1)
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "mallops",
            "--pwfile",
            str(pwfile),
            "-A",
            "md5",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=300 -c shared_buffers=256MB"
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-o",
            options,
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        if not _wait_port(port):
            raise RuntimeError("PostgreSQL did not start")
        yield f"postgres://mallops:mallops@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[str]:
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    binary = shutil.which("redis-server")
    if not binary:
        raise RuntimeError("redis-server not found and could not be installed")
    base = Path(tempfile.mkdtemp(prefix="mallops-redis-"))
    port = free_port()
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(base),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if not _wait_port(port):
            raise RuntimeError("Redis did not start")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def redis_cluster(primaries: int = 3) -> Iterator[str]:
    """A Redis Cluster of ``primaries`` primaries (no replicas) on 127.0.0.1; yields one node's URL
    (``redis://127.0.0.1:<port>/0``: a cluster client finds the others from it)."""
    if not shutil.which("redis-server"):
        apt_install("redis-server")
    binary, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not binary or not cli:
        raise RuntimeError("redis-server/redis-cli not found and could not be installed")
    base = Path(tempfile.mkdtemp(prefix="mallops-redis-cluster-"))
    procs: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        for n in range(primaries):
            port, bus = free_port(), free_port()  # the bus port explicitly: port + 10000 may be taken
            node = base / str(n)
            node.mkdir()
            procs.append(
                subprocess.Popen(
                    [
                        binary,
                        "--port",
                        str(port),
                        "--cluster-port",
                        str(bus),
                        "--bind",
                        "127.0.0.1",
                        "--cluster-enabled",
                        "yes",
                        "--cluster-config-file",
                        str(node / "nodes.conf"),
                        "--cluster-node-timeout",
                        "2000",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        str(node),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            ports.append(port)
        if not all(_wait_port(port) for port in ports):
            raise RuntimeError("Redis Cluster nodes did not start")
        subprocess.run(
            [cli, "--cluster", "create", *[f"127.0.0.1:{p}" for p in ports], "--cluster-yes"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 30
        while True:
            states = [
                subprocess.run([cli, "-p", str(p), "cluster", "info"], capture_output=True, text=True).stdout
                for p in ports
            ]
            if all("cluster_state:ok" in state for state in states):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("Redis Cluster did not reach cluster_state:ok")
            time.sleep(0.2)
        yield f"redis://127.0.0.1:{ports[0]}/0"
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
        shutil.rmtree(base, ignore_errors=True)


def chromium() -> str | None:
    """Path of Debian's Chromium (installed with a Chinese font when root), or None."""
    if not shutil.which("chromium"):
        apt_install("chromium", "fonts-wqy-microhei")
    else:
        apt_install("fonts-wqy-microhei")
    return shutil.which("chromium")


def pgbackrest() -> str | None:
    """Path of Debian's ``pgbackrest`` (installed when root) for the point-in-time restore test, or None."""
    if not shutil.which("pgbackrest"):
        apt_install("pgbackrest")
    return shutil.which("pgbackrest")


def wrk() -> str | None:
    """Path of Debian's ``wrk`` HTTP load generator (installed when root), or None."""
    if not shutil.which("wrk"):
        apt_install("wrk")
    return shutil.which("wrk")
