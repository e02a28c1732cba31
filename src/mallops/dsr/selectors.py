"""Read-only questions other apps ask about retention holds (PIPL Art. 47: a frozen record is stored and
secured only, not shown or processed further).

    from mallops.dsr.selectors import frozen_ids, delivery_for_display
    if is_frozen("orders.order", order.pk): ...
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When

from mallops.core.actors import Actor
from mallops.core.timeutil import SHANGHAI
from mallops.dsr.models import DataSubjectRequest, PersonalDataHold, RequestStatus

FROZEN_TEXT = "［已冻结：个人信息依法保存，不予展示］"
DELIVERY_FIELDS = (
    "ship_recipient",
    "ship_phone",
    "ship_province",
    "ship_city",
    "ship_district",
    "ship_detail",
    "tracking_number",
)


def _active() -> Any:
    return PersonalDataHold.objects.filter(released_at__isnull=True)


def frozen_ids(object_type: str, ids: Iterable[Any]) -> set[str]:
    """Which of ``ids`` (any type; compared as strings) are under an active hold."""
    wanted = {str(i) for i in ids}
    if not wanted:
        return set()
    return set(
        _active().filter(object_type=object_type, object_id__in=wanted).values_list("object_id", flat=True)
    )


def is_frozen(object_type: str, object_id: Any) -> bool:
    return bool(frozen_ids(object_type, [object_id]))


def delivery_for_display(order: Any, *, frozen: bool | None = None) -> dict[str, str]:
    """The order's delivery data as merchants and staff may see it: masked when the order is frozen after
    a deletion request and has ended (completed or cancelled). An order still running keeps showing it:
    the merchant needs it to deliver (performing the contract, PIPL Art. 13(2)). Pass ``frozen`` from one
    ``frozen_ids`` call when rendering many orders."""
    ended = order.completed_at is not None or order.cancelled_at is not None
    if frozen is None:
        frozen = ended and is_frozen("orders.order", order.pk)
    if frozen and ended:
        return dict.fromkeys(DELIVERY_FIELDS, FROZEN_TEXT)
    return {name: str(getattr(order, name) or "") for name in DELIVERY_FIELDS}


# ---- 工作台 (console workbench) ------------------------------------------------------------------------
# An open request due within this window is "due soon" (the legal deadline is 15 working days).
DUE_SOON_WITHIN = timedelta(days=3)
DUE_OVERDUE = "overdue"
DUE_SOON = "soon"


def with_due_state(rows: QuerySet[DataSubjectRequest], *, now: datetime) -> QuerySet[DataSubjectRequest]:
    """Annotate ``due_state`` on open requests: ``"overdue"`` past ``due_at`` (whether or not the sweep has
    escalated it yet), ``"soon"`` due within ``DUE_SOON_WITHIN``, else ``""``. Closed requests get ``""``.

    The workbench counts and the queue's ``?due_state=`` filter both read this annotation.
    """
    is_open = Q(status=RequestStatus.OPEN)
    return rows.annotate(
        due_state=Case(
            When(is_open & Q(due_at__lte=now), then=Value(DUE_OVERDUE)),
            When(is_open & Q(due_at__lte=now + DUE_SOON_WITHIN), then=Value(DUE_SOON)),
            default=Value(""),
            output_field=CharField(),
        )
    )


def workbench_counts(*, actor: Actor, now: datetime) -> dict[str, int]:
    """To-dos of a DSR handler (one query): open requests overdue and due soon."""
    from mallops.dsr.requests import staff_queue  # checks privacy.dsr.handle

    counts = with_due_state(staff_queue(actor=actor, status=RequestStatus.OPEN), now=now).aggregate(
        overdue=Count("pk", filter=Q(due_state=DUE_OVERDUE)),
        due_soon=Count("pk", filter=Q(due_state=DUE_SOON)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def workbench_timeliness(*, actor: Actor, now: datetime, days: int = 14) -> dict[str, Any]:
    """Requests closed on time (closed at or before ``due_at``) over requests closed, for the last ``days``
    days and the ``days`` before, and requests received per Beijing day (one query)."""
    from mallops.dsr.requests import staff_queue  # checks privacy.dsr.handle

    split = now - timedelta(days=days)
    since = now - timedelta(days=2 * days)
    rows = (
        staff_queue(actor=actor, status="")
        .filter(Q(submitted_at__gte=since) | Q(closed_at__gte=since))
        .select_related(None)
        .values_list("submitted_at", "closed_at", "due_at")
    )
    closed: dict[str, list[bool]] = {"current": [], "previous": []}
    received: Counter[str] = Counter()
    for submitted_at, closed_at, due_at in rows:
        if submitted_at >= split:
            received[submitted_at.astimezone(SHANGHAI).date().isoformat()] += 1
        if closed_at is not None and since <= closed_at < now:
            closed["current" if closed_at >= split else "previous"].append(closed_at <= due_at)

    def rate(values: list[bool]) -> float | None:
        return round(sum(values) / len(values) * 100, 1) if values else None

    today = now.astimezone(SHANGHAI).date()
    day_keys = [(today - timedelta(days=offset)).isoformat() for offset in range(days - 1, -1, -1)]
    return {
        "on_time_pct": rate(closed["current"]),
        "on_time_pct_previous": rate(closed["previous"]),
        "closed": len(closed["current"]),
        "closed_previous": len(closed["previous"]),
        "daily": [(day, received[day]) for day in day_keys],
    }


def consent_summary(*, buyer: Any) -> list[Any]:
    """The buyer's consent per purpose of the current privacy policy (``dsr.consent.ConsentState`` rows:
    ``status`` granted / withdrawn / none, ``needs_renewal``), for staff pages; [] before any policy is
    published. Two queries."""
    from mallops.core.errors import DomainError
    from mallops.dsr.consent import consent_states

    try:
        _policy, states = consent_states(buyer)
    except DomainError:  # no privacy policy published yet: nothing was asked
        return []
    return list(states)
