"""Consent withdrawal, erasure and retention reach events already stored (R3.1.2; PIPL Art. 15, 19, 47)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from django.utils import timezone
from dsr_helpers import POLICY_TEXT, PURPOSES, new_buyer

from mallops.accounts.actors import actor_of
from mallops.analytics.models import IdentityAlias
from mallops.analytics.services import events_ingest
from mallops.analytics.storage import get_store, reset_stores
from mallops.analytics.store.store import EventStore
from mallops.audit.models import AuditEvent
from mallops.dsr import cli
from mallops.dsr.consent import consent_change, policy_publish
from mallops.dsr.retention import retention_plan

pytestmark = pytest.mark.django_db

ANALYTICS = {
    "code": "analytics",
    "name": "统计分析",
    "scope": "设备与浏览信息",
    "retention": "十二个月",
    "legal_basis": "consent",
}


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Iterator[EventStore]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    yield get_store()
    reset_stores()


@pytest.fixture
def analytics_policy(officer: Any) -> Any:
    return policy_publish(
        actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=[*PURPOSES, ANALYTICS]
    )


def _event(uid: str, who: str, at: datetime | None = None, **properties: Any) -> dict[str, Any]:
    return {
        "uuid": uid,
        "event": "product_view",
        "distinct_id": who,
        "timestamp": (at or timezone.now()).isoformat(),
        "properties": properties,
    }


def _rows(store: EventStore) -> list[dict[str, Any]]:
    store.load()
    rows = [row for path in store.live_files() for row in pq.read_table(path).to_pylist()]
    return sorted(rows, key=lambda row: (json.loads(row["properties"]).get("spu", ""), row["ts_us"]))


@pytest.mark.req("R3.1.2")
def test_events_stored_with_consent_lose_the_person_when_it_is_withdrawn(
    analytics_policy: Any, store: EventStore, django_capture_on_commit_callbacks: Any
) -> None:
    buyer, other = new_buyer(), new_buyer()
    for person in (buyer, other):
        consent_change(actor=actor_of(person), purpose="analytics", action="grant")
    # given: a device event merged into the buyer by $identify, two of the buyer's own, one of another buyer
    events_ingest(events=[_event("d1", "dev-1", spu="SPU-0")])
    events_ingest(
        events=[
            {
                **_event("i1", buyer.username),
                "event": "$identify",
                "properties": {"$anon_distinct_id": "dev-1"},
            },
            _event("e1", buyer.username, order_id="O-1", spu="SPU-1"),
            _event("e2", other.username, order_id="O-9", spu="SPU-9"),
        ]
    )
    store.compact()
    before = _rows(store)
    events_ingest(events=[_event("e3", buyer.username, spu="SPU-3")])  # still in the spool
    assert IdentityAlias.objects.filter(alias_id="dev-1", distinct_id=buyer.username).exists()
    # when the buyer withdraws the analytics purpose
    with django_capture_on_commit_callbacks(execute=True):
        consent_change(actor=actor_of(buyer), purpose="analytics", action="withdraw")
    # then: no event names the buyer or their device; counts, names and the other buyer's event stay
    after = _rows(store)
    assert len(before) == 4 and len(after) == 5
    assert {r["distinct_id"] for r in after} & {buyer.username, "dev-1"} == set()
    mine = [r for r in after if r["distinct_id"].startswith("anon:")]
    assert len(mine) == 4 and len({r["distinct_id"] for r in mine}) == 4
    assert len({r["user_num"] for r in mine}) == 4  # the funnel cannot join them again
    assert all("order_id" not in json.loads(r["properties"]) for r in mine)
    assert sorted(json.loads(r["properties"]).get("spu", "") for r in mine) == ["", "SPU-0", "SPU-1", "SPU-3"]
    theirs = [r for r in after if r["distinct_id"] == other.username]
    assert theirs == [r for r in before if r["distinct_id"] == other.username]
    assert not IdentityAlias.objects.filter(distinct_id=buyer.username).exists()
    audit = AuditEvent.objects.get(action="analytics.events_deidentified")
    assert audit.object_id == str(buyer.pk) and audit.after == {"events": 4, "aliases": 1}


@pytest.mark.req("R3.1.2")
def test_the_retention_sweep_deletes_events_older_than_twelve_months_and_the_dry_run_changes_nothing(
    analytics_policy: Any, store: EventStore, capsys: Any
) -> None:
    now = timezone.now()
    old = [now - timedelta(days=400), now - timedelta(days=380)]
    events_ingest(
        events=[
            _event("o1", "dev-a", at=old[0], spu="SPU-1"),
            _event("o2", "dev-b", at=old[1], spu="SPU-2"),
            _event("o3", "dev-b", at=old[1] + timedelta(minutes=1), spu="SPU-3"),
            _event("n1", "dev-a", at=now - timedelta(days=300), spu="SPU-4"),
            _event("n2", "dev-c", at=now - timedelta(days=1), spu="SPU-5"),
        ]
    )
    store.load()
    files = sorted(p.name for p in store.events_dir.rglob("*"))
    # dry run: the rule, its period and the count; nothing changes
    line = next(x for x in retention_plan(now) if x.rule == "analytics.events")
    assert (line.count, line.period_days, line.action) == (3, 365, "delete")
    assert cli.main(["retention", "--dry-run"]) == 0
    assert "analytics.events: 3 would go (delete; period 365 days)" in capsys.readouterr().out
    assert sorted(p.name for p in store.events_dir.rglob("*")) == files
    assert len(_rows(store)) == 5
    # the real run deletes the old days only, once
    assert cli.main(["retention", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert next(r for r in report["rules"] if r["rule"] == "analytics.events")["done"] == 3
    assert [json.loads(r["properties"])["spu"] for r in _rows(store)] == ["SPU-4", "SPU-5"]
    assert next(x for x in retention_plan(now) if x.rule == "analytics.events").count == 0
    assert AuditEvent.objects.filter(action="dsr.retention", object_type="analytics.events").count() == 1


@pytest.mark.req("R3.1.2")
def test_an_erasure_request_de_identifies_the_events_before_the_account_is_renamed(
    analytics_policy: Any, store: EventStore, officer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from mallops.dsr.requests import request_complete
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    buyer = new_buyer()
    consent_change(actor=actor_of(buyer), purpose="analytics", action="grant")
    username = buyer.username
    events_ingest(events=[_event("e1", username, order_id="O-1", spu="SPU-1")])
    submitted = ApiClient(token_for(buyer)).post_json("/api/v1/me/data-requests", {"kind": "deletion"})
    assert submitted.status_code == 201, submitted.content
    with django_capture_on_commit_callbacks(execute=True):
        request_complete(actor=actor_of(officer), request_id=submitted.json()["id"])
    buyer.refresh_from_db()
    assert buyer.username == f"erased-{buyer.pk}"
    [row] = _rows(store)
    assert row["distinct_id"].startswith("anon:") and "order_id" not in json.loads(row["properties"])
    assert AuditEvent.objects.get(action="analytics.events_deidentified").after == {"events": 1, "aliases": 0}


def test_the_sweep_catches_up_a_withdrawal_whose_commit_step_did_not_run(
    analytics_policy: Any, store: EventStore
) -> None:
    buyer = new_buyer()
    consent_change(actor=actor_of(buyer), purpose="analytics", action="grant")
    events_ingest(events=[_event("e1", buyer.username, spu="SPU-1")])
    consent_change(
        actor=actor_of(buyer), purpose="analytics", action="withdraw"
    )  # on-commit step never runs here
    assert [r["distinct_id"] for r in _rows(store)] == [buyer.username]
    line = next(x for x in retention_plan(timezone.now()) if x.rule == "analytics.withdrawn")
    assert (line.count, line.sample, line.period_days) == (1, [f"buyer {buyer.pk}"], 0)
    assert [r["distinct_id"] for r in _rows(store)] == [buyer.username]  # the plan changed nothing
    assert cli.main(["retention"]) == 0
    assert _rows(store)[0]["distinct_id"].startswith("anon:")
    assert next(x for x in retention_plan(timezone.now()) if x.rule == "analytics.withdrawn").count == 0


@pytest.mark.req("R3.1.2")
def test_a_withdrawal_de_identifies_the_events_stored_in_clickhouse(
    analytics_policy: Any,
    store: EventStore,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from mallops.analytics import querying
    from mallops.analytics.forgetting import events_deidentify

    settings.CLICKHOUSE_URL = f"chdb://{tmp_path / 'chdb'}"
    querying.reset_backends()
    try:
        buyer, other = new_buyer(), new_buyer()
        for person in (buyer, other):
            consent_change(actor=actor_of(person), purpose="analytics", action="grant")
        events_ingest(
            events=[
                _event("d1", "dev-1", spu="SPU-0"),
                {
                    **_event("i1", buyer.username),
                    "event": "$identify",
                    "properties": {"$anon_distinct_id": "dev-1"},
                },
                _event("product_review:7", buyer.username, order_id="O-1", spu="SPU-1"),
                _event("e2", other.username, order_id="O-9", spu="SPU-9"),
            ]
        )
        assert querying.load() == 4  # into ClickHouse
        events_ingest(events=[_event("e3", buyer.username, spu="SPU-3")])  # still in the spool
        backend = querying.clickhouse()
        assert backend is not None

        def rows() -> list[dict[str, Any]]:
            columns = ["uuid", "distinct_id", "user_num", "properties"]
            found = backend.executor.rows(f"SELECT {', '.join(columns)} FROM {backend.table} ORDER BY uuid")
            return [dict(zip(columns, row, strict=True)) for row in found]

        with django_capture_on_commit_callbacks(execute=True):
            consent_change(actor=actor_of(buyer), purpose="analytics", action="withdraw")
        # the spooled event went to ClickHouse first; no row names the buyer, their device or their uuids
        after = rows()
        assert len(after) == 5 and not list(store.events_dir.rglob("*.parquet"))
        assert {r["distinct_id"] for r in after} & {buyer.username, "dev-1"} == set()
        assert {r["uuid"] for r in after} & {"d1", "i1", "product_review:7", "e3"} == set()
        mine = [r for r in after if r["distinct_id"].startswith("anon:")]
        assert len(mine) == 4 and len({r["distinct_id"] for r in mine}) == 4
        assert len({int(r["user_num"]) for r in mine}) == 4
        assert all("order_id" not in json.loads(r["properties"]) for r in mine)
        assert sorted(json.loads(r["properties"]).get("spu", "") for r in mine) == [
            "",
            "SPU-0",
            "SPU-1",
            "SPU-3",
        ]
        theirs = [r for r in after if r["distinct_id"] == other.username]
        assert [(r["uuid"], json.loads(r["properties"])["order_id"]) for r in theirs] == [("e2", "O-9")]
        audit = AuditEvent.objects.get(action="analytics.events_deidentified")
        assert audit.after == {"events": 4, "aliases": 1}
        # a second run (the catch-up sweep) finds nothing
        assert events_deidentify(buyer_id=buyer.pk, ids=[buyer.username, "dev-1"]) == 0
        assert rows() == after
    finally:
        querying.reset_backends()


@pytest.mark.req("R3.1.2")
def test_the_retention_sweep_deletes_old_events_in_clickhouse_too(
    analytics_policy: Any, store: EventStore, settings: Any, tmp_path: Path
) -> None:
    from mallops.analytics import querying

    settings.CLICKHOUSE_URL = f"chdb://{tmp_path / 'chdb'}"
    querying.reset_backends()
    try:
        now = timezone.now()
        events_ingest(
            events=[
                _event("o1", "dev-a", at=now - timedelta(days=400), spu="SPU-1"),
                _event("o2", "dev-b", at=now - timedelta(days=380), spu="SPU-2"),
                _event("n1", "dev-a", at=now - timedelta(days=300), spu="SPU-3"),
            ]
        )
        assert querying.load() == 3  # into ClickHouse
        events_ingest(events=[_event("o3", "dev-c", at=now - timedelta(days=390), spu="SPU-4")])  # spooled
        backend = querying.clickhouse()
        assert backend is not None

        def spus() -> list[str]:
            found = backend.executor.rows(f"SELECT properties FROM {backend.table} FINAL")
            return sorted(json.loads(str(row[0]))["spu"] for row in found)

        line = next(x for x in retention_plan(now) if x.rule == "analytics.events")
        assert line.count == 3 and spus() == ["SPU-1", "SPU-2", "SPU-3"]  # the plan changed nothing
        assert cli.main(["retention"]) == 0
        assert spus() == ["SPU-3"]
        assert next(x for x in retention_plan(now) if x.rule == "analytics.events").count == 0
        audit = AuditEvent.objects.get(action="dsr.retention", object_type="analytics.events")
        assert audit.after["events"] == 3
    finally:
        querying.reset_backends()
