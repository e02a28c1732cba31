"""The report of one inspection as rows (the XLSX export, the printable page) and as a PDF drawn on the
server (``compliance.pdf``), shared by the console and the API."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.compliance import labels, selectors
from mallops.compliance.models import Inspection
from mallops.compliance.report import report_number
from mallops.core.actors import Actor

_FIELD_WORDS = {
    "title": gettext_lazy("Title"),
    "name": gettext_lazy("Name"),
    "description": gettext_lazy("Description"),
    "rules_text": gettext_lazy("Promotion rules"),
    "body": gettext_lazy("Reply text"),
    "notice": gettext_lazy("Announcement"),
    "reply": gettext_lazy("Reply to a review"),
    "price": gettext_lazy("Price"),
    "policy": gettext_lazy("Privacy policy"),
    "registry": gettext_lazy("Personal-data register"),
    "request": gettext_lazy("Data-subject request"),
    "retention": gettext_lazy("Retention period"),
}
_INDEXED = re.compile(r"^(selling_points|skus)\[(\d+)\](?:\.spec_values\.(.+))?$")


def field_words(path: str) -> str:
    """A field path in words: ``selling_points[1]`` → 卖点 2, ``description.usage`` → 描述（usage 段）."""
    if path in _FIELD_WORDS:
        return str(_FIELD_WORDS[path])
    match = _INDEXED.match(path)
    if match and match.group(1) == "selling_points":
        return _("Selling point %(number)s") % {"number": int(match.group(2)) + 1}
    if match:
        return _("SKU %(number)s spec") % {"number": int(match.group(2)) + 1}
    if path.startswith("description."):
        return str(_FIELD_WORDS["description"])
    return _("Text")


def export_rows(*, actor: Actor, run: Inspection) -> tuple[list[list[Any]], list[list[Any]]]:
    rows = list(selectors.findings(inspection=run))
    states = selectors.remediation(actor=actor, rows=rows)
    summary = run.summary
    head: list[list[Any]] = [
        [_("Report number"), report_number(run.pk, run.started_at)],
        [_("Inspection"), run.pk],
        [_("Started"), timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M")],
        [_("Status"), str(labels.INSPECTION_STATUS.get(run.status, ""))],
        [_("Live objects checked"), summary.get("objects", 0)],
        [_("Texts checked"), summary.get("texts", 0)],
        [_("Total findings"), summary.get("findings", 0)],
    ]
    for key, value in summary.get("by_severity", {}).items():
        head.append([str(labels.SEVERITY.get(key, key)), value])
    for key, value in summary.get("by_area", {}).items():
        head.append([str(labels.AREA.get(key, key)), value])
    for rule, value in summary.get("by_rule", {}).items():
        head.append([str(labels.RULE.get(rule, _("Other rule"))), value])
    trend = summary.get("trend", {})
    if trend.get("has_previous"):
        head.append([_("Findings in the previous run"), trend["findings_previous"]])
        head.append([_("New since the previous run"), trend["new"]])
        head.append([_("Resolved since the previous run"), trend["resolved"]])
    body: list[list[Any]] = [
        [
            _("No."),
            _("Area"),
            _("Object"),
            _("Where"),
            _("Rule"),
            _("Words found"),
            _("Severity"),
            _("Legal basis"),
            _("Remediation"),
            _("Accepted because"),
        ]
    ]
    for number, row in enumerate(rows, start=1):
        body.append(
            [
                number,
                str(labels.AREA.get(row.area, "")),
                row.object_label,
                field_words(row.field),
                str(labels.RULE.get(row.rule, _("Other rule"))),
                row.text,
                str(labels.SEVERITY.get(row.severity, "")),
                row.article,
                str(labels.REMEDIATION[states[row.pk].state]),
                row.accepted_reason,
            ]
        )
    return head, body


def report_pdf(*, actor: Actor, run: Inspection) -> bytes:
    """The report as a PDF, in Chinese (the report's own language whatever the reader's)."""
    from mallops.compliance.pdf import report_pdf as draw

    with translation.override("zh-hans"):
        head, body = export_rows(actor=actor, run=run)
        if run.signed_at is not None:
            who = run.signed_by.username if run.signed_by is not None else ""
            sign_off = _("Signed off by %(who)s at %(when)s") % {
                "who": who,
                "when": timezone.localtime(run.signed_at).strftime("%Y-%m-%d %H:%M"),
            }
            if run.sign_note:
                sign_off += f" · {run.sign_note}"
        else:
            sign_off = _("Not signed off yet.")
        number = report_number(run.pk, run.started_at)
        return draw(
            number=number,
            title=_("Compliance self-inspection report"),
            head=head,
            header=body[0],
            rows=body[1:],
            sign_off=sign_off,
            empty=_("Nothing found."),
            generated=timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        )
