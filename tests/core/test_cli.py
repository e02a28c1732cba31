from __future__ import annotations

import re
import subprocess
import sys

import pytest

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mallops", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.req("R6.4.2")
def test_version_is_semver():
    result = run("--version")
    assert result.returncode == 0
    assert SEMVER.match(result.stdout.strip())


def test_unknown_command_is_one_line_and_exit_2():
    result = run("frobnicate")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "frobnicate" in result.stderr


def test_bad_argument_to_builtin_is_exit_2():
    result = run("serve", "--port", "notaport")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_arguments_prints_usage_and_exit_2():
    result = run()
    assert result.returncode == 2
    assert "usage: mallops" in result.stderr


def test_worker_once_runs_every_sweeper_on_a_fresh_database(tmp_path, monkeypatch, migrated_data_dir):
    monkeypatch.setenv("MALLOPS_DATA_DIR", str(migrated_data_dir(tmp_path)))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    result = run("worker", "--once")
    assert result.returncode == 0, result.stderr
    import json

    counts = json.loads(result.stdout.strip().splitlines()[-1])
    assert counts["core.sweep_probe"] == 0
    assert "core.idempotency_expiry" in counts
    assert run("worker", "--bogus").returncode == 2
