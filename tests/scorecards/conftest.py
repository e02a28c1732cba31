from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mallops.analytics.storage import reset_stores


@pytest.fixture(autouse=True)
def _analytics_store(settings: Any, tmp_path: Path) -> Iterator[None]:
    settings.DATA_DIR = tmp_path
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    yield
    reset_stores()
