"""The self-inspection's pure part (R7.1.2): scan the texts that go to buyers with the current rule packs,
count the findings, compare with the previous run. No Django: the service feeds it frozen dataclasses.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from mallops.compliance.engine import Engine, check_text
from mallops.compliance.engine import api as engine_api

AREAS = (
    "listing",
    "promotion",
    "coupon",
    "reply_template",
    "store_name",
    "store_notice",
    "review_reply",
    "price",
    "data",
)
SEVERITIES = ("block", "review")


@dataclass(frozen=True, slots=True)
class InspectedObject:
    """One live object and the texts of it that buyers read: ``(field path, engine field, text)``;
    ``engine_field`` is ``title`` or ``description`` (which rules apply)."""

    area: str
    object_id: str
    label: str
    category: str
    texts: tuple[tuple[str, str, str], ...]
    merchant_id: int | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    area: str
    object_id: str
    label: str
    field: str
    rule: str
    start: int
    end: int
    text: str
    severity: str
    article: str
    merchant_id: int | None = None

    @property
    def fingerprint(self) -> str:
        """The same problem in the same place across runs (the span may move; the words may not)."""
        key = "\x1f".join((self.area, self.object_id, self.field, self.rule, self.text))
        return hashlib.sha1(key.encode("utf-8"), usedforsecurity=False).hexdigest()


def report_number(inspection_id: int, started_at: datetime) -> str:
    """The number printed on a report: ``HGZC-<year>-<run id, 6 digits>`` (合规自查)."""
    return f"HGZC-{started_at:%Y}-{inspection_id:06d}"


def scan(objects: Iterable[InspectedObject], *, engine: Engine | None = None) -> list[Hit]:
    """Every finding on every text of ``objects``, in input order then by field and start. The other
    texts of the same object are the engine's item-wide context (a 消字号 stated elsewhere), as in the
    listing review."""
    scanner = engine or engine_api.default_engine()  # looked up at call time (tests swap packs)
    hits: list[Hit] = []
    for obj in objects:
        whole = "\n".join(text for _path, _field, text in obj.texts)
        for path, engine_field, text in obj.texts:
            if not text or not text.strip():
                continue
            for found in check_text(engine_field, text, obj.category, other_text=whole, engine=scanner):
                hits.append(
                    Hit(
                        obj.area,
                        obj.object_id,
                        obj.label,
                        path,
                        found.rule,
                        found.start,
                        found.end,
                        found.text,
                        str(found.severity),
                        found.basis,
                        obj.merchant_id,
                    )
                )
    return hits


def summarize(hits: Sequence[Hit], *, objects: int, texts: int) -> dict[str, object]:
    """Counts by severity, area and rule (every key of AREAS and SEVERITIES present, zero included)."""
    by_severity = Counter(hit.severity for hit in hits)
    by_area = Counter(hit.area for hit in hits)
    by_rule = Counter(hit.rule for hit in hits)
    return {
        "objects": objects,
        "texts": texts,
        "findings": len(hits),
        "objects_with_findings": len({(hit.area, hit.object_id) for hit in hits}),
        "by_severity": {key: by_severity.get(key, 0) for key in SEVERITIES},
        "by_area": {key: by_area.get(key, 0) for key in AREAS},
        "by_rule": dict(sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))),
    }


def trend(
    current: dict[str, object],
    previous: dict[str, object] | None,
    *,
    current_keys: set[str],
    previous_keys: set[str] | None,
) -> dict[str, object]:
    """The change against the previous run: totals, per severity, per rule; findings new in this run
    and findings of the previous run no longer found (by fingerprint)."""
    if previous is None or previous_keys is None:
        return {"has_previous": False}

    def delta(key: str) -> dict[str, int]:
        now_counts = current.get(key, {})
        before = previous.get(key, {})
        assert isinstance(now_counts, dict) and isinstance(before, dict)
        return {
            name: int(now_counts.get(name, 0)) - int(before.get(name, 0)) for name in {*now_counts, *before}
        }

    now_total = current.get("findings", 0)
    before_total = previous.get("findings", 0)
    assert isinstance(now_total, int) and isinstance(before_total, int)
    return {
        "has_previous": True,
        "findings_previous": before_total,
        "findings_delta": now_total - before_total,
        "by_severity_delta": delta("by_severity"),
        "by_rule_delta": dict(sorted(delta("by_rule").items())),
        "new": len(current_keys - previous_keys),
        "resolved": len(previous_keys - current_keys),
    }
