"""Entry points for the CLI, the HTTP API and listing review.

``check_items`` takes and returns the public JSON shapes (see ``validate_items`` for the input);
``check_text`` is the typed, lower-level call for one field.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal

from mallops.compliance.engine.matcher import Document, Engine, Finding
from mallops.compliance.engine.rules import CATEGORIES, FIELDS, load_packs

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


def check_items(items: Sequence[dict[str, Any]], *, engine: Engine | None = None) -> list[dict[str, Any]]:
    """Check validated items (see :func:`validate_items`) and return the public result objects.

    Each result is ``{"id", "verdict", "findings": [...]}`` in input order; findings are sorted by
    field (title first) then start, and ``text == item[field][start:end]``. Pure: no I/O, no Django.
    """
    scanner = engine or default_engine()
    texts: list[str] = []
    categories: list[str] = []
    # A batch allocates a few objects per item and no reference cycles, so the cyclic collector would only
    # re-walk every live object many times over (about 15 % of the scan); it is paused for the batch.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for item in items:
            title, description = item["title"], item.get("description") or ""
            texts.append(title)
            texts.append(description)
            category = item.get("category")
            categories.append(
                _checked_category(category, title, description)
                if isinstance(category, str) and category in _CATEGORY_SET
                else "general"
            )
        return [
            {"id": item["id"], "verdict": "pass", "findings": []}
            if not findings
            else {
                "id": item["id"],
                "verdict": verdict_of(findings),
                "findings": [finding.as_dict() for finding in findings],
            }
            for item, findings in zip(items, scanner.scan_fields(texts, categories), strict=True)
        ]
    finally:
        if collecting:
            gc.enable()


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
