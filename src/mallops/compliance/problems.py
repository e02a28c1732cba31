"""The self-inspection's checks that are not text rules (R7.1.2): prices and data handling. Pure (no
Django): the caller reads the facts through each owning app's selectors and passes them in; each problem
becomes a ``Hit`` with its area, severity and the article it breaks, as a text finding does.

Prices (area ``price``), re-run with ``pricing.checks`` on live promotions and on live listings that show
a reference price: a reference price above the lowest price of the 7 days before (明码标价和禁止价格欺诈规定
第十六条) and a price raised within 7 days before a discount (先涨后降, 第十七条).

Data handling (area ``data``, 个人信息保护法):

| rule | when | severity |
|---|---|---|
| ``PIPL17-POLICY-MISSING`` | no privacy policy is published | block |
| ``PIPL17-POLICY-STALE`` | the current policy is older than a year (not reviewed) | review |
| ``PIPL17-RETENTION-UNDECLARED`` | a purpose of the policy states no retention period | review |
| ``PIPL6-PURPOSE-MISSING`` | a personal-looking field declares no purpose (privacy registry) | block |
| ``PIPL50-DSR-OVERDUE`` | a data-subject request is open past its deadline | block |
| ``PIPL19-RETENTION-OVERDUE`` | data past its retention period is still kept a day later | block |
| ``PIPL14-CONSENT-MISSING`` | a buyer's marketing tag is kept without marketing consent | block |
| ``PIPL51-ACCESS-ROLE`` | an export or reveal of personal data (audit log, last 90 days) by an actor whose roles at the time did not grant what it needs | block |
| ``PIPL6-EXPORT-PURPOSE`` | a bulk export (``BULK_EXPORT_ROWS`` records or more) that states no purpose | review |

Exports and reveals (``access_hits``) are read from the audit log: ``privacy.reveal`` (needs the reveal
permission), ``dsr.complete`` of an access or portability request (handling requests and reveal), and
``privacy.export``, the event every bulk export of personal data writes (``privacy.services.personal_data_export_record``:
rows, data classes, purpose), which needs the unmasked-view permission of each class it holds. PIPL Art. 51
asks the handler to set who may operate on personal data (操作权限) and Art. 6 limits processing to a
stated, reasonable purpose; GB/T 35273 7.1 asks for least privilege and approved bulk exports.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from mallops.compliance.report import Hit

POLICY_MAX_AGE = timedelta(days=365)

PRICE_RULES = {
    "reference_price": "PRICE56-16-REFERENCE-LIVE",
    "reference_price_unsold": "PRICE56-16-REFERENCE-LIVE",
    "raise_then_discount": "PRICE56-17-RAISE-THEN-DISCOUNT",
}
PIPL = "个人信息保护法"
ARTICLES = {
    "PIPL17-POLICY-MISSING": f"{PIPL}第十七条第一款",
    "PIPL17-POLICY-STALE": f"{PIPL}第十七条第二款",
    "PIPL17-RETENTION-UNDECLARED": f"{PIPL}第十七条第一款第（二）项",
    "PIPL6-PURPOSE-MISSING": f"{PIPL}第六条",
    "PIPL50-DSR-OVERDUE": f"{PIPL}第五十条",
    "PIPL19-RETENTION-OVERDUE": f"{PIPL}第十九条",
    "PIPL14-CONSENT-MISSING": f"{PIPL}第十四条",
    "PIPL51-ACCESS-ROLE": f"{PIPL}第五十一条",
    "PIPL6-EXPORT-PURPOSE": f"{PIPL}第六条",
}
# how far back the inspection reads exports and reveals; an old breach stays a finding until accepted
ACCESS_LOOKBACK = timedelta(days=90)
# an export of this many personal records or more is a bulk export and must state its purpose
BULK_EXPORT_ROWS = 50
REVEAL_ACTION = "privacy.reveal"
EXPORT_ACTION = "privacy.export"
DSR_COMPLETE_ACTION = "dsr.complete"
ACCESS_ACTIONS = (REVEAL_ACTION, EXPORT_ACTION, DSR_COMPLETE_ACTION)
# the retention rule whose overdue rows are data kept without the consent it needs
CONSENT_RULES = frozenset({"marketing.segment_tags"})
REQUEST_KINDS = {
    "access": "查阅复制",
    "portability": "转移",
    "correction": "更正补充",
    "deletion": "删除",
    "withdrawal": "撤回同意",
}


@dataclass(frozen=True, slots=True)
class PricedObject:
    """A live listing or promotion and the price findings ``pricing`` returned for it
    (``{"code", "severity", "message", "citation": {"text"}, "sku"}``)."""

    kind: str  # "listing" or "promotion"
    object_id: str
    label: str
    merchant_id: int | None
    findings: tuple[Mapping[str, object], ...]


def price_hits(objects: Sequence[PricedObject]) -> list[Hit]:
    hits = []
    for obj in objects:
        for finding in obj.findings:
            code = str(finding.get("code", ""))
            if code not in PRICE_RULES:
                continue
            citation = finding.get("citation")
            article = str(citation.get("text", "")) if isinstance(citation, Mapping) else ""
            hits.append(
                Hit(
                    "price",
                    f"{obj.kind}:{obj.object_id}",
                    obj.label,
                    "price",
                    PRICE_RULES[code],
                    0,
                    0,
                    str(finding.get("message", "")),
                    "block" if finding.get("severity") == "block" else "review",
                    article,
                    obj.merchant_id,
                )
            )
    return hits


@dataclass(frozen=True, slots=True)
class DataFacts:
    """What ``dsr`` reports (``dsr.inspection_selectors.DataHandlingFacts``), as plain values."""

    policy_version: str | None
    policy_published_at: datetime | None
    purposes_without_retention: tuple[str, ...]
    undeclared_fields: tuple[str, ...]
    overdue_requests: tuple[tuple[int, str, datetime], ...]  # id, kind, due_at
    retention_due: tuple[tuple[str, str, int], ...]  # rule, label, rows
    access: tuple[PersonalDataAccess, ...] = ()


@dataclass(frozen=True, slots=True)
class PersonalDataAccess:
    """One export or reveal of personal data in the audit log and what its actor's roles granted then."""

    event_seq: int
    action: str
    at: datetime
    actor: str  # username; "" when no person acted
    roles: tuple[str, ...]  # role names as people read them, at the time of the event
    needed: tuple[str, ...]  # permissions the action needs (codes, see ``needed_permissions``)
    granted: frozenset[str]  # permissions the roles grant in the role matrix
    rows: int  # personal records that left (1 for a reveal)
    purpose: str
    labels: Mapping[str, str] = field(default_factory=dict)  # permission code -> words for the report


def needed_permissions(action: str, after: Mapping[str, object]) -> tuple[str, ...] | None:
    """The permissions an audited export or reveal needs, or ``None`` when the event is not one."""
    if action == REVEAL_ACTION:
        return ("privacy.reveal",)
    if action == DSR_COMPLETE_ACTION:
        result = after.get("result")
        if isinstance(result, Mapping) and result.get("export_sections"):
            return ("privacy.dsr.handle", "privacy.reveal")
        return None
    if action == EXPORT_ACTION:
        classes = after.get("data_classes")
        names = sorted(str(name) for name in classes) if isinstance(classes, list) else []
        return tuple(f"privacy.view_{name}" for name in names)
    return None


def access_hits(events: Sequence[PersonalDataAccess]) -> list[Hit]:
    """``PIPL51-ACCESS-ROLE`` and ``PIPL6-EXPORT-PURPOSE`` over exports and reveals (see the module docstring)."""
    hits: list[Hit] = []
    for event in events:
        kind = "导出" if event.action != REVEAL_ACTION else "查看完整"
        who = event.actor or "系统任务（无操作人）"
        roles = "、".join(event.roles) or "无角色"
        object_id = f"audit:{event.event_seq}"
        label = f"审计事件 #{event.event_seq}"
        missing = [code for code in event.needed if code not in event.granted]
        if missing or not event.actor:
            lacking = "、".join(event.labels.get(code, "相应权限") for code in missing) or "可追责的操作人"
            hits.append(
                _hit(
                    "PIPL51-ACCESS-ROLE",
                    object_id,
                    label,
                    "actor",
                    f"{who}（{roles}）于 {event.at:%Y-%m-%d %H:%M} {kind}个人信息 {event.rows} 条，"
                    f"其角色不具备：{lacking}",
                    "block",
                )
            )
        if event.action != REVEAL_ACTION and event.rows >= BULK_EXPORT_ROWS and not event.purpose.strip():
            hits.append(
                _hit(
                    "PIPL6-EXPORT-PURPOSE",
                    object_id,
                    label,
                    "purpose",
                    f"{who}（{roles}）于 {event.at:%Y-%m-%d %H:%M} 批量导出个人信息 {event.rows} 条，未写明用途",
                    "review",
                )
            )
    return hits


def _hit(rule: str, object_id: str, label: str, field: str, text: str, severity: str) -> Hit:
    return Hit("data", object_id, label, field, rule, 0, 0, text, severity, ARTICLES[rule])


def data_hits(facts: DataFacts, *, now: datetime) -> list[Hit]:
    hits: list[Hit] = []
    if facts.policy_version is None:
        hits.append(
            _hit(
                "PIPL17-POLICY-MISSING",
                "policy",
                "隐私政策",
                "policy",
                "未发布隐私政策：处理个人信息前未告知处理规则",
                "block",
            )
        )
    else:
        label = f"隐私政策 {facts.policy_version}"
        published = facts.policy_published_at
        if published is not None and now - published > POLICY_MAX_AGE:
            hits.append(
                _hit(
                    "PIPL17-POLICY-STALE",
                    "policy",
                    label,
                    "policy",
                    f"现行隐私政策发布于 {published:%Y-%m-%d}，已超过一年未复核更新",
                    "review",
                )
            )
        for name in facts.purposes_without_retention:
            hits.append(
                _hit(
                    "PIPL17-RETENTION-UNDECLARED",
                    "policy",
                    label,
                    "policy",
                    f"处理目的「{name}」未写明保存期限",
                    "review",
                )
            )
    if facts.undeclared_fields:
        hits.append(
            _hit(
                "PIPL6-PURPOSE-MISSING",
                "registry",
                "个人信息登记",
                "registry",
                f"{len(facts.undeclared_fields)} 个疑似个人信息字段未声明处理目的",
                "block",
            )
        )
    for request_id, kind, due_at in facts.overdue_requests:
        hits.append(
            _hit(
                "PIPL50-DSR-OVERDUE",
                f"request:{request_id}",
                f"个人信息权利请求 {request_id}",
                "request",
                f"{REQUEST_KINDS.get(kind, '个人信息权利')}请求已超过处理期限（截止 {due_at:%Y-%m-%d}）仍未办结",
                "block",
            )
        )
    for rule, label, count in facts.retention_due:
        consent = rule in CONSENT_RULES
        hits.append(
            _hit(
                "PIPL14-CONSENT-MISSING" if consent else "PIPL19-RETENTION-OVERDUE",
                f"retention:{rule}",
                f"{label}（{count} 条）",
                "retention",
                f"{label}：未取得同意仍在保存" if consent else f"{label}：已超过保存期限仍未删除或匿名化",
                "block",
            )
        )
    return hits + access_hits(facts.access)
