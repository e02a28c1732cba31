"""Consent and retention reach the event store (R3.1.2; PIPL Art. 15, 19, 47).

* When a buyer withdraws the ``analytics`` purpose (or an erasure request completes), the events already
  stored about them lose the person: every event of the buyer's username and of the device ids merged into
  it (``IdentityAlias``) gets a fresh anonymous id used once and loses the properties that lead back to the
  buyer (the same rule as ingestion without consent, ``dsr.binding``); the alias rows go.
  Aggregates (visitors, GMV, funnels by step) stay right; nothing can join the events to the buyer again.
* The ``analytics.events`` retention rule (``dsr.retention``, 365 days unless the policy declares another
  period for ``analytics``) deletes whole days of events past the period.

De-identification acts where the events queried live: the embedded store (spool + Parquet), or with
``CLICKHOUSE_URL`` set ClickHouse (``ClickHouseBackend.forget``: the same result, through an insert of the
anonymous copies and one ``ALTER TABLE ... DELETE`` mutation) and the spool. Retention acts there too: the
embedded store's day directories, or with ClickHouse the spool is loaded and one ``ALTER TABLE ... DELETE``
mutation removes the rows before the first day kept (``ClickHouseBackend.drop_days_before``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from django.db.models import QuerySet

from mallops.accounts.models import User
from mallops.accounts.roles import Kind as UserKind
from mallops.analytics import querying
from mallops.analytics.models import IdentityAlias, SegmentMember
from mallops.analytics.storage import get_store
from mallops.analytics.store import erasure
from mallops.analytics.store.events import day_iso, shanghai_day
from mallops.audit.services import audit_record
from mallops.dsr.binding import unlinked_properties
from mallops.dsr.consent_selectors import buyer_names_without_consent, withdrawn_user_ids
from mallops.dsr.contracts import Purpose
from mallops.dsr.exporters import Context, DataHandler, register
from mallops.dsr.hooks import (
    register_identity_merges,
    register_row_retention,
    register_store_retention,
    register_withdrawal,
)

RULE = "analytics.events"
SEGMENT_RULE = "marketing.segment_tags"
WITHDRAWN_RULE = "analytics.withdrawn"


def _scrub(properties: str) -> str:
    try:
        value = json.loads(properties)
    except ValueError:
        return "{}"
    if not isinstance(value, dict):
        return "{}"
    return json.dumps(unlinked_properties(value), ensure_ascii=False, separators=(",", ":"))


def person_ids(buyer_id: int) -> list[str]:
    """The distinct ids that are the buyer: the username and every id merged into it."""
    username = User.objects.filter(pk=buyer_id).values_list("username", flat=True).first()
    if not username:
        return []
    aliases = IdentityAlias.objects.filter(distinct_id=username).values_list("alias_id", flat=True)
    return sorted({username, *aliases})


def events_deidentify(*, buyer_id: int, ids: list[str] | None = None) -> int:
    """Cut the buyer's stored events loose from them (module docstring); returns how many events changed.

    ``ids`` are the buyer's distinct ids (default: read now with :func:`person_ids`). Rewrites event store
    files under the store's exclusive lock, or the ClickHouse rows (not part of a database transaction); one
    ``analytics.events_deidentified`` audit event. Safe to repeat (a second run finds nothing).
    """
    ids = person_ids(buyer_id) if ids is None else ids
    if not ids:
        return 0
    backend = querying.clickhouse()
    if backend is None:
        changed = erasure.forget(get_store(), ids, scrub=_scrub)
    else:
        changed = backend.forget(get_store(), ids, scrub=_scrub)
    aliases = IdentityAlias.objects.filter(alias_id__in=ids)
    merged = aliases.count()
    aliases.delete()
    audit_record(
        actor=None,
        action="analytics.events_deidentified",
        object_type="accounts.user",
        object_id=str(buyer_id),
        after={"events": changed, "aliases": merged},
    )
    return changed


def _on_withdrawal(buyer_id: int) -> Callable[[], int]:
    """Read the buyer's ids now (inside the withdrawal; an erasure renames the account next), act later."""
    ids = person_ids(buyer_id)
    return partial(events_deidentify, buyer_id=buyer_id, ids=ids)


def _first_kept(cutoff: datetime) -> str:
    """The first day kept: days strictly before the cutoff's day are past the period as a whole."""
    return day_iso(shanghai_day(int(cutoff.timestamp() * 1_000_000)))


def events_retention_plan(cutoff: datetime, sample: int) -> tuple[int, list[str]]:
    """Events past ``cutoff`` (whole days) and the first days named; reads only (the dry run)."""
    store = get_store()
    first_kept = _first_kept(cutoff)
    backend = querying.clickhouse()
    days = erasure.days_before(store, first_kept) if backend is None else backend.aged_days(first_kept)
    count = sum(d.events for d in days) + erasure.spooled_before(store, first_kept)
    return count, [f"events of {d.day}: {d.events}" for d in days[:sample]]


def events_retention_run(cutoff: datetime) -> int:
    """Delete the days past ``cutoff``; one ``dsr.retention`` audit event when something went."""
    first_kept = _first_kept(cutoff)
    backend = querying.clickhouse()
    if backend is None:
        removed = erasure.drop_days_before(get_store(), first_kept)
    else:
        removed = backend.drop_days_before(get_store(), first_kept)
    if removed:
        audit_record(
            actor=None,
            action="dsr.retention",
            object_type="analytics.events",
            object_id=f"<{first_kept}",
            after={"reason": "保存期限届满：行为分析事件", "events": removed},
        )
    return removed


def _withdrawn_people() -> dict[int, list[str]]:
    """Buyers whose latest analytics answer is a withdrawal and whose ids the store still holds."""
    held = set(erasure.named_ids(get_store()))
    canonical = dict(IdentityAlias.objects.filter(alias_id__in=held).values_list("alias_id", "distinct_id"))
    names = held | set(canonical.values())
    accounts = dict(
        User.objects.filter(username__in=names, kind=UserKind.BUYER).values_list("username", "pk")
    )
    withdrawn = withdrawn_user_ids(accounts.values(), Purpose.ANALYTICS)
    people: dict[int, list[str]] = {}
    for distinct_id in sorted(held):
        pk = accounts.get(canonical.get(distinct_id, distinct_id))
        if pk in withdrawn:
            people.setdefault(pk, []).append(distinct_id)
    return people


def withdrawn_plan(cutoff: datetime, sample: int) -> tuple[int, list[str]]:
    """Buyers who withdrew analytics consent but still have events with their ids (reads only)."""
    people = _withdrawn_people()
    return len(people), [f"buyer {pk}" for pk in sorted(people)[:sample]]


def withdrawn_run(cutoff: datetime) -> int:
    """De-identify them now (the catch-up for a withdrawal whose on-commit step failed)."""
    people = _withdrawn_people()
    for pk, ids in sorted(people.items()):
        events_deidentify(buyer_id=pk, ids=ids)
    return len(people)


def _export(buyer: Any, ctx: Context) -> dict[str, Any]:
    return {"ids": person_ids(buyer.pk)}


def identity_merges(distinct_ids: set[str]) -> dict[str, str]:
    """alias id -> the distinct id it was merged into, for the ids of ``distinct_ids`` that were merged."""
    return dict(
        IdentityAlias.objects.filter(alias_id__in=distinct_ids).values_list("alias_id", "distinct_id")
    )


def segment_tags_due(cutoff: datetime, held: list[int]) -> QuerySet[SegmentMember]:
    """Tags of buyers whose marketing consent is absent or withdrawn (``dsr.retention``'s
    ``marketing.segment_tags`` rule; ``cutoff`` is not needed: the period runs from the withdrawal)."""
    tagged = SegmentMember.objects.values_list("distinct_id", flat=True)
    silent = buyer_names_without_consent(tagged, Purpose.MARKETING)
    rows: QuerySet[SegmentMember] = SegmentMember.objects.filter(distinct_id__in=silent)
    return rows.exclude(pk__in=held) if held else rows


def _segment_tag_delete(row: SegmentMember) -> None:
    row.delete()


def connect() -> None:
    """Register with dsr (``AnalyticsConfig.ready``)."""
    register_identity_merges(identity_merges)
    register_row_retention(
        SEGMENT_RULE, object_type="analytics.segmentmember", due=segment_tags_due, erase=_segment_tag_delete
    )
    register_withdrawal(Purpose.ANALYTICS, "analytics.events", _on_withdrawal)
    register_store_retention(RULE, plan=events_retention_plan, run=events_retention_run)
    register_store_retention(WITHDRAWN_RULE, plan=withdrawn_plan, run=withdrawn_run)
    register(
        DataHandler(
            "analytics",
            description="行为分析：本人的埋点标识（账号及合并的设备标识）",
            export=_export,  # erasure: the request withdraws the analytics purpose first (dsr.hooks)
        )
    )
