"""One business transaction: the block a request or a job commits, with the scopes upper layers add.

``core`` sits below every app and imports none, yet the transactions it opens itself (the idempotency
middleware's, around a whole request) must follow the audit app's lock-order rule: audit events are
chained when the outermost block ends, so the chain head is the last lock before the commit
(docs/performance.md). The audit app registers its ``audited`` block here when it loads
(``AuditConfig.ready``); ``business_transaction()`` opens the transaction through the registered scopes.

A scope is a context-manager factory that opens (or joins) a transaction itself, like
``transaction.atomic``; without any registered scope ``business_transaction()`` is
``transaction.atomic()``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

from django.db import transaction

Scope = Callable[[], AbstractContextManager[None]]

_SCOPES: list[Scope] = []


def register_scope(scope: Scope) -> None:
    """Add ``scope`` to every business transaction (once; called from an app's ``ready``)."""
    if scope not in _SCOPES:
        _SCOPES.append(scope)


@contextmanager
def business_transaction() -> Iterator[None]:
    """``transaction.atomic()`` entered through the registered scopes (outermost first)."""
    if not _SCOPES:
        with transaction.atomic():
            yield
        return
    with ExitStack() as stack:
        for scope in _SCOPES:
            stack.enter_context(scope())
        yield
