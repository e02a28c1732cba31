"""Collection: the `mallops analytics ingest` contract, deduplication, spool, personal data, channels."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from helpers_analytics import run_cli, write_ndjson

from mallops.analytics import EventStore, PersonalDataPolicy, channel_of, ingest_events, parse_timestamp
from mallops.analytics.store.events import EventError
from mallops.analytics.store.ingest import MAX_REPORTED_ERRORS


def event(
    uuid: str, name: str = "view", user: str = "u1", ts: str = "2025-03-01T10:00:00+08:00", **extra: object
):
    return {"uuid": uuid, "event": name, "distinct_id": user, "timestamp": ts, **extra}


def stored(store_dir: Path) -> list[tuple[str, str, str, int, str, str]]:
    files = [str(path) for path in sorted((store_dir / "events").glob("date=*/part-*.parquet"))]
    if not files:
        return []
    return (
        duckdb.connect()
        .execute(
            "SELECT uuid, event, distinct_id, ts_us, channel, properties FROM read_parquet(?) ORDER BY uuid",
            [files],
        )
        .fetchall()
    )


@pytest.mark.req("R3.1.1")
def test_cli_ingest_counts_rejections_with_line_numbers_and_keeps_valid_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(event("a", ts="2025-03-01T10:00:00.123456+08:00")),  # 1 ok
        "",  # 2 empty
        "   ",  # 3 blank counts as empty
        "[1, 2]",  # 4 not an object
        "{not json",  # 5 not JSON
        json.dumps({"event": "view", "distinct_id": "u1", "timestamp": "2025-03-01T10:00:00Z"}),  # 6 no uuid
        json.dumps({"uuid": "b", "distinct_id": "u1", "timestamp": "2025-03-01T10:00:00Z"}),  # 7 no event
        json.dumps({"uuid": "c", "event": "view", "timestamp": "2025-03-01T10:00:00Z"}),  # 8 no distinct_id
        json.dumps({"uuid": "d", "event": "view", "distinct_id": "u1"}),  # 9 no timestamp
        json.dumps(event("e", ts="2025-03-01T10:00:00")),  # 10 no offset
        json.dumps(event("f", ts="2025-03-01 10:00:00Z")),  # 11 space instead of T
        json.dumps(event("g", ts="2025-02-30T10:00:00Z")),  # 12 no such day
        json.dumps(event("h", ts="2025-03-01T10:00:00.1234567Z")),  # 13 more than microseconds
        json.dumps(event("a", name="other")),  # 14 duplicate of line 1, different content
        json.dumps(event("i", ts="2025-03-01T02:00:00.5Z", extra_key=1)),  # 15 ok, extra key allowed
        json.dumps(event("j", ts="2025-03-01T10:00:00-05:30")),  # 16 ok, no trailing newline
    ]
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(lines), encoding="utf-8")

    result = run_cli("ingest", "--store", str(tmp_path / "store"), str(source))

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["ingested"], report["duplicates"], report["rejected"]) == (3, 1, 12)
    assert [error["line"] for error in report["errors"]] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert all(isinstance(error["msg"], str) and error["msg"] for error in report["errors"])
    rows = stored(tmp_path / "store")
    assert [(row[0], row[1], row[3]) for row in rows] == [
        ("a", "view", parse_timestamp("2025-03-01T02:00:00.123456Z")),
        ("i", "view", parse_timestamp("2025-03-01T02:00:00.500000Z")),
        ("j", "view", parse_timestamp("2025-03-01T15:30:00Z")),
    ]


@pytest.mark.req("R3.1.1")
def test_cli_ingest_first_uuid_wins_across_ingests_and_caps_errors(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    first = write_ndjson(tmp_path / "one.ndjson", [event("a", user="first"), event("b")])
    second_lines = [json.dumps(event("a", user="second")), json.dumps(event("c"))]
    second_lines += ["oops"] * (MAX_REPORTED_ERRORS + 5)
    second = tmp_path / "two.ndjson"
    second.write_text("\n".join(second_lines) + "\n", encoding="utf-8")

    one = json.loads(run_cli("ingest", str(first), "--store", store).stdout)
    two = json.loads(run_cli("ingest", "--store", store, str(second)).stdout)

    assert one == {"ingested": 2, "duplicates": 0, "rejected": 0, "errors": []}
    assert (two["ingested"], two["duplicates"], two["rejected"]) == (1, 1, MAX_REPORTED_ERRORS + 5)
    assert [error["line"] for error in two["errors"]] == list(range(3, 3 + MAX_REPORTED_ERRORS))
    assert [(row[0], row[2]) for row in stored(tmp_path / "store")] == [
        ("a", "first"),
        ("b", "u1"),
        ("c", "u1"),
    ]


@pytest.mark.req("R3.1.1")
def test_cli_ingest_unreadable_file_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    result = run_cli("ingest", "--store", str(tmp_path / "store"), str(tmp_path / "missing.ndjson"))
    directory = run_cli("ingest", "--store", str(tmp_path / "store"), str(tmp_path))

    assert (result.returncode, result.stdout) == (2, "")
    assert (directory.returncode, directory.stdout) == (2, "")
    assert stored(tmp_path / "store") == []


@pytest.mark.req("R3.1.1")
def test_ingest_events_spools_durably_before_load_and_load_is_idempotent(tmp_path: Path) -> None:
    with EventStore(tmp_path) as store:
        result = ingest_events(
            store, [event("a"), event("a"), event("b", ts="2025-03-02T10:00:00+08:00"), {}]
        )
        assert (result.ingested, result.duplicates, result.rejected) == (2, 1, 1)
        assert [error.line for error in result.errors] == [4]
        assert store.spool.spooled_count() == 2
        assert stored(tmp_path) == []
        # a crash after the load wrote its parts but before it cleared the spool: the load is redone
        through = store.spool.begin_load()
        assert through is not None
    with EventStore(tmp_path) as store:
        assert store.spool.pending_load() == through
        assert store.load() == 2
        assert store.load() == 0
        assert store.spool.spooled_count() == 0
        again = ingest_events(store, [event("a"), event("b")])
        assert (again.ingested, again.duplicates) == (0, 2)
    assert [row[0] for row in stored(tmp_path)] == ["a", "b"]


@pytest.mark.req("R3.1.1")
def test_compaction_merges_parts_per_day_sorted_and_keeps_every_event(tmp_path: Path) -> None:
    with EventStore(tmp_path) as store:
        for index in range(4):
            ingest_events(
                store, [event(f"e{index}", user=f"u{3 - index}", ts=f"2025-03-01T1{index}:00:00+08:00")]
            )
            store.load()
        ingest_events(store, [event("other-day", ts="2025-03-05T10:00:00+08:00")])
        store.load()
        assert len(store.live_files()) == 5

        result = store.compact()

        assert (result.days_compacted, result.files_removed) == (1, 4)
        files = store.live_files()
        assert [path.name for path in files] == ["part-000000000004-c.parquet", "part-000000000005.parquet"]
        query = "SELECT user_num, distinct_id FROM read_parquet(?)"
        users = duckdb.connect().execute(query, [str(files[0])]).fetchall()
        assert users == [(1, "u3"), (2, "u2"), (3, "u1"), (4, "u0")]  # sorted by user number
        ingest_events(store, [event("late", ts="2025-03-01T23:00:00+08:00")])
        store.load()
        assert len(store.live_files("2025-03-01", "2025-03-01")) == 2
    assert sorted(row[0] for row in stored(tmp_path)) == ["e0", "e1", "e2", "e3", "late", "other-day"]


@pytest.mark.req("R3.1.2")
def test_personal_properties_are_dropped_or_hashed_before_storage(tmp_path: Path) -> None:
    properties = {
        "phone": "13800138000",
        "Email": "li@example.cn",
        "id_card": "110101199003074514",
        "address": "北京市朝阳区",
        "sku": "A1",
        "buyer": {"real_name": "李雷", "mobile": "13900139000", "level": 3},
    }
    with EventStore(tmp_path) as store:
        ingest_events(
            store,
            [event("a", properties=properties), event("b", user="u2", properties={"phone": "13800138000"})],
        )
        store.load()
    rows = stored(tmp_path)
    first, second = (json.loads(row[5]) for row in rows)
    assert set(first) == {"phone", "Email", "sku", "buyer"}
    assert first["sku"] == "A1"
    assert first["buyer"]["level"] == 3 and "real_name" not in first["buyer"]
    for value in (first["phone"], first["Email"], first["buyer"]["mobile"]):
        assert value.startswith("hmac:") and len(value) == 5 + 64
    assert "13800138000" not in rows[0][5] + rows[1][5]
    assert first["phone"] == second["phone"]  # equal values still match, so distinct counts work


@pytest.mark.req("R3.1.2")
def test_declared_policy_file_replaces_the_default(tmp_path: Path) -> None:
    (tmp_path / "personal_properties.json").write_text('{"drop": ["sku"], "hash": []}', encoding="utf-8")
    with EventStore(tmp_path) as store:
        assert store.property_filter.policy == PersonalDataPolicy(drop=frozenset({"sku"}), hash=frozenset())
        ingest_events(store, [event("a", properties={"sku": "A1", "phone": "1"})])
        store.load()
    assert json.loads(stored(tmp_path)[0][5]) == {"phone": "1"}


@pytest.mark.req("R3.1.1")
@pytest.mark.parametrize(
    ("properties", "channel"),
    [
        ({}, "direct"),
        ({"utm_source": "WeChat", "utm_medium": "social"}, "wechat/social"),
        ({"utm_source": "baidu", "utm_medium": "cpc", "utm_campaign": "618"}, "baidu/paid"),
        ({"utm_source": "douyin"}, "douyin/referral"),
        ({"utm_medium": "email"}, "direct"),
    ],
)
def test_utm_parameters_become_the_channel(properties: dict[str, str], channel: str) -> None:
    assert channel_of(properties) == channel


@pytest.mark.req("R3.1.1")
@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T08:00:00+08:00", 0),
        ("1969-12-31T23:59:59.999999Z", -1),
        ("2024-02-29T23:59:59.5-00:30", 1_709_252_999_500_000),
    ],
)
def test_timestamps_keep_microseconds_and_apply_the_offset(text: str, micros: int) -> None:
    assert parse_timestamp(text) == micros


@pytest.mark.req("R3.1.1")
@pytest.mark.parametrize(
    "text",
    [
        "2025-03-01T10:00:00",
        "2025-13-01T10:00:00Z",
        "2025-03-01T24:00:00Z",
        "2025-03-01T10:00:00+24:00",
        "2025-03-01T10:00:00.Z",
        "2025-03-01t10:00:00Z",
        "20250301T100000Z",
        "2025-03-01T10:00:00+0800",
    ],
)
def test_timestamps_without_rfc3339_offset_form_are_rejected(text: str) -> None:
    with pytest.raises(EventError):
        parse_timestamp(text)
