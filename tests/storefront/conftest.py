"""Fixtures of the storefront tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mallops.storefront import pagecache


@pytest.fixture(autouse=True)
def _fresh_category_tree() -> Iterator[None]:
    """The cached category tree has no database stamp (a category write drops it): a tree cached in an
    earlier test could still list that test's rolled-back categories."""
    pagecache.categories_changed()
    yield
    pagecache.categories_changed()
