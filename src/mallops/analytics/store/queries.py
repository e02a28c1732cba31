"""SQL builders for the embedded engine (DuckDB over Parquet) and for ClickHouse.

One module builds both dialects from the same definitions; every builder takes the table expression
(``read_parquet([...])`` for DuckDB, a table name or ``file(...)`` for ClickHouse) and only reads the
columns ``event``, ``distinct_id``, ``user_num`` and ``ts_us`` (UTC microseconds).

Funnel definition (R3.2.4): a user reaches step k when there are *distinct* events e1..ek with
``ei.event == steps[i]``, ``t1 <= t2 <= ... <= tk``, ``from <= t1 < to`` and ``tk - t1 <= window``.
For a fixed first event the greedy choice (for each next step the earliest unused matching event at or
after the previous one) is optimal, so a user's level is the best over all admissible first events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .events import MICROS_PER_DAY, SHANGHAI_OFFSET_MICROS

INT64_MAX: Final = (1 << 63) - 1


@dataclass(frozen=True)
class FunnelSpec:
    steps: tuple[str, ...]
    window_us: int
    from_us: int
    to_us: int

    @property
    def names(self) -> tuple[str, ...]:
        """Distinct step names in order of first appearance; a step's code is its index here."""
        return tuple(dict.fromkeys(self.steps))

    @property
    def scan_end_us(self) -> int:
        """Exclusive upper bound of any event that can take part: ``to - 1 + window``, plus one."""
        return min(self.to_us - 1 + self.window_us, INT64_MAX - 1) + 1


@dataclass(frozen=True)
class RetentionSpec:
    start_event: str
    return_event: str
    periods: int
    from_us: int
    to_us: int


def sql_string(value: str) -> str:
    """A string literal valid in both DuckDB and ClickHouse (quotes doubled, backslashes escaped for CH)."""
    return "'" + value.replace("'", "''") + "'"


def clickhouse_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def duckdb_source(files: Sequence[str]) -> str:
    return "read_parquet([" + ", ".join(sql_string(path) for path in files) + "])"


def clickhouse_file_source(files: Sequence[str]) -> str:
    """The Parquet files as one ClickHouse table expression (used with chdb, which reads local files)."""
    selects = [f"SELECT * FROM file({clickhouse_string(path)}, Parquet)" for path in files]
    return "(" + " UNION ALL ".join(selects) + ")"


# --- funnel -------------------------------------------------------------------------------------------


def duckdb_funnel_scan(spec: FunnelSpec, source: str) -> str:
    """Rows ``(user_num, ts_us, code)`` of the step events that can take part, for the numpy pass."""
    names = spec.names
    cases = " ".join(f"WHEN {sql_string(name)} THEN {code}" for code, name in enumerate(names))
    return (
        f"SELECT user_num, ts_us, CAST(CASE event {cases} END AS UTINYINT) AS code FROM {source} "
        f"WHERE event IN ({', '.join(sql_string(name) for name in names)}) "
        f"AND ts_us >= {spec.from_us} AND ts_us < {spec.scan_end_us}"
    )


def _clickhouse_level(spec: FunnelSpec, step: int) -> str:
    """Level reached from the bound first event ``j1`` given ``j1..j{step-1}`` (1-based step index)."""
    count = len(spec.steps)
    if step > count:
        return f"toUInt8({count})"
    name = spec.steps[step - 1]
    code = spec.names.index(name) + 1
    previous_same = max((i for i in range(1, step) if spec.steps[i - 1] == name), default=0)
    after = f"j{previous_same}" if previous_same else "0"
    search = (
        f"arrayFirstIndex((c, t, k) -> c = {code} AND t >= tss[j{step - 1}] AND k > {after}, codes, tss, idx)"
    )
    return (
        f"arrayMap(j{step} -> if(j{step} = 0 OR tss[j{step}] - tss[j1] > {spec.window_us}, "
        f"toUInt8({step - 1}), {_clickhouse_level(spec, step + 1)}), [{search}])[1]"
    )


def clickhouse_funnel(spec: FunnelSpec, source: str) -> str:
    """One row with the number of users reaching each step (ClickHouse dialect).

    Per user the step events are collected into arrays sorted by time; every step-1 event in range is a
    candidate start, from which nested ``arrayFirstIndex`` calls take the greedy chain. Events of a
    repeated step name are kept distinct by searching after the position used for its previous step.
    ClickHouse's ``windowFunnel`` is not used because it lets one event match two steps with the same
    name and orders equal timestamps by step, which differs from the definition above.
    """
    names = spec.names
    first_code = 1
    counts = ", ".join(f"countIf(level >= {step})" for step in range(1, len(spec.steps) + 1))
    starts = f"arrayFilter(k -> codes[k] = {first_code} AND tss[k] >= {spec.from_us} AND tss[k] < {spec.to_us}, idx)"
    level = f"arrayMax(arrayPushFront(arrayMap(j1 -> {_clickhouse_level(spec, 2)}, {starts}), toUInt8(0)))"
    name_list = "[" + ", ".join(clickhouse_string(name) for name in names) + "]"
    return (
        f"SELECT {counts} FROM ("
        f"SELECT {level} AS level FROM ("
        f"SELECT distinct_id, arraySort(groupArray((ts_us, toUInt8(indexOf({name_list}, event))))) AS ev, "
        f"arrayMap(x -> x.2, ev) AS codes, arrayMap(x -> x.1, ev) AS tss, arrayEnumerate(ev) AS idx "
        f"FROM {source} WHERE event IN {name_list} "
        f"AND ts_us >= {spec.from_us} AND ts_us < {spec.scan_end_us} GROUP BY distinct_id))"
    )


# --- retention ----------------------------------------------------------------------------------------


def _local_day(column: str, dialect: str) -> str:
    """Asia/Shanghai day number of a UTC-microsecond column, flooring also before 1970."""
    shifted = f"({column} + {SHANGHAI_OFFSET_MICROS})"
    remainder = f"((({shifted} % {MICROS_PER_DAY}) + {MICROS_PER_DAY}) % {MICROS_PER_DAY})"
    if dialect == "clickhouse":
        return f"intDiv({shifted} - {remainder}, {MICROS_PER_DAY})"
    return f"(({shifted} - {remainder}) // {MICROS_PER_DAY})"


def retention_sql(spec: RetentionSpec, source: str, dialect: str) -> str:
    """Rows ``(cohort_day, period, users)``; period -1 carries the cohort size.

    A user's cohort is the local day of their first start event with ``from <= t < to``; period k counts
    the cohort's users with a return event at or after that first start event on local day cohort + k.
    """
    if dialect == "clickhouse":
        literal, count_all, distinct_users = clickhouse_string, "count()", "uniqExact(c.distinct_id)"
    elif dialect == "duckdb":
        literal, count_all, distinct_users = sql_string, "count(*)", "count(DISTINCT c.distinct_id)"
    else:
        raise ValueError(f"unknown dialect {dialect}")
    cohort_day = _local_day("t0", dialect)
    return_day = _local_day("r.ts_us", dialect)
    cohort_end = f"({cohort_day} + {spec.periods}) * {MICROS_PER_DAY} - {SHANGHAI_OFFSET_MICROS}"
    return (
        f"WITH firsts AS (SELECT distinct_id, min(ts_us) AS t0 FROM {source} "
        f"WHERE event = {literal(spec.start_event)} AND ts_us >= {spec.from_us} AND ts_us < {spec.to_us} "
        f"GROUP BY distinct_id), "
        f"cohorts AS (SELECT distinct_id, t0, {cohort_day} AS d0, {cohort_end} AS t_end FROM firsts), "
        f"returns AS (SELECT distinct_id, ts_us FROM {source} WHERE event = {literal(spec.return_event)} "
        f"AND ts_us >= {spec.from_us}) "
        f"SELECT d0, -1 AS period, {count_all} AS users FROM cohorts GROUP BY d0 "
        f"UNION ALL "
        f"SELECT c.d0 AS d0, {return_day} - c.d0 AS period, {distinct_users} AS users "
        f"FROM cohorts AS c INNER JOIN returns AS r ON r.distinct_id = c.distinct_id "
        f"WHERE r.ts_us >= c.t0 AND r.ts_us < c.t_end GROUP BY c.d0, period"
    )
