"""The requirement catalogue (docs/requirements.md): ids like ``R5.1.2`` with their text."""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

REQ_LINE = re.compile(r"^- (R\d+\.\d+\.\d+) (.*)$")


def catalogue_path() -> Path:
    override = os.environ.get("MALLOPS_REQUIREMENTS")
    if override:
        return Path(override)
    return Path(__file__).resolve().parents[3] / "docs" / "requirements.md"


@cache
def load_catalogue(path: str | None = None) -> dict[str, str]:
    """Ids in document order, each with the first line of its text."""
    source = Path(path) if path else catalogue_path()
    ids: dict[str, str] = {}
    for line in source.read_text(encoding="utf-8").splitlines():
        match = REQ_LINE.match(line)
        if match:
            ids[match.group(1)] = match.group(2).strip()
    return ids
