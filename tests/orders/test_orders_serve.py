"""`mallops serve`'s server (granian, ADR 0003) serves the flash fast path in front of Django."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from mallops.cli import granian_command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, *, method: str = "GET", body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.slow
@pytest.mark.req("R6.1.1")
def test_mallops_serve_runs_granian_with_the_fast_path_in_front_of_django(tmp_path: Path, migrated_data_dir):
    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "MALLOPS_DATA_DIR": str(migrated_data_dir(tmp_path)),
        "PYTHONPATH": str(root / "src"),
        "DJANGO_SETTINGS_MODULE": "mallops.settings",
    }
    port = _free_port()
    command = granian_command("mallops.wsgi:application", host="127.0.0.1", port=port, workers=1, threads=2)
    assert command[1:3] == ["-m", "granian"] and "wsgi" in command
    server = subprocess.Popen(command, env=env, cwd=root)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, headers, _ = _get(base + "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        assert status == 200 and "x-frame-options" in headers  # Django's middleware answered
        status, headers, body = _get(
            base + "/api/v1/flash-sales/999/attempts", method="POST", body=b'{"qty": 1}'
        )
        problem = json.loads(body)
        assert status == 401 and problem["code"] == "unauthenticated"
        assert headers["content-type"] == "application/problem+json"
        assert "x-frame-options" not in headers  # answered by the fast path, without the middleware
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [2, 15], ids=["ctrl-c", "sigterm"])
def test_mallops_serve_stops_with_its_server_and_worker_on_one_signal(
    tmp_path: Path, signum: int, migrated_data_dir
):
    import signal

    root = Path(__file__).resolve().parents[2]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "MALLOPS_DATA_DIR": str(migrated_data_dir(tmp_path)),
        "PYTHONPATH": str(root / "src"),
        "DJANGO_SETTINGS_MODULE": "mallops.settings",
    }
    port = _free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "mallops", "serve", "--port", str(port), "--workers", "1", "--with-worker"],
        env=env,
        cwd=root,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                assert _get(f"http://127.0.0.1:{port}/healthz")[0] == 200
                break
            except OSError:
                if time.monotonic() > deadline or serve.poll() is not None:
                    raise
                time.sleep(0.3)
        children = subprocess.run(
            ["pgrep", "-f", f"--port {port}"], capture_output=True, text=True, check=False
        ).stdout.split()
        serve.send_signal(signum)
        assert serve.wait(timeout=30) == 0
        time.sleep(0.5)
        left = subprocess.run(["pgrep", "-f", f"--port {port}"], capture_output=True, text=True, check=False)
        assert left.stdout.split() == [], f"still running after the signal: {left.stdout} (were {children})"
        with pytest.raises(OSError):
            _get(f"http://127.0.0.1:{port}/healthz")
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
