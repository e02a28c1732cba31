"""The self-inspection reads the apps it screens only through selectors they register (ADR 0006)."""

from __future__ import annotations

import pytest

from mallops.compliance import sources


def test_every_source_is_registered_by_its_owner() -> None:
    assert sources.registered_sources() == frozenset(sources.SOURCES)


def test_an_unknown_source_is_refused() -> None:
    with pytest.raises(ValueError):
        sources.register_source("live_banner_texts", lambda: [])
