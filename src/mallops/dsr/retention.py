"""Retention periods enforced (PIPL Art. 19, 47(1); GB/T 35273 §6.1): personal data past its period is
deleted or anonymised by periodic sweeps, keeping what a law requires (ECL Art. 31: goods, service and
transaction information at least 3 years after the transaction is completed) and never touching a record
under an active ``PersonalDataHold`` (its own ``dsr.hold_release`` sweep ends it).

One :class:`RetentionRule` per data category. Its period is the one the current privacy policy declares for
the rule's purpose (``purposes[].retention_days``, optional), else the rule's default, and never shorter than
the legal floor (a policy cannot declare the ECL record away). Each rule is a sweep ``dsr.retention.<name>``
(``mallops.core.sweeps``): the rows past the period form the queryset, the handler erases one row and
thereby takes it out of that set, so a second run finds nothing and a worker that was down catches up.
``mallops dsr retention --dry-run`` lists what would go (:func:`retention_plan`).

| rule | what goes | period (default) | floor |
|---|---|---|---|
| ``orders.delivery`` | an ended order's recipient, phone, address, tracking number | order_fulfilment, 3 years after it ended | 3 years (ECL Art. 31) |
| ``aftersales.text`` | reason, buyer evidence text/images, buyer photos, buyer timeline texts | with the order, 3 years | 3 years (ECL Art. 31) |
| ``service.ticket_text`` | subject, description, buyer messages, rating comment | 3 years after closing (order tickets: and the order gone) | 3 years for order tickets |
| ``dsr.export`` | the JSON copy of an access/portability request | 30 days after completion | none |
| ``marketing.segment_tags`` | a buyer's RFM tag without marketing consent | marketing, at once | none |
| ``analytics.events`` | stored analytics events (whole days, event store) | analytics, 365 days | none |
| ``analytics.withdrawn`` | events still naming a buyer who withdrew analytics consent (catch-up) | at once | none |

Amounts, statuses and dates stay (the transaction record; anonymous once the account is erased).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from mallops.audit.services import audit_record
from mallops.core.sweeps import register
from mallops.dsr.contracts import Purpose
from mallops.dsr.exporters import SHIP_FIELDS
from mallops.dsr.hooks import row_retention, store_retention
from mallops.dsr.models import DataSubjectRequest, PersonalDataHold, PrivacyPolicy, RequestKind, RequestStatus

ECL_FLOOR_DAYS = 3 * 365 + 1  # ECL Art. 31: "不少于三年" (a leap day included)
WHY = "retention period over (dsr.retention)"


@dataclass(frozen=True)
class RetentionRule:
    name: str
    label: str  # Chinese: what goes
    action: str  # "anonymise" or "delete"
    default_days: int
    basis: str  # why this period (shown by the CLI and the docs)
    due: Callable[[datetime], QuerySet[Any]]  # rows past ``cutoff`` and not held
    erase: Callable[[Any, datetime], None]
    ref: Callable[[Any], str]  # how the dry run names a row
    purpose: str = ""  # the policy purpose whose declared ``retention_days`` sets the period
    floor_days: int = 0

    def period_days(self, policy: PrivacyPolicy | None = None) -> int:
        declared = None
        if policy is not None and self.purpose:
            item = next((p for p in policy.purposes if p.get("code") == self.purpose), None)
            value = (item or {}).get("retention_days")
            declared = int(value) if isinstance(value, int | str) and str(value).isdigit() else None
        return max(self.floor_days, declared if declared is not None else self.default_days)


def _current_policy() -> PrivacyPolicy | None:
    return PrivacyPolicy.objects.filter(is_current=True).first()


def _held(object_type: str) -> QuerySet[Any]:
    return PersonalDataHold.objects.filter(released_at__isnull=True, object_type=object_type).values(
        "object_id"
    )


def _audit(rule_name: str, obj: Any) -> None:
    """One ``dsr.retention`` event per erased row, the reason in words (the audit log shows it as is)."""
    audit_record(actor=None, action="dsr.retention", obj=obj, after={"reason": _reason(rule_name)})


def _reason(rule_name: str) -> str:
    return f"保存期限届满：{rule(rule_name).label}"


# --- orders ---------------------------------------------------------------------------------------------


def _orders() -> QuerySet[Any]:
    from mallops.orders.models import Order

    rows: QuerySet[Any] = Order.objects.unscoped(reason=WHY)
    return rows


def _orders_due(cutoff: datetime) -> QuerySet[Any]:
    ended = Q(completed_at__lt=cutoff) | Q(completed_at__isnull=True, cancelled_at__lt=cutoff)
    # the recipient, phone and street are encrypted (no SQL comparison): the plain region columns, which
    # every delivery has and the erasure clears with them, tell whether anything is left
    has_data = ~Q(ship_province="") | ~Q(ship_city="") | ~Q(ship_district="") | ~Q(tracking_number="")
    held = [int(i) for i in _held("orders.order").values_list("object_id", flat=True) if str(i).isdigit()]
    return _orders().filter(ended, has_data).exclude(pk__in=held)


def _order_erase(order: Any, now: datetime) -> None:
    for name in (*SHIP_FIELDS, "tracking_number"):
        setattr(order, name, "")
    order.save(update_fields=[*SHIP_FIELDS, "tracking_number"])
    _audit("orders.delivery", order)


# --- rows other apps own (after-sales requests, service tickets): the owner registers due and erase in dsr.hooks -------------


def _held_ids(object_type: str) -> list[int]:
    return [int(i) for i in _held(object_type).values_list("object_id", flat=True) if str(i).isdigit()]


def kept_order_numbers(cutoff: datetime) -> QuerySet[Any]:
    """Numbers of the orders whose transaction record is still kept at ``cutoff`` (open, or completed or
    cancelled since): a ticket about one of them waits for it (ECL Art. 31)."""
    return (
        _orders()
        .filter(
            Q(completed_at__isnull=True, cancelled_at__isnull=True)
            | Q(completed_at__gte=cutoff)
            | Q(completed_at__isnull=True, cancelled_at__gte=cutoff)
        )
        .values("number")
    )


def _owner_due(rule_name: str) -> Callable[[datetime], QuerySet[Any]]:
    def due(cutoff: datetime) -> QuerySet[Any]:
        owner = row_retention(rule_name)
        rows: QuerySet[Any] = owner.due(cutoff, _held_ids(owner.object_type))
        return rows

    return due


def _owner_erase(rule_name: str) -> Callable[[Any, datetime], None]:
    def erase(row: Any, now: datetime) -> None:
        row_retention(rule_name).erase(row)
        _audit(rule_name, row)

    return erase


# --- data-subject request exports -----------------------------------------------------------------------


def _exports_due(cutoff: datetime) -> QuerySet[Any]:
    return DataSubjectRequest.objects.filter(
        kind__in=[RequestKind.ACCESS, RequestKind.PORTABILITY],
        status=RequestStatus.COMPLETED,
        closed_at__lt=cutoff,
        export_deleted_at__isnull=True,  # the export is encrypted: not comparable in SQL
    ).select_related(None)


def _export_erase(row: DataSubjectRequest, now: datetime) -> None:
    row.export = ""
    row.export_deleted_at = now
    row.save(update_fields=["export", "export_deleted_at"])
    _audit("dsr.export", row)


# --- marketing segment tags -----------------------------------------------------------------------------


def _segments_due(cutoff: datetime) -> QuerySet[Any]:
    """Tags of buyers whose marketing consent is absent or withdrawn (the period runs from the moment the
    purpose loses its basis: ``cutoff`` is not needed). Analytics owns the tags and registers the read
    (``analytics.forgetting``); a tag is never held."""
    rows: QuerySet[Any] = row_retention("marketing.segment_tags").due(cutoff, [])
    return rows


def _segment_erase(row: Any, now: datetime) -> None:
    audit_record(
        actor=None,
        action="dsr.retention",
        object_type="analytics.segmentmember",
        object_id=str(row.pk),
        after={"reason": _reason("marketing.segment_tags")},
    )
    row_retention("marketing.segment_tags").erase(row)


# --- analytics events (outside the database: the event store registers plan and run in dsr.hooks) ---------


def _nothing_in_the_database(cutoff: datetime) -> QuerySet[Any]:
    return PrivacyPolicy.objects.none()


def _never(row: Any, now: datetime) -> None:  # pragma: no cover - the queryset is always empty
    raise AssertionError("analytics events are aged out by the event store's own run")


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        name="orders.delivery",
        label="订单收货信息（收货人、电话、地址、物流单号）",
        action="anonymise",
        default_days=ECL_FLOOR_DAYS,
        floor_days=ECL_FLOOR_DAYS,
        purpose="order_fulfilment",
        basis="ECL Art. 31: 交易信息自交易完成之日起保存不少于三年；期满删除（PIPL 第 19、47 条）",
        due=_orders_due,
        erase=_order_erase,
        ref=lambda o: f"order {o.number}",
    ),
    RetentionRule(
        name="aftersales.text",
        label="售后申请的原因、买家举证和留言",
        action="anonymise",
        default_days=ECL_FLOOR_DAYS,
        floor_days=ECL_FLOOR_DAYS,
        purpose="order_fulfilment",
        basis="属于订单的交易记录：与订单同期（ECL Art. 31）",
        due=_owner_due("aftersales.text"),
        erase=_owner_erase("aftersales.text"),
        ref=lambda r: f"after-sales AS{r.pk}",
    ),
    RetentionRule(
        name="service.ticket_text",
        label="客服工单的标题、描述、买家消息和评价留言",
        action="anonymise",
        default_days=ECL_FLOOR_DAYS,
        floor_days=ECL_FLOOR_DAYS,
        basis="关闭后三年；关于订单的工单在订单交易记录保存期满之前不删（ECL Art. 31）",
        due=_owner_due("service.ticket_text"),
        erase=_owner_erase("service.ticket_text"),
        ref=lambda t: f"ticket {t.number}",
    ),
    RetentionRule(
        name="dsr.export",
        label="查阅、转移请求生成的个人信息副本",
        action="delete",
        default_days=30,
        basis="副本供本人下载：完成后 30 天删除（PIPL 第 19 条：最短必要时间）",
        due=_exports_due,
        erase=_export_erase,
        ref=lambda r: f"DSR-{r.pk}",
    ),
    RetentionRule(
        name="marketing.segment_tags",
        label="未同意或已撤回营销同意的买家的人群标签",
        action="delete",
        default_days=0,
        purpose=Purpose.MARKETING,
        basis="撤回同意后删除（PIPL 第 15、47 条）",
        due=_segments_due,
        erase=_segment_erase,
        ref=lambda s: f"segment tag of {s.distinct_id}",
    ),
    RetentionRule(
        name="analytics.events",
        label="行为分析事件（浏览、点击、下单等埋点）",
        action="delete",
        default_days=365,
        purpose=Purpose.ANALYTICS,
        basis="隐私政策声明保存十二个月；期满按天删除（PIPL 第 19、47 条）",
        due=_nothing_in_the_database,
        erase=_never,
        ref=str,
    ),
    RetentionRule(
        name="analytics.withdrawn",
        label="已撤回分析同意的买家仍带身份的行为事件（去标识化）",
        action="anonymise",
        default_days=0,
        basis="撤回同意后立即去标识化；本规则补做撤回时未完成的部分（PIPL 第 15、47 条）",
        due=_nothing_in_the_database,
        erase=_never,
        ref=str,
    ),
)


def rule(name: str) -> RetentionRule:
    return next(r for r in RULES if r.name == name)


def cutoff_for(r: RetentionRule, now: datetime, policy: PrivacyPolicy | None = None) -> datetime:
    return now - timedelta(days=r.period_days(policy))


def due_rows(r: RetentionRule, now: datetime) -> QuerySet[Any]:
    """The sweep's queryset: rows of ``r`` past the period in force now."""
    return r.due(cutoff_for(r, now, _current_policy()))


@dataclass(frozen=True)
class PlanLine:
    rule: str
    label: str
    action: str
    period_days: int
    basis: str
    count: int
    sample: list[str]


def retention_plan(now: datetime, *, sample: int = 20) -> list[PlanLine]:
    """What the sweeps would erase at ``now`` (the dry run; reads only)."""
    policy = _current_policy()
    lines = []
    for r in RULES:
        cutoff = cutoff_for(r, now, policy)
        outside = store_retention(r.name)
        if outside is not None:
            count, refs = outside.plan(cutoff, sample)
        else:
            rows = r.due(cutoff).order_by("pk")
            count, refs = rows.count(), [r.ref(row) for row in rows[:sample]]
        lines.append(
            PlanLine(
                rule=r.name,
                label=r.label,
                action=r.action,
                period_days=r.period_days(policy),
                basis=r.basis,
                count=count,
                sample=refs,
            )
        )
    return lines


def run_store_retention(now: datetime) -> dict[str, int]:
    """Age out the data of the rules kept outside the database (the CLI and a daily job call it)."""
    policy = _current_policy()
    done = {}
    for r in RULES:
        outside = store_retention(r.name)
        if outside is not None:
            done[r.name] = outside.run(cutoff_for(r, now, policy))
    return done


def register_sweeps() -> None:
    """One sweep per rule, ``dsr.retention.<name>`` (called from ``dsr/sweeps.py``)."""
    for r in RULES:
        register(
            f"dsr.retention.{r.name}",
            queryset=lambda now, r=r: due_rows(r, now),  # type: ignore[misc]
            handle=r.erase,
        )
