"""Automated checks on a listing snapshot (R2.1.1 steps 1-3): completeness, compliance, accuracy.

Pure over its inputs (no database): the caller passes the category schema, the certificate kinds
that are valid for the product and the 7-day lowest price of each SKU.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from mallops.compliance.engine import api as engine_api
from mallops.compliance.engine import check_text

BASIS_TRUE_INFO = "电子商务法第十七条"
BASIS_QUALIFICATION = "电子商务法第三十八条"
BASIS_RETURNS = "消费者权益保护法第二十五条"
BASIS_REFERENCE_PRICE = "明码标价和禁止价格欺诈规定第十六条"
BASIS_PROMO_TRUTH = "规范促销行为暂行规定第五条"

# the review checks' own rules and their legal basis (the rule packs carry theirs)
CHECK_RULES: dict[str, str] = {
    "COMPLETENESS-ATTRIBUTE": BASIS_TRUE_INFO,
    engine_api.SECOND_OPINION_RULE: engine_api.SECOND_OPINION_CITATION.basis,
    "COMPLETENESS-CERTIFICATE": BASIS_QUALIFICATION,
    "COMPLETENESS-TITLE": BASIS_TRUE_INFO,
    "AFTERSALES-EXCLUSION-REASON": BASIS_RETURNS,
    "ACCURACY-NO-SKU": BASIS_TRUE_INFO,
    "ACCURACY-SPEC-KEYS": BASIS_TRUE_INFO,
    "ACCURACY-PRICE": BASIS_TRUE_INFO,
    "ACCURACY-SPEC-DUPLICATE": BASIS_TRUE_INFO,
    "PRICE56-16-REFERENCE-HISTORY": BASIS_REFERENCE_PRICE,
    "PROMO32-5-STOCK-CLAIM": BASIS_PROMO_TRUTH,
}

STOCK_CLAIM_RE = re.compile(r"仅剩\s*(\d+)\s*[件个台瓶盒套只]")


@dataclass(frozen=True)
class CheckFinding:
    stage: str  # completeness | compliance | accuracy
    rule: str
    field: str
    start: int
    end: int
    text: str
    basis: str
    severity: str  # block | review
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "rule": self.rule,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "basis": self.basis,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class CheckContext:
    required_attributes: list[dict[str, str]]
    required_certificates: list[str]
    valid_certificate_kinds: frozenset[str]
    compliance_category: str
    lowest_price_7d: Mapping[str, int | None]  # SKU code -> lowest price in the last 7 days


def text_fields(snapshot: Mapping[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(field path, engine field, text)`` for every text the compliance engine reads."""
    yield "title", "title", snapshot.get("title", "")
    for index, point in enumerate(snapshot.get("selling_points", [])):
        yield f"selling_points[{index}]", "description", point
    for section, text in snapshot.get("description", {}).items():
        yield f"description.{section}", "description", text
    for index, sku in enumerate(snapshot.get("skus", [])):
        for name, value in sku.get("spec_values", {}).items():
            yield f"skus[{index}].spec_values.{name}", "description", str(value)


def _completeness(snapshot: Mapping[str, Any], ctx: CheckContext) -> list[CheckFinding]:
    found: list[CheckFinding] = []
    attributes = snapshot.get("attributes", {})
    for attribute in ctx.required_attributes:
        if not str(attributes.get(attribute["key"], "")).strip():
            found.append(
                CheckFinding(
                    "completeness",
                    "COMPLETENESS-ATTRIBUTE",
                    f"attributes.{attribute['key']}",
                    0,
                    0,
                    "",
                    BASIS_TRUE_INFO,
                    "block",
                    f"缺少必填属性：{attribute['label']}",
                )
            )
    for kind in ctx.required_certificates:
        if kind not in ctx.valid_certificate_kinds:
            found.append(
                CheckFinding(
                    "completeness",
                    "COMPLETENESS-CERTIFICATE",
                    f"certificates.{kind}",
                    0,
                    0,
                    "",
                    BASIS_QUALIFICATION,
                    "block",
                    f"缺少有效资质证书：{kind}",
                )
            )
    if not snapshot.get("title", "").strip():
        found.append(
            CheckFinding(
                "completeness", "COMPLETENESS-TITLE", "title", 0, 0, "", BASIS_TRUE_INFO, "block", "缺少标题"
            )
        )
    if snapshot.get("return_policy") == "excluded" and not snapshot.get("return_exclusion"):
        found.append(
            CheckFinding(
                "completeness",
                "AFTERSALES-EXCLUSION-REASON",
                "return_exclusion",
                0,
                0,
                "",
                BASIS_RETURNS,
                "block",
                "不适用七日无理由退货须注明法定理由",
            )
        )
    return found


def _compliance(snapshot: Mapping[str, Any], ctx: CheckContext) -> list[CheckFinding]:
    found: list[CheckFinding] = []
    fields = list(text_fields(snapshot))
    whole = "\n".join(text for _path, _engine_field, text in fields)
    for path, engine_field, text in fields:
        if not text:
            continue
        for finding in check_text(engine_field, text, ctx.compliance_category, other_text=whole):
            found.append(
                CheckFinding(
                    "compliance",
                    finding.rule,
                    path,
                    finding.start,
                    finding.end,
                    finding.text,
                    finding.basis,
                    finding.severity,
                )
            )
    if not found:
        found.extend(_second_opinion(fields))
    return found


def _second_opinion(fields: list[tuple[str, str, str]]) -> list[CheckFinding]:
    """The engine's statistical second opinion on a listing the rules let pass: one ``review`` finding
    (a person decides) on the field where it leans most, or nothing."""
    title = next((text for path, _field, text in fields if path == "title"), "")
    parts = [(path, text) for path, _field, text in fields if path != "title" and text]
    description = "\n".join(text for _path, text in parts)
    finding = engine_api.second_opinion_finding(title, description)
    if finding is None:
        return []
    path, start, end = "title", finding.start, finding.end
    if finding.field == "description":
        offset = 0
        for part_path, text in parts:
            if start < offset + len(text):
                path, start, end = part_path, start - offset, min(end - offset, len(text))
                break
            offset += len(text) + 1
    return [
        CheckFinding(
            "compliance", finding.rule, path, start, end, finding.text, finding.basis, finding.severity
        )
    ]


def _accuracy(snapshot: Mapping[str, Any], ctx: CheckContext) -> list[CheckFinding]:
    found: list[CheckFinding] = []
    skus = [sku for sku in snapshot.get("skus", []) if sku.get("is_active", True)]
    if not skus:
        found.append(
            CheckFinding(
                "accuracy", "ACCURACY-NO-SKU", "skus", 0, 0, "", BASIS_TRUE_INFO, "block", "没有可售规格"
            )
        )
    spec_keys = {tuple(sorted(sku.get("spec_values", {}))) for sku in skus}
    if len(spec_keys) > 1:
        found.append(
            CheckFinding(
                "accuracy",
                "ACCURACY-SPEC-KEYS",
                "skus",
                0,
                0,
                "",
                BASIS_TRUE_INFO,
                "block",
                "各规格的规格项不一致",
            )
        )
    combos: set[tuple[tuple[str, str], ...]] = set()
    for index, sku in enumerate(skus):
        if sku["price_fen"] <= 0:
            found.append(
                CheckFinding(
                    "accuracy",
                    "ACCURACY-PRICE",
                    f"skus[{index}].price_fen",
                    0,
                    0,
                    str(sku["price_fen"]),
                    BASIS_TRUE_INFO,
                    "block",
                    "价格必须大于0",
                )
            )
        combo = tuple(sorted((k, str(v)) for k, v in sku.get("spec_values", {}).items()))
        if combo in combos and len(skus) > 1:
            found.append(
                CheckFinding(
                    "accuracy",
                    "ACCURACY-SPEC-DUPLICATE",
                    f"skus[{index}].spec_values",
                    0,
                    0,
                    "",
                    BASIS_TRUE_INFO,
                    "block",
                    "两个规格的规格值相同",
                )
            )
        combos.add(combo)
        reference = sku.get("reference_price_fen")
        lowest = ctx.lowest_price_7d.get(sku["code"])
        if reference is not None and reference > (lowest if lowest is not None else sku["price_fen"]):
            bound = lowest if lowest is not None else sku["price_fen"]
            found.append(
                CheckFinding(
                    "accuracy",
                    "PRICE56-16-REFERENCE-HISTORY",
                    f"skus[{index}].reference_price_fen",
                    0,
                    0,
                    str(reference),
                    BASIS_REFERENCE_PRICE,
                    "block",
                    f"划线价高于前7日最低成交价 {bound} 分",
                )
            )
    total_stock = sum(int(sku.get("stock", 0)) for sku in skus)
    for path, _engine_field, text in text_fields(snapshot):
        for match in STOCK_CLAIM_RE.finditer(text):
            if int(match.group(1)) < total_stock:
                found.append(
                    CheckFinding(
                        "accuracy",
                        "PROMO32-5-STOCK-CLAIM",
                        path,
                        match.start(),
                        match.end(),
                        match.group(0),
                        BASIS_PROMO_TRUTH,
                        "block",
                        f"声称的剩余数量少于实际库存 {total_stock}",
                    )
                )
    return found


def run_checks(snapshot: Mapping[str, Any], ctx: CheckContext) -> list[CheckFinding]:
    """All findings, in stage order (completeness, compliance, accuracy)."""
    return _completeness(snapshot, ctx) + _compliance(snapshot, ctx) + _accuracy(snapshot, ctx)


def verdict(findings: list[CheckFinding]) -> str:
    if any(f.severity == "block" for f in findings):
        return "block"
    return "review" if findings else "pass"


def compliance_findings(snapshot: Mapping[str, Any], compliance_category: str) -> list[CheckFinding]:
    """The compliance stage alone (what a rule pack update can change), for the re-check sweep."""
    return _compliance(snapshot, CheckContext([], [], frozenset(), compliance_category, {}))


def rules_version() -> str:
    """The rule packs in force as ``name@version`` joined by commas, sorted by name.

    A pack's ``version`` (in its YAML file) is the contract: a pack whose rules change gets a new version,
    and the re-check sweep then re-checks every live listing checked with the older one.
    """
    packs = sorted(engine_api.default_engine().packs, key=lambda pack: pack.name)
    return ",".join(f"{pack.name}@{pack.version}" for pack in packs)


def rule_basis(rule_id: str, compliance_category: str = "general") -> str | None:
    """The legal basis a rule cites (for the category), or None for an unknown rule id."""
    for rule in engine_api.default_engine().rules:
        if rule.id == rule_id:
            return rule.citation_for(compliance_category).basis
    return CHECK_RULES.get(rule_id)


def rule_ids() -> list[str]:
    """Every rule a finding may cite: the packs' rules, then the review checks' own."""
    return [rule.id for rule in engine_api.default_engine().rules] + list(CHECK_RULES)
