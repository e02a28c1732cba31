"""Embedded default vs production parts is configuration only (R1.1.1)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

PROBE = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "mallops.settings"
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from huey.contrib.djhuey import HUEY
from mallops.core import health
cache.set("probe", "v", 10)
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "huey": type(HUEY).__name__,
    "db": settings.DATABASES["default"]["ENGINE"],
    "cache_round_trip": cache.get("probe"),
    "queue": health.check_queue(),
    "journal": __import__("django.db", fromlist=["connection"]).connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
        if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3") else None,
}))
"""


def _probe(tmp_path, **env: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environ.update({"MALLOPS_DATA_DIR": str(tmp_path), **env})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.req("R1.1.1")
def test_embedded_default_needs_no_server(tmp_path):
    probe = _probe(tmp_path)
    assert probe["db"] == "django.db.backends.sqlite3"
    assert probe["journal"] == "wal"
    assert probe["huey"] == "SqliteHuey"
    assert probe["cache"].endswith("LocMemCache")


@pytest.mark.redis
@pytest.mark.req("R1.1.1")
def test_redis_url_switches_cache_and_queue(tmp_path, redis_url):
    probe = _probe(tmp_path, REDIS_URL=redis_url)
    assert probe["huey"] == "RedisHuey"
    assert probe["cache"].endswith("RedisCache")
    assert probe["cache_round_trip"] == "v"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_healthz_and_stops_on_sigterm(tmp_path, migrated_data_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["MALLOPS_DATA_DIR"] = str(migrated_data_dir(tmp_path))
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "mallops", "serve", "--port", str(port), "--workers", "1"], env=env
    )
    try:
        body = None
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    body = json.loads(response.read())
                    break
            except OSError:
                time.sleep(0.25)
        assert body is not None and body["status"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as response:
            assert response.status == 200
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) is not None
