"""Fixtures and helpers shared by the test_analytics_django_* files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from mallops.analytics.storage import get_store, reset_stores
from mallops.analytics.store.store import EventStore

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Iterator[EventStore]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    yield get_store()
    reset_stores()


def ev(uid: str, event: str, who: str, minutes: float, **properties: Any) -> dict[str, Any]:
    moment = T0 + timedelta(minutes=minutes)
    return {
        "uuid": uid,
        "event": event,
        "distinct_id": who,
        "timestamp": moment.isoformat(),
        "properties": properties,
    }


def iso(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()
