"""Helpers for the ops tests. A real embedded installation in a temporary data dir, driven through the ``mallops`` command.

The suite's own database is in memory, which a file backup cannot copy; these tests therefore migrate a
SQLite file of their own, seed it (users with encrypted phones, audit events with an anchor, analytics
events loaded into Parquet, an uploaded file) and run ``mallops backup ...`` as an operator would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PASSPHRASE = "ops-test passphrase 0123456789"

SEED = r"""
import json, os, sys
from pathlib import Path
import django
django.setup()
from mallops.testing.factories import make_merchant
from mallops.audit.services import audit_record
from mallops.audit.anchors import anchor_write
from mallops.analytics.store.store import EventStore
from mallops.analytics.store.ingest import ingest_ndjson
data = Path(os.environ["MALLOPS_DATA_DIR"])
for i in range(3):
    merchant, _owner = make_merchant(f"备份测试店{i}")
    audit_record(actor=None, action="ops.test.seed", obj=merchant)
anchor_write(force=True)
audit_record(actor=None, action="ops.test.after_anchor", object_type="x", object_id="1")
events = data / "events.ndjson"
events.write_text("".join(
    json.dumps({"uuid": f"u{i}", "event": "view" if i % 2 else "cart", "distinct_id": f"b{i % 4}",
                "timestamp": "2026-12-01T08:00:%02dZ" % i}) + "\n" for i in range(10)))
store = EventStore(data / "analytics")
ingest_ndjson(store, events)
store.load()
store.close()
(data / "media" / "product-images").mkdir(parents=True)
(data / "media" / "product-images" / "p1.jpg").write_bytes(b"\xff\xd8\xff" + b"x" * 1000)
"""


@dataclass
class Install:
    data_dir: Path
    env: dict[str, str]

    def run(
        self, *args: str, extra: dict[str, str] | None = None, timeout: float = 180
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "mallops", *args],
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def sql(self, query: str) -> list[tuple[object, ...]]:
        import sqlite3

        conn = sqlite3.connect(self.data_dir / "mallops.sqlite3")
        try:
            return list(conn.execute(query))
        finally:
            conn.close()


def base_env(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CLICKHOUSE_URL",
            "MALLOPS_ENCRYPTION_KEYS",
            "MALLOPS_BLIND_INDEX_KEY",
        }
        and not k.startswith(("MALLOPS_BACKUP_", "PYTEST_"))
    }
    env.update(
        MALLOPS_DATA_DIR=str(data_dir),
        MALLOPS_BACKUP_PASSPHRASE=PASSPHRASE,
        DJANGO_SETTINGS_MODULE="mallops.settings",
        LOG_LEVEL="WARNING",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
