"""`make test`: static checks, then the suite on SQLite and again on PostgreSQL 15.

Starts its own throwaway PostgreSQL, Redis and Redis Cluster and makes sure Chromium is there
(installing Debian packages when root). Under CI=true any server that cannot start fails the run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import servers  # noqa: E402

BIN = Path(sys.executable).parent
CI = os.environ.get("CI", "").lower() == "true"
TIMINGS: list[tuple[str, float, int]] = []


def step(name: str, cmd: list[str], env: dict[str, str] | None = None) -> int:
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}).returncode
    TIMINGS.append((name, time.monotonic() - started, code))
    return code


def static_checks() -> int:
    failures = 0
    failures += bool(step("ruff lint", [str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"]))
    failures += bool(
        step("ruff format", [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "scripts"])
    )
    failures += bool(step("mypy", [str(BIN / "mypy"), "--no-incremental"]))
    failures += bool(step("import-linter", [str(BIN / "lint-imports")]))
    with tempfile.TemporaryDirectory() as data_dir:
        failures += bool(
            step(
                "migrations up to date",
                [str(BIN / "mallops"), "makemigrations", "--check", "--dry-run"],
                env={"MALLOPS_DATA_DIR": data_dir},
            )
        )
    return failures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only-static", action="store_true")
    parser.add_argument("--skip-static", action="store_true")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    started = time.monotonic()
    failures = 0
    if not args.skip_static:
        failures += static_checks()
    if args.only_static:
        return report(failures, started)

    chromium = servers.chromium()
    if chromium is None and CI:
        print("Chromium could not be installed; browser tests cannot run (CI=true: failing).")
        failures += 1
    base_env = {"MALLOPS_CHROMIUM": chromium or "", "PYTHONHASHSEED": "0"}
    workers = os.environ.get("MALLOPS_TEST_WORKERS", "2")
    # the 40 slowest tests of each pass are listed at its end: where to look when the suite grows
    pytest = [
        str(BIN / "pytest"),
        "-n",
        workers,
        "-q",
        "-p",
        "no:randomly",
        "--durations=40",
        *args.pytest_args,
    ]

    with ExitStack() as stack:
        redis_url = ""
        try:
            redis_url = stack.enter_context(servers.redis())
        except Exception as exc:
            print(f"Redis unavailable: {exc}")
            if CI:
                failures += 1
        redis_cluster_url = ""
        try:
            redis_cluster_url = stack.enter_context(servers.redis_cluster())
        except Exception as exc:
            print(f"Redis Cluster unavailable: {exc}")
            if CI:
                failures += 1
        with tempfile.TemporaryDirectory() as data_dir:
            env = {
                **base_env,
                "MALLOPS_DATA_DIR": data_dir,
                "MALLOPS_TEST_REDIS_URL": redis_url,
                "MALLOPS_TEST_REDIS_CLUSTER_URL": redis_cluster_url,
                "MALLOPS_TRACE_RUN": "sqlite",
                "MALLOPS_TRACE_DIR": str(ROOT / "var" / "trace"),
            }
            failures += bool(step("pytest on SQLite", [*pytest, "-m", "not postgres_only"], env=env))
        if not args.sqlite_only:
            if servers.pgbackrest() is None and CI:
                print("pgbackrest could not be installed; the point-in-time restore test will fail.")
            try:
                database_url = stack.enter_context(servers.postgres())
            except Exception as exc:
                print(f"PostgreSQL unavailable: {exc}")
                failures += 1
                database_url = ""
            if database_url:
                with tempfile.TemporaryDirectory() as data_dir:
                    env = {
                        **base_env,
                        "MALLOPS_DATA_DIR": data_dir,
                        "DATABASE_URL": database_url,
                        "MALLOPS_TEST_REDIS_URL": redis_url,
                        "MALLOPS_TEST_REDIS_CLUSTER_URL": redis_cluster_url,
                        "MALLOPS_TRACE_RUN": "postgres",
                        "MALLOPS_TRACE_DIR": str(ROOT / "var" / "trace"),
                    }
                    failures += bool(step("pytest on PostgreSQL 15", pytest, env=env))
    return report(failures, started)


def report(failures: int, started: float) -> int:
    print("\n=== summary")
    for name, seconds, code in TIMINGS:
        print(f"  {'ok  ' if code == 0 else 'FAIL'} {name:28} {seconds:7.1f} s")
    print(f"  total {time.monotonic() - started:.0f} s; {failures} failing step(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
