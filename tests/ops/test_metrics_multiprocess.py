"""``/metrics`` under granian with two worker processes: every worker's requests are in every scrape.

Counts successful answers only: while the workers start, a probe may get an error answer, which the
workers count under its own status class.
"""

from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from ops_helpers import Install, free_port
from prometheus_client.parser import text_string_to_metric_families

from mallops.cli import granian_command

pytestmark = pytest.mark.sqlite_only


def _healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "mallops_http_responses_total"
                and sample.labels.get("route") == "healthz"
                and sample.labels.get("status") == "2xx"
            ):
                return float(sample.value)
    return 0.0


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=60) as response:
        return str(response.read().decode())


@pytest.mark.req("R6.1.1")
def test_scrape_sums_the_requests_of_both_workers(install: Install, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    port = free_port()
    env = {**install.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    argv = granian_command("mallops.wsgi:application", host="127.0.0.1", port=port, workers=2, threads=2)
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, "granian exited"
                assert time.monotonic() < deadline, "granian did not answer within 60 s"
                time.sleep(0.3)
        sent = 1
        # new connection per request: at least 30, and until both workers have written their own files
        while sent < 30 or (
            len({p.name.rsplit("_", 1)[-1] for p in metrics_dir.glob("counter_*.db")}) < 2 and sent < 400
        ):
            _get(f"{base}/healthz")
            sent += 1
        pids = {p.name.rsplit("_", 1)[-1] for p in metrics_dir.glob("counter_*.db")}
        assert len(pids) == 2, f"only {pids} served {sent} requests"
        # every scrape, whichever worker answers it, counts every request
        for _ in range(4):
            assert _healthz_count(_get(f"{base}/metrics")) == sent
    finally:
        server.terminate()
        server.wait(timeout=20)
