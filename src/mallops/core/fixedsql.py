"""Reads whose SQL is compiled once per process (per database connection), then run with each call's values.

The ORM builds and compiles a queryset on every call: for a page of 50 orders that is about as much CPU as
SQLite takes to run the three statements. A read whose *shape* never changes (the same tables, columns,
filters and ordering; only the values differ) can be compiled once. ``FixedQuery(build)`` calls ``build``
with marker values on first use, compiles the queryset with the database's own compiler, finds where each
marker landed among the parameters, and from then on executes that SQL with the call's values and applies
the converters the ORM would (datetimes, JSON, booleans). Nothing is cached but SQL text: every call reads
the current rows.

The builder stays the one place that states the filters, the tenant filter included (``for_merchant``
goes through the same scoped manager, which fails closed when a merchant-owned model is read unscoped).
A value that does not reach the SQL (a filter the builder left out) is an error at first use, never a
wider read. Values are ``int`` or ``str`` (passed to the driver as they are, as the ORM does), or a list
of them for ``__in`` (one compiled statement per list length; a page is at most ``pagination.MAX_LIMIT``).

``json_datetimes=True`` is for reads whose rows go straight into a JSON response (the API lists): datetime
columns come back as the text the API's encoder writes for them (``DjangoJSONEncoder``: ISO 8601,
milliseconds, ``Z`` for UTC) instead of aware ``datetime`` objects, so no value is made aware and then
handed to the encoder's ``default`` one by one (about a third of a ticket page's CPU).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime

Value = int | str
_INT_MARKER = 7_340_000_001  # far above any id of ours; each marker is this plus its index
_STR_MARKER = "\u27e6fixed-sql-marker-{}\u27e7"
_CACHE_ATTR = "_mallops_fixed_sql"
MAX_COMPILED = 256
"""Statements kept per connection at most (then it starts over): one per builder, shape and list length."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, int], ...]  # (parameter position, argument name, index in a list argument)
    names: tuple[str, ...]
    compiler: Any
    converters: Any


class FixedQuery:
    """A ``.values()`` read compiled once per connection; ``rows(**values)`` runs it.

    ``build(**markers)`` must return a ``.values(...)`` queryset, unsliced; ``rows(limit=, offset=)`` pages
    it (``LIMIT``/``OFFSET`` as parameters, appended after the ``ORDER BY``); ``count(**values)`` is
    ``SELECT COUNT(*)`` over the same filters. ``shape`` names the builder's variants (e.g. with or without
    a status filter) when ``build`` branches on something other than a value.
    """

    def __init__(
        self, name: str, build: Callable[..., QuerySet[Any]], *, json_datetimes: bool = False
    ) -> None:
        self.name = name
        self.build = build
        self.json_datetimes = json_datetimes

    def rows(
        self,
        *,
        shape: Sequence[Value] = (),
        limit: int | None = None,
        offset: int = 0,
        using: str = DEFAULT_DB_ALIAS,
        **values: Value | Sequence[Value],
    ) -> list[dict[str, Any]]:
        compiled = self._compiled("rows", tuple(shape), values, using)
        sql, params = compiled.sql, self._params(compiled, values)
        if limit is not None:
            sql, params = f"{sql} LIMIT %s OFFSET %s", [*params, int(limit), int(offset)]
        with connections[using].cursor() as cursor:
            cursor.execute(sql, params)
            found: Any = cursor.fetchall()
        if compiled.converters:
            found = compiled.compiler.apply_converters(found, compiled.converters)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in found]

    def count(
        self, *, shape: Sequence[Value] = (), using: str = DEFAULT_DB_ALIAS, **values: Value | Sequence[Value]
    ) -> int:
        compiled = self._compiled("count", tuple(shape), values, using)
        with connections[using].cursor() as cursor:
            cursor.execute(compiled.sql, self._params(compiled, values))
            row = cursor.fetchone()
        return int(row[0])

    # ------------------------------------------------------------------ compiling once

    def _compiled(
        self, kind: str, shape: tuple[Value, ...], values: dict[str, Value | Sequence[Value]], using: str
    ) -> _Compiled:
        lengths = tuple(
            (name, len(value)) for name, value in sorted(values.items()) if not isinstance(value, (int, str))
        )
        key = (self.name, id(self.build), kind, shape, tuple(sorted(values)), lengths)
        connection = connections[using]
        cache: dict[Any, _Compiled] = connection.__dict__.setdefault(_CACHE_ATTR, {})
        compiled = cache.get(key)
        if compiled is None:
            if len(cache) >= MAX_COMPILED:  # list lengths a visitor chooses (search matches) must not grow it
                cache.clear()
            compiled = cache[key] = self._compile(kind, shape, values, using)
        return compiled

    def _compile(
        self, kind: str, shape: tuple[Value, ...], values: dict[str, Value | Sequence[Value]], using: str
    ) -> _Compiled:
        markers: dict[str, Any] = {}
        where: dict[Any, tuple[str, int]] = {}
        for name, value in values.items():
            if isinstance(value, (int, str)):
                markers[name] = _marker(value, len(where))
                where[markers[name]] = (name, -1)
            else:
                items = []
                for index, item in enumerate(value):
                    items.append(_marker(item, len(where)))
                    where[items[-1]] = (name, index)
                markers[name] = items
        queryset = self.build(*shape, **markers) if shape else self.build(**markers)
        check_scope = getattr(queryset, "_check_scope", None)
        if check_scope is not None:
            check_scope()  # a merchant-owned model read without a scope fails here, as the ORM would
        if queryset.query.is_sliced:
            raise ValueError(f"{self.name}: the builder must not slice (rows() pages)")
        query = queryset.query
        if query.selected:  # as the ORM's ValuesIterable names the columns
            names = tuple(query.selected)
        else:
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
        if kind == "count":
            inner = queryset.order_by().values("pk").query
            inner_sql, params = inner.get_compiler(using).as_sql()
            sql = f"SELECT COUNT(*) FROM ({inner_sql}) fixed_count"  # the inner SQL is the ORM's own
            compiler, converters = None, []
        else:
            if not names:
                raise ValueError(f"{self.name}: the builder must return a .values(...) queryset")
            compiler = query.get_compiler(using)
            sql, params = compiler.as_sql()
            columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
            converters = compiler.get_converters(columns)
            if self.json_datetimes:
                for index, column in enumerate(columns):
                    if column.output_field.get_internal_type() == "DateTimeField":
                        converters[index] = ([_datetime_json], column)
        slots, seen = [], set()
        for position, param in enumerate(params):
            if isinstance(param, (int, str)) and param in where:
                slots.append((position, *where[param]))
                seen.add(param)
        if len(seen) < len(where):
            missing = sorted({name for marker, (name, _) in where.items() if marker not in seen})
            raise ValueError(f"{self.name}: {', '.join(missing)} did not reach the SQL")
        return _Compiled(sql, tuple(params), tuple(slots), names, compiler, converters)

    @staticmethod
    def _params(compiled: _Compiled, values: dict[str, Value | Sequence[Value]]) -> list[Any]:
        params = list(compiled.params)
        for position, name, index in compiled.slots:
            value = values[name]
            item = value if index < 0 else value[index]  # type: ignore[index]
            if not isinstance(item, (int, str)) or isinstance(item, bool):
                raise TypeError(f"{name}: a fixed read takes int or str values, not {type(item).__name__}")
            params[position] = item
        return params


_ENCODER = DjangoJSONEncoder()


def _datetime_json(value: Any, expression: Any, connection: Any) -> str | None:
    """A datetime column's value as the API's JSON encoder writes it (the ORM's converter, then the
    encoder's ``default``, in one step)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(value)
    if value.tzinfo is None:  # SQLite: stored in the connection's zone (None without USE_TZ: kept naive)
        zone = connection.timezone
        if zone is UTC:
            # what the encoder writes for the aware value: milliseconds, "Z" for "+00:00"
            text: str = value.isoformat()
            return (text[:23] if value.microsecond else text) + "Z"
        if zone is not None:
            value = value.replace(tzinfo=zone)
    encoded: str = _ENCODER.default(value)
    return encoded


def _marker(example: Value, index: int) -> Value:
    if isinstance(example, bool) or not isinstance(example, (int, str)):
        raise TypeError(f"a fixed read takes int or str values, not {type(example).__name__}")
    return _INT_MARKER + index if isinstance(example, int) else _STR_MARKER.format(index)
