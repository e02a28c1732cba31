"""What the request detail page shows of a closed request's ``result`` and of its frozen records: rows of
Chinese words, never the stored JSON (the audit event keeps that).

``result`` is what ``dsr.requests`` stored: ``export_sections``, ``consents_withdrawn``, ``erased`` (lines
``"<table>: <what>"`` written by each app's erase handler), ``frozen`` (handler → order, ticket or
after-sales numbers), ``freeze_notice``, ``correction`` and ``reject_code``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.core.words import LIST_SEPARATOR, field_label, label

# what an erase line or a hold names (``"<app>.<model>"``), in the words of the request page
RECORDS: dict[str, Any] = {
    "accounts.user": gettext_lazy("Account"),
    "accounts.address": gettext_lazy("Address book"),
    "orders.order": gettext_lazy("Order"),
    "aftersales.request": gettext_lazy("After-sales request"),
    "service.ticket": gettext_lazy("Ticket"),
    "product_reviews.review": gettext_lazy("Product reviews"),
    "product_reviews.follow_up": gettext_lazy("Follow-up reviews"),
    "product_reviews.question": gettext_lazy("Product questions"),
    "product_reviews.answer": gettext_lazy("Product answers"),
    "product_reviews.picture": gettext_lazy("Review pictures"),
    "product_reviews.notice": gettext_lazy("Moderation notices"),
}
# profile fields an erasure blanks that the common field names lack
FIELDS: dict[str, Any] = {"first_name": gettext_lazy("Given name"), "last_name": gettext_lazy("Family name")}
# legal bases stored as the statute's short English citation
STATUTES = (("ECL Art. 31", "《电子商务法》第三十一条"), ("PIPL 第 47 条", "《个人信息保护法》第四十七条"))
_COUNTED = re.compile(r"^(\d+)(?: (anonymised|texts))?$")


def label_list(values: Any, key: str) -> str:
    items = values if isinstance(values, list | tuple) else [values]
    return str(LIST_SEPARATOR).join(label(value, key) for value in items)


@dataclass(frozen=True)
class Line:
    """One row of the result card: a Chinese heading, the text, and the stored code as a tooltip."""

    heading: str
    text: str
    code: str = ""


def record_name(object_type: str) -> str:
    """``orders.order`` → 订单; an erase handler's name (``orders``) is its export section's name, and any
    other table falls back to the audit log's object names."""
    found = RECORDS.get(object_type)
    if found is not None:
        return str(found)
    section = label(object_type, "dsr.export_sections")
    return section if section != object_type else label(object_type, "audit.object")


def statute(text: str) -> str:
    """A stored legal basis with its statute named in Chinese (``ECL Art. 31（…）`` → ``《电子商务法》第三十一条（…）``)."""
    for short, chinese in STATUTES:
        text = text.replace(short, chinese)
    return text


def _erased_line(line: str) -> str:
    table, sep, what = str(line).partition(": ")
    if not sep:
        return str(line)
    counted = _COUNTED.match(what.strip())
    if counted is None:  # a list of fields: "accounts.user: username, display_name"
        fields = [str(FIELDS.get(n.strip()) or field_label(n.strip(), "accounts")) for n in what.split(",")]
        return f"{record_name(table)}：{str(LIST_SEPARATOR).join(fields)}"
    count, how = counted.groups()
    if how == "anonymised":
        return _("%(record)s: %(count)s anonymised") % {"record": record_name(table), "count": count}
    return _("%(record)s: %(count)s erased") % {"record": record_name(table), "count": count}


def result_lines(result: Any) -> list[Line]:
    """The result card of a closed request, in the order a person reads it."""
    if not isinstance(result, dict):
        return [Line(_("Result"), str(result))] if result else []
    from mallops.dsr.requests import REJECT_CODES

    lines: list[Line] = []
    if result.get("export_sections"):
        sections = [s for s in result["export_sections"] if s != "generated_at"]  # a stamp, not a section
        lines.append(Line(_("Exported sections"), label_list(sections, "dsr.export_sections")))
    if "consents_withdrawn" in result:
        withdrawn = result["consents_withdrawn"] or []
        text = label_list(withdrawn, "dsr.purposes") if withdrawn else _("none (no consent was in force)")
        lines.append(Line(_("Consents withdrawn"), text))
    for item in result.get("erased") or []:
        lines.append(Line(_("Erased"), _erased_line(item), str(item)))
    for handler, numbers in (result.get("frozen") or {}).items():
        section = label(handler, "dsr.export_sections")
        shown = str(LIST_SEPARATOR).join(str(n) for n in numbers)
        lines.append(Line(_("Frozen"), f"{section}：{shown}", str(handler)))
    if result.get("freeze_notice"):
        lines.append(Line(_("Notice to the buyer"), statute(str(result["freeze_notice"]))))
    if result.get("correction"):
        lines.append(Line(_("Correction"), str(result["correction"])))
    if result.get("reject_code"):
        code = str(result["reject_code"])
        lines.append(Line(_("Reason code"), REJECT_CODES.get(code, code), code))
    return lines
