"""Fixtures of the product-review tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mallops.analytics.storage import get_store, reset_stores
from mallops.analytics.store.store import EventStore


@pytest.fixture
def events(settings: Any, tmp_path: Path) -> Iterator[EventStore]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    yield get_store()
    reset_stores()
