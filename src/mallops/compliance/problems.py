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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
}
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
    return hits
