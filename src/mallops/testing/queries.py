"""Query budgets for tests (after Zulip's ``assert_database_query_count``).

    with query_budget(4):              # exactly 4 queries
        client.get_json("/api/v1/merchant/orders")
    with query_budget(at_most=12):     # no more than 12
        checkout_create(...)

On failure the message lists every captured statement, numbered, so a new N+1 is visible at once. The
count comes from an execute wrapper on the connection (not from ``connection.queries``), so it holds
with DEBUG off and across a connection that is closed and reopened inside the block.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections


@dataclass
class CapturedQueries:
    """The statements run inside a ``count_queries`` block (SQL text only, parameters left out)."""

    statements: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.statements)

    def report(self, limit: int = 4000) -> str:
        lines = [f"{n:>3}. {sql}" for n, sql in enumerate(self.statements, 1)]
        text = "\n".join(lines)
        return text if len(text) <= limit else text[:limit] + "\n     ..."


@contextmanager
def count_queries(using: str = DEFAULT_DB_ALIAS) -> Iterator[CapturedQueries]:
    """Capture the SQL statements run on ``using`` inside the block."""
    captured = CapturedQueries()

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.statements.append(sql)
        return execute(sql, params, many, context)

    with connections[using].execute_wrapper(wrapper):
        yield captured


@contextmanager
def query_budget(
    exact: int | None = None, *, at_most: int | None = None, using: str = DEFAULT_DB_ALIAS
) -> Iterator[CapturedQueries]:
    """Fail unless the block runs exactly ``exact`` queries (or at most ``at_most``)."""
    if (exact is None) == (at_most is None):
        raise TypeError("give exactly one of exact or at_most")
    with count_queries(using) as captured:
        yield captured
    count = len(captured)
    if exact is not None and count != exact:
        raise AssertionError(f"expected {exact} queries, ran {count}:\n{captured.report()}")
    if at_most is not None and count > at_most:
        raise AssertionError(f"expected at most {at_most} queries, ran {count}:\n{captured.report()}")
