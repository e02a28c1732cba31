"""Fixtures of the ops tests: a seeded embedded installation and a real S3-compatible server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ops_helpers import SEED, Install, base_env, free_port


@pytest.fixture(scope="session")
def install(tmp_path_factory: pytest.TempPathFactory, _migrated_template: Path) -> Install:
    data_dir = tmp_path_factory.mktemp("ops-install") / "data"
    shutil.copytree(_migrated_template, data_dir)  # what `mallops migrate` makes, migrated once per run
    installed = Install(data_dir, base_env(data_dir))
    seeded = subprocess.run(
        [sys.executable, "-c", SEED], env=installed.env, capture_output=True, text=True, timeout=180
    )
    assert seeded.returncode == 0, seeded.stderr
    return installed


@pytest.fixture(scope="module")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real S3-compatible server (moto's) on 127.0.0.1, with an empty bucket ``mallops-backups``."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with log.open("w") as handle:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"moto_server did not start: {log.read_text()[-2000:]}")
                time.sleep(0.2)
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        ).create_bucket(Bucket="mallops-backups")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
