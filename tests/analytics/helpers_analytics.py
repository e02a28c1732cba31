"""Shared helpers for the analytics tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import chdb

from mallops.analytics.store.events import format_timestamp
from mallops.analytics.store.queries import clickhouse_file_source
from mallops.analytics.store.store import EventStore

ROOT = Path(__file__).resolve().parents[2]
RUNNER = "import sys; from mallops.analytics.cli import main; sys.exit(main(sys.argv[1:]))"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-c", RUNNER, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )


def stamp(ts_us: int, offset_minutes: int = 0) -> str:
    """RFC 3339 text of an instant written in the given UTC offset (microseconds always shown)."""
    if offset_minutes == 0:
        return format_timestamp(ts_us)
    zone = timezone(timedelta(minutes=offset_minutes))
    return (EPOCH + timedelta(microseconds=ts_us)).astimezone(zone).isoformat(timespec="microseconds")


def write_ndjson(path: Path, events: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


def chdb_rows(sql: str) -> list[tuple[int, ...]]:
    text = chdb.query(sql, "CSV").data().strip()
    return [tuple(int(value) for value in line.split(",")) for line in text.splitlines()] if text else []


def clickhouse_source(store: EventStore) -> str | None:
    files = [str(path) for path in store.live_files()]
    return clickhouse_file_source(files) if files else None
