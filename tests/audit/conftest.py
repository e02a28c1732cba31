"""Each audit test writes its anchors to a file of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "audit-anchors.jsonl"
    settings.MALLOPS = {**settings.MALLOPS, "AUDIT_ANCHOR_FILE": str(path)}
    return path
