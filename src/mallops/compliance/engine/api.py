"""Entry points for the CLI, the HTTP API and listing review.

``check_items`` takes and returns the public JSON shapes (see ``validate_items`` for the input);
``check_text`` is the typed, lower-level call for one field.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

import numpy as np

from mallops.compliance.engine.matcher import Document, Engine, Finding
from mallops.compliance.engine.rules import CATEGORIES, FIELDS, Citation, load_packs
from mallops.compliance.engine.second_opinion import SecondOpinion, default_second_opinion

Verdict = Literal["pass", "review", "block"]
Problem = tuple[str, str]


@cache
def default_engine() -> Engine:
    """The engine over the shipped rule packs, compiled once per process."""
    return Engine(load_packs())


def verdict_of(findings: Sequence[Finding]) -> Verdict:
    """``block`` if any finding blocks, else ``review`` if any finding exists, else ``pass``."""
    if not findings:
        return "pass"
    for finding in findings:
        if finding.severity == "block":
            return "block"
    return "review"


def validate_items(payload: Any) -> list[Problem]:
    """Problems with a request body as ``(json_path, message)`` pairs; empty when it is valid.

    The body is ``{"items": [{"id", "title", "description"?, "category"?}, ...]}``. ``id`` is a
    non-empty string, ``title`` a string, ``description`` a string or null. An unknown or null
    ``category`` is not an error: it is checked as ``general`` (the full rule set applies).
    """
    if not isinstance(payload, dict):
        return [("$", "the body must be a JSON object with an 'items' list")]
    if "items" not in payload:
        return [("items", "missing 'items'")]
    items = payload["items"]
    if not isinstance(items, list):
        return [("items", "'items' must be a list")]
    problems: list[Problem] = []
    for index, item in enumerate(items):
        where = f"items[{index}]"
        if not isinstance(item, dict):
            problems.append((where, "each item must be an object"))
            continue
        if "id" not in item:
            problems.append((f"{where}.id", "missing 'id'"))
        elif not isinstance(item["id"], str) or not item["id"]:
            problems.append((f"{where}.id", "'id' must be a non-empty string"))
        if "title" not in item:
            problems.append((f"{where}.title", "missing 'title'"))
        elif not isinstance(item["title"], str):
            problems.append((f"{where}.title", "'title' must be a string"))
        description = item.get("description")
        if description is not None and not isinstance(description, str):
            problems.append((f"{where}.description", "'description' must be a string"))
        category = item.get("category")
        if category is not None and not isinstance(category, str):
            problems.append((f"{where}.category", "'category' must be a string"))
    return problems


_CATEGORY_SET = frozenset(CATEGORIES)


def _category(raw: object) -> str:
    return raw if isinstance(raw, str) and raw in CATEGORIES else "general"


# Goods filed under medical devices that say they are none (口罩（非医用）, 足贴 非器械) are ordinary goods:
# the device exemptions need the goods to be a device, so the item's own words decide, not the shelf.
_NOT_A_DEVICE = ("非医用", "非医疗器械", "非器械", "不是医疗器械", "不属于医疗器械")


def _checked_category(category: str, title: str, description: str) -> str:
    if category == "medical_device" and any(
        marker in title or marker in description for marker in _NOT_A_DEVICE
    ):
        return "general"
    return category


def check_items(
    items: Sequence[dict[str, Any]], *, engine: Engine | None = None, second_opinion: bool = True
) -> list[dict[str, Any]]:
    """Check validated items (see :func:`validate_items`) and return the public result objects.

    An item the rules let pass goes to ``review`` when the statistical second opinion leans against it
    (``second_opinion``; see :mod:`mallops.compliance.engine.second_opinion`).

    Each result is ``{"id", "verdict", "findings": [...]}`` in input order; findings are sorted by
    field (title first) then start, and ``text == item[field][start:end]``. Pure: no I/O, no Django.
    """
    scanner = engine or default_engine()
    texts: list[str] = []
    categories: list[str] = []
    add_text, add_category = texts.append, categories.append
    # A batch allocates a few objects per item and no reference cycles, so the cyclic collector would only
    # re-walk every live object many times over (about 15 % of the scan); it is paused for the batch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for item in items:
            title, description = item["title"], item.get("description") or ""
            add_text(title)
            add_text(description)
            category = item.get("category")
            if not isinstance(category, str) or category not in _CATEGORY_SET:
                category = "general"
            elif category == "medical_device":
                category = _checked_category(category, title, description)
            add_category(category)
        units: list[bytes] = []
        found = scanner.scan_rows(texts, categories, units_out=units)
        leans = _second_opinion(items, found, units[0] if units else None) if second_opinion else {}
        # most items pass: their objects are built in one comprehension, the others replaced after
        results: list[dict[str, Any]] = [
            {"id": item["id"], "verdict": "pass", "findings": []} for item in items
        ]
        for index in [index for index, rows in enumerate(found) if rows]:
            rows, fields = found[index], (texts[2 * index], texts[2 * index + 1])
            results[index] = {
                "id": items[index]["id"],
                "verdict": "block" if any(row[4] == "block" for row in rows) else "review",
                # Finding.as_dict's shape, built from the rows without a Finding per finding
                "findings": [
                    {
                        "rule": rule,
                        "field": FIELDS[field],
                        "start": start,
                        "end": end,
                        "text": fields[field][start:end],
                        "basis": basis,
                        "severity": severity,
                    }
                    for field, start, end, rule, severity, _, _, basis in rows
                ],
            }
        for index, finding in leans.items():
            results[index] = {"id": items[index]["id"], "verdict": "review", "findings": [finding.as_dict()]}
        return results
    finally:
        if collecting:
            gc.enable()


SECOND_OPINION_RULE = "AD-SECOND-OPINION"
# 广告法第二十八条: an advertisement with false or misleading content is a false advertisement
SECOND_OPINION_CITATION = Citation(law="AD", article=28)


def second_opinion_finding(title: str, description: str) -> Finding | None:
    """The second opinion's ``review`` finding on a listing the rules let pass, or ``None``."""
    model = default_second_opinion()
    if model is None:
        return None
    if model.probabilities([(title, description)])[0] <= model.threshold:
        return None
    return _lean_finding(model, title, description)


def _lean_finding(model: SecondOpinion, title: str, description: str) -> Finding:
    field, start, end = model.lean(title, description)
    text = title if field == "title" else description
    return Finding(SECOND_OPINION_RULE, field, start, end, text[start:end], "review", SECOND_OPINION_CITATION)


def _second_opinion(
    items: Sequence[dict[str, Any]], found: Sequence[Sequence[object]], units: bytes | None
) -> dict[int, Finding]:
    """The second opinion's ``review`` finding by item index, for the items the rules let pass (``found``
    empty) and the model leans against."""
    model = default_second_opinion()
    if model is None or all(found):
        return {}
    flagged = [bool(findings) for findings in found]  # the rules decided these: not scored
    probabilities = None
    if units is not None:  # None: every field was empty, nothing the engine normalised
        try:
            probabilities = model.batch_probabilities(units, len(items), skip=flagged)
        except ValueError:  # a field holds a NUL, so the batch's separators do not count items
            probabilities = None
    if probabilities is None:
        pairs = [(item["title"], item.get("description") or "") for item in items]
        probabilities = model.probabilities(pairs)
    leans: dict[int, Finding] = {}
    for i in np.flatnonzero(probabilities > model.threshold).tolist():
        if not found[i]:
            item = items[i]
            leans[i] = _lean_finding(model, item["title"], item.get("description") or "")
    return leans


def check_text(
    field: str, text: str, category: str | None = None, *, other_text: str = "", engine: Engine | None = None
) -> list[Finding]:
    """Findings for one field of a listing.

    ``field`` is ``title`` or ``description`` (rules may be limited to one of them); ``category`` as in
    :func:`check_items`. ``other_text`` is the item's other field, consulted only for item-wide
    contexts such as a disinfectant registration (消字号) mentioned elsewhere; it yields no findings.
    """
    if field not in FIELDS:
        raise ValueError(f"field must be one of {FIELDS}, got {field!r}")
    scanner = engine or default_engine()
    document = (
        Document(
            title=text,
            description=other_text,
            category=_checked_category(_category(category), text, other_text),
        )
        if field == "title"
        else Document(
            title=other_text,
            description=text,
            category=_checked_category(_category(category), text, other_text),
        )
    )
    return [finding for finding in scanner.scan([document])[0] if finding.field == field]
