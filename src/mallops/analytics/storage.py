"""The event store as the Django side sees it: one store per process and thread, at a configured path.

``settings.ANALYTICS_STORE_DIR`` (optional) overrides the default ``${MALLOPS_DATA_DIR}/analytics`` that the
CLI also uses. The Django side opens the store with a policy that drops the personal properties declared
for dropping and leaves hashing to :mod:`mallops.analytics.personal` (blind index, R3.1.2).
"""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from mallops.analytics.personal import STORE_POLICY
from mallops.analytics.store.store import EventStore

_local = threading.local()


def store_dir() -> Path:
    configured = getattr(settings, "ANALYTICS_STORE_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.DATA_DIR) / "analytics"


def get_store() -> EventStore:
    """The store of this thread (its spool holds a SQLite connection, which is per thread)."""
    path = store_dir()
    cached: dict[Path, EventStore] = getattr(_local, "stores", None) or {}
    _local.stores = cached
    store = cached.get(path)
    if store is None:
        store = EventStore(path, policy=STORE_POLICY)
        cached[path] = store
    return store


def reset_stores() -> None:
    """Close this thread's stores (tests switch directories)."""
    cached: dict[Path, EventStore] = getattr(_local, "stores", None) or {}
    for store in cached.values():
        store.close()
    _local.stores = {}
