"""Suite-wide fixtures. Servers come from scripts/run_tests.py (``make test``) through the environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from mallops.testing.client import ApiClient
from mallops.testing.seeds import reseed

pytest_plugins = ["mallops.testing.pytest_req"]

CI = os.environ.get("CI", "").lower() == "true"


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


_DB_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def _uses_database(item: pytest.Item) -> bool:
    return bool(item.get_closest_marker("django_db")) or bool(
        _DB_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests that need a server not configured in this run are deselected, not skipped: `make test`
    # runs them in the pass that has the server and fails the run when a server cannot start.
    # The PostgreSQL pass runs only tests that touch the database: a test without database access
    # (pure engines, parsers, Hypothesis against an oracle) cannot behave differently there, and
    # running it twice only costs time (README, "make test"). Browser journeys drive the same templates
    # and services on both backends; the PostgreSQL pass keeps only those marked browser_on_postgres.
    keep, drop = [], []
    redis_url = os.environ.get("MALLOPS_TEST_REDIS_URL", "")
    for item in items:
        if (
            (item.get_closest_marker("postgres_only") and not _on_postgres())
            or (item.get_closest_marker("sqlite_only") and _on_postgres())
            or (_on_postgres() and not _uses_database(item))
            or (
                _on_postgres()
                and item.get_closest_marker("browser")
                and not item.get_closest_marker("browser_on_postgres")
            )
        ) or (item.get_closest_marker("redis") and not _redis_configured(item, redis_url) and not CI):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _redis_configured(item: pytest.Item, redis_url: str) -> bool:
    if "redis_cluster_url" in getattr(item, "fixturenames", ()):
        return bool(os.environ.get("MALLOPS_TEST_REDIS_CLUSTER_URL", ""))
    return bool(redis_url)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 at production strength costs ~0.3 s per check; tests only need the behaviour
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_risk_engine() -> Iterator[None]:
    # the risk engine lives in process memory; a rolled-back test's events (and reused ids) must not
    # link the next test's buyers
    from mallops.risk.services import reset_engine

    reset_engine()
    yield
    reset_engine()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def redis_url(worker_id: str) -> str:
    url = os.environ.get("MALLOPS_TEST_REDIS_URL", "")
    if not url:
        pytest.fail("Redis is required (MALLOPS_TEST_REDIS_URL unset; run through `make test`)")
    if worker_id.startswith("gw"):
        # one database per xdist worker: Redis fixtures flush theirs, which must not wipe the keys of a
        # test running in another worker at the same time
        from urllib.parse import urlsplit

        url = urlsplit(url)._replace(path=f"/{1 + int(worker_id[2:]) % 15}").geturl()
    return url


@pytest.fixture
def redis_cluster_url() -> str:
    """A three-primary Redis Cluster (``scripts/servers.py``), shared by the xdist workers (it has one
    database: a test deletes only the keys it wrote)."""
    url = os.environ.get("MALLOPS_TEST_REDIS_CLUSTER_URL", "")
    if not url:
        pytest.fail(
            "Redis Cluster is required (MALLOPS_TEST_REDIS_CLUSTER_URL unset; run through `make test`)"
        )
    return url


@pytest.fixture
def chromium_path() -> str:
    path = os.environ.get("MALLOPS_CHROMIUM", "")
    if not path:
        import shutil

        path = shutil.which("chromium") or ""
    if not path:
        pytest.fail("Chromium is required for browser tests (apt-get install chromium; `make test` does it)")
    return path


@pytest.fixture
def api() -> Iterator[ApiClient]:
    yield ApiClient()


@pytest.fixture
def seeded_rows() -> None:
    """Re-run the idempotent data migrations: a transactional test's flush empties their tables.

    (``serialized_rollback`` would do the same but collides with content types that post_migrate
    recreates after each flush.)
    """
    reseed()


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A data directory migrated once per test run on the embedded default (SQLite, no servers).

    The xdist workers share it (it is only ever copied): the first that needs it migrates under a lock
    in their common temporary directory, a later one copies it (~28 s of CPU each it saves)."""
    if worker_id == "master":
        return _migrate_into(tmp_path_factory.mktemp("migrated-data-dir"))
    import fcntl

    shared = tmp_path_factory.getbasetemp().parent
    template, done = shared / "migrated-data-dir", shared / "migrated-data-dir.done"
    with (shared / "migrated-data-dir.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(template, ignore_errors=True)  # a worker that died half-way
            template.mkdir()
            _migrate_into(template)
            done.touch()
    return template


def _migrate_into(template: Path) -> Path:
    root = Path(__file__).resolve().parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        MALLOPS_DATA_DIR=str(template),
        PYTHONPATH=str(root / "src"),
        DJANGO_SETTINGS_MODULE="mallops.settings",
    )
    command = [sys.executable, "-m", "mallops", "migrate", "-v", "0"]
    subprocess.run(command, env=env, check=True, cwd=root, timeout=600)
    return template


@pytest.fixture
def migrated_data_dir(_migrated_template: Path) -> Callable[[Path], Path]:
    """Lay a freshly migrated data directory (database, secret key, key ring) into a directory: what
    ``mallops migrate`` on an empty one makes, copied from one migration per test run (~28 s of CPU) for
    the tests that start the real commands (serve, worker)."""

    def lay(target: Path) -> Path:
        shutil.copytree(_migrated_template, target, dirs_exist_ok=True)
        return target

    return lay
