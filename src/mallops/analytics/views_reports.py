"""Console report pages of analytics (permission ``analytics.view``): funnel, retention, purchase behaviour
(R3.2.2), cost inputs (R3.4.1, ``analytics.manage`` to add) and the buyers of an RFM segment.

Every report page is a form (events from a list, windows in 分钟/小时/天, dates from the picker), an ECharts
chart, the same figures as a table, and ``?export=csv|xlsx`` of that table (R3.3.2).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mallops.accounts.actors import request_actor
from mallops.analytics import charts, selectors
from mallops.analytics.console_forms import (
    CostEntryForm,
    DateRangeForm,
    FunnelForm,
    RetentionForm,
    event_choices,
    range_initial,
    shanghai_bounds,
)
from mallops.console.lists import _safe_cell
from mallops.core.errors import DomainError
from mallops.core.money import format_fen
from mallops.core.words import error_lines, label

EXPORT_FORMATS = ("csv", "xlsx")


def _require(request: HttpRequest, permission: str = "analytics.view") -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _export_format(request: HttpRequest) -> str | None:
    value = request.GET.get("export", "")
    return value if value in EXPORT_FORMATS else None


def _export_urls(request: HttpRequest) -> dict[str, str]:
    query = request.GET.copy()
    urls = {}
    for fmt in EXPORT_FORMATS:
        query["export"] = fmt
        urls[fmt] = f"{request.path}?{query.urlencode()}"
    return urls


def report_export(name: str, fmt: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> HttpResponse:
    """The report's table as CSV (with a BOM for Excel) or XLSX; formula-like text is neutralised."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for values in [list(header), *rows]:
            writer.writerow([_safe_cell("" if v is None else v) for v in values])
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(title=name[:31])
        for values in [list(header), *rows]:
            sheet.append([_safe_cell(v) for v in values])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


def _seen_events() -> list[str]:
    try:
        return selectors.recent_event_names()
    except Exception:  # the page works from the known events when the store cannot be read
        return []


def _bound(form_class: Any, request: HttpRequest, marker: str, **kwargs: Any) -> Any:
    """The form bound to the query string when the marker field is in it, else unbound with defaults."""
    if marker in request.GET:
        # a link may leave required fields out (dates, window): they take the form's defaults
        defaults = form_class(initial=range_initial(), **kwargs)
        data = request.GET.copy()
        for name, field in defaults.fields.items():
            value = defaults.initial.get(name, field.initial)
            if field.required and not data.get(name) and value not in (None, ""):
                data[name] = value.isoformat() if isinstance(value, date) else str(value)
        return form_class(data, **kwargs)
    return form_class(initial=range_initial(), **kwargs)


def _errors(exc: DomainError) -> list[str]:
    return error_lines(exc.errors, "analytics") or [str(exc.detail)]


# --- funnel ------------------------------------------------------------------------------------------------


@login_required
def funnel_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = _bound(FunnelForm, request, "step_1", events=event_choices(_seen_events()))
    rows: list[dict[str, Any]] = []
    option = None
    errors: list[str] = []
    identity_resolved = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        from_, to = shanghai_bounds(data["start"], data["end"])
        try:
            spec = selectors.funnel_spec(
                steps=",".join(data["steps"]), window=data["window_seconds"], from_=from_, to=to
            )
            result = selectors.funnel_report(spec, timing=True)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            identity_resolved = result["identity_resolved"]
            for index, step in enumerate(result["steps"]):
                rows.append(
                    {
                        **step,
                        "number": index + 1,
                        "name": label(step["event"], "analytics.event"),
                        "conversion_shown": _pct(step["conversion"]),
                        "drop_off_shown": _pct(step["drop_off"]),
                    }
                )
            # the same event twice in a funnel gets its step number, so no two blocks share a name
            option = charts.funnel_option(
                [(f"{row['number']}. {row['name']}", row["users"]) for row in rows], unit=_(" users")
            )
            fmt = _export_format(request)
            if fmt:
                return report_export(
                    "funnel",
                    fmt,
                    [
                        _("Step"),
                        _("Event"),
                        _("Users"),
                        _("Conversion from first step"),
                        _("Drop-off from previous step"),
                        _("Median seconds from first step"),
                    ],
                    [
                        [
                            row["number"],
                            row["name"],
                            row["users"],
                            row["conversion_shown"],
                            row["drop_off_shown"],
                            row.get("median_seconds"),
                        ]
                        for row in rows
                    ],
                )
    return render(
        request,
        "analytics/funnel.html",
        {
            "active": "analytics_funnel",
            "form": form,
            "rows": rows,
            "option": option,
            "errors": errors,
            "identity_resolved": identity_resolved,
            "exports": _export_urls(request) if rows else None,
        },
    )


# --- retention ---------------------------------------------------------------------------------------------


def retention_cells(cohorts: Sequence[dict[str, Any]], periods: int, today: date) -> list[list[float | None]]:
    """Per cohort, the % retained on day k, or None when day k (cohort date + k) is after ``today``: a
    period not reached yet is blank, not 0 %."""
    cells: list[list[float | None]] = []
    for cohort in cohorts:
        day = date.fromisoformat(cohort["date"])
        reached = (today - day).days + 1
        cells.append(
            [
                round(rate * 100, 1) if k < reached else None
                for k, rate in enumerate(cohort["rates"][:periods])
            ]
        )
    return cells


@login_required
def retention_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = _bound(RetentionForm, request, "start_event", events=event_choices(_seen_events()))
    table: list[dict[str, Any]] = []
    option = None
    errors: list[str] = []
    periods = 0
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        periods = data["periods"]
        from_, to = shanghai_bounds(data["start"], data["end"])
        try:
            spec = selectors.retention_spec(
                start_event=data["start_event"],
                return_event=data["return_event"],
                periods=periods,
                from_=from_,
                to=to,
            )
            result = selectors.retention_report(spec)
        except DomainError as exc:
            errors = _errors(exc)
        else:
            cohorts = result["cohorts"]
            cells = retention_cells(cohorts, periods, timezone.localdate())
            for cohort, row in zip(cohorts, cells, strict=True):
                table.append(
                    {
                        "date": cohort["date"],
                        "size": cohort["size"],
                        "cells": [
                            None
                            if pct is None
                            else {"pct": pct, "n": n, "alpha": f"{0.08 + 0.8 * pct / 100:.2f}"}
                            for pct, n in zip(row, cohort["retained"], strict=False)
                        ],
                    }
                )
            columns = [_("Day %(k)s") % {"k": k} for k in range(periods)]
            if cohorts:
                option = charts.heatmap_option(columns, [c["date"] for c in cohorts], cells)
            fmt = _export_format(request)
            if fmt:
                return report_export(
                    "retention",
                    fmt,
                    [_("Cohort"), _("Users"), *columns],
                    [
                        [
                            row["date"],
                            row["size"],
                            *("" if c is None else f"{c['pct']}%" for c in row["cells"]),
                        ]
                        for row in table
                    ],
                )
    return render(
        request,
        "analytics/retention.html",
        {
            "active": "analytics_retention",
            "form": form,
            "table": table,
            "periods": [_("Day %(k)s") % {"k": k} for k in range(periods)],
            "option": option,
            "height": charts.heatmap_height(len(table)),
            "errors": errors,
            "ran": form.is_bound and form.is_valid() and not errors,
            "exports": _export_urls(request) if table else None,
        },
    )


# --- purchase behaviour (R3.2.2) -----------------------------------------------------------------------------


@login_required
def purchase_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    from mallops.analytics.purchase import purchase_report

    form = DateRangeForm(request.GET) if "start" in request.GET else DateRangeForm(initial=range_initial())
    if form.is_bound:
        valid = form.is_valid()
        start, end = (form.cleaned_data["start"], form.cleaned_data["end"]) if valid else (None, None)
    else:
        valid = True
        start, end = form.initial["start"], form.initial["end"]
    context: dict[str, Any] = {"active": "analytics_purchase", "form": form, "report": None}
    if valid and start and end:
        report = purchase_report(start=start, end=end)
        for row in [*report["by_hour"], *report["by_method"]]:
            row["gmv_shown"] = format_fen(row["gmv_fen"])
            row["share_shown"] = _pct(row["share"])
        for row in report["by_method"]:
            row["name"] = label(row["method"], "analytics.payment_method")
        hours = [_("%(h)s:00") % {"h": f"{row['hour']:02d}"} for row in report["by_hour"]]
        fmt = _export_format(request)
        if fmt:
            return report_export(
                "purchase-behaviour",
                fmt,
                [
                    _("Dimension"),
                    _("Value"),
                    _("Orders"),
                    _("Paying buyers"),
                    _("GMV (yuan)"),
                    _("Share of orders"),
                ],
                [
                    *[
                        [
                            _("Hour of day"),
                            hour,
                            row["orders"],
                            row["buyers"],
                            row["gmv_fen"] / 100,
                            row["share_shown"],
                        ]
                        for hour, row in zip(hours, report["by_hour"], strict=True)
                    ],
                    *[
                        [
                            _("Payment method"),
                            row["name"],
                            row["orders"],
                            row["buyers"],
                            row["gmv_fen"] / 100,
                            row["share_shown"],
                        ]
                        for row in report["by_method"]
                    ],
                ],
            )
        context.update(
            report=report,
            hour_labels=hours,
            hour_rows=list(zip(hours, report["by_hour"], strict=True)),
            hour_option=charts.bar_option(
                hours, [row["orders"] for row in report["by_hour"]], name=_("Orders")
            ),
            method_option=charts.pie_option(
                [(row["name"], row["orders"]) for row in report["by_method"]], name=_("Orders")
            ),
            exports=_export_urls(request),
        )
    return render(request, "analytics/purchase.html", context)


# --- cost inputs (R3.4.1) --------------------------------------------------------------------------------------


@login_required
def costs_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    from mallops.analytics.costs import cost_entries, cost_entry_create
    from mallops.console.lists import Column, DataTable, DateRange, Filter

    can_manage = request.user.has_perm("analytics.manage")
    form = CostEntryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _require(request, "analytics.manage")
        if form.is_valid():
            try:
                cost_entry_create(actor=request_actor(request), **form.cleaned_data)
            except DomainError as exc:
                for line in _errors(exc):
                    form.add_error(None, line)
            else:
                messages.success(request, _("Cost recorded."))
                return redirect("analytics:costs")
    table = DataTable(
        request,
        cost_entries(),
        columns=[
            Column(
                "category",
                _("Cost category"),
                value=lambda e: label(e.category, "analytics.cost_category"),
            ),
            Column("start_on", _("First day"), sort="start_on", value=lambda e: e.start_on.isoformat()),
            Column("end_on", _("Last day"), value=lambda e: e.end_on.isoformat()),
            Column("amount_fen", _("Amount"), kind="money", sort="amount_fen"),
            Column("note", _("Note")),
            Column("created_at", _("Recorded"), kind="datetime", sort="created_at"),
            *(
                [
                    Column(
                        "actions",
                        "",
                        kind="template",
                        template="analytics/_cost_row_actions.html",
                        export=False,
                    )
                ]
                if can_manage
                else []
            ),
        ],
        search=["note"],
        search_placeholder=_("Search the notes"),
        filters=[
            Filter(
                "category",
                _("Cost category"),
                [
                    (value, label(value, "analytics.cost_category"))
                    for value in ("advertising", "logistics", "customer_service")
                ],
            )
        ],
        date_range=DateRange("start_on", _("First day")),
        default_sort="-start_on",
        export_name="costs",
        empty_title=_("No cost recorded yet."),
        empty_hint=_(
            "Record advertising, logistics and customer-service spend to see cost per order and ROI."
        ),
        testid="costs",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "analytics/costs.html",
        {"active": "analytics_costs", "form": form, "table": table, "can_manage": can_manage},
    )


@login_required
def cost_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require(request, "analytics.manage")
    if request.method != "POST":
        return redirect("analytics:costs")
    from mallops.analytics.costs import cost_entry_delete

    try:
        cost_entry_delete(
            actor=request_actor(request), entry_id=entry_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, "；".join(_errors(exc)))
    else:
        messages.success(request, _("Cost entry removed."))
    return redirect("analytics:costs")


# --- buyers of an RFM segment (drill-down) ---------------------------------------------------------------------


@login_required
def segment_buyers(request: HttpRequest, tag: str) -> HttpResponse:
    _require(request)
    from mallops.analytics import rfm
    from mallops.analytics.models import SegmentMember
    from mallops.console.lists import Column, DataTable

    if tag not in {t.value for t in rfm.Tag}:
        raise Http404("segment")
    contacts = _buyer_contacts()
    can_open = request.user.has_perm("buyer.view")
    table = DataTable(
        request,
        SegmentMember.objects.filter(tag=tag),
        columns=[
            Column(
                "distinct_id",
                _("Buyer"),
                sort="distinct_id",
                link=(lambda m: contacts.link(m.distinct_id)) if can_open else None,
            ),
            Column("phone", _("Mobile"), value=lambda m: contacts.phone(m.distinct_id)),
            Column("recency_days", _("Days since last order"), kind="number", sort="recency_days"),
            Column("frequency", _("Orders"), kind="number", sort="frequency"),
            Column("monetary_fen", _("Spend"), kind="money", sort="monetary_fen"),
            Column(
                "scores", _("R / F / M scores"), value=lambda m: f"{m.r_score} / {m.f_score} / {m.m_score}"
            ),
        ],
        search=["distinct_id"],
        search_placeholder=_("Search by username"),
        default_sort="-monetary_fen",
        export_name=f"segment-{tag}",
        empty_title=_("No buyer in this segment."),
        empty_hint=_("Segments are recomputed every day from paid orders."),
        testid="segment-buyers",
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "analytics/segment_buyers.html",
        {
            "active": "analytics_insights",
            "table": table,
            "tag": tag,
            "segment_name": label(tag, "analytics.segment"),
            "definition": label(tag, "analytics.segment_definition"),
        },
    )


class _Contacts:
    """Masked contact data of buyers by username, read once per username (the list shows one page)."""

    def __init__(self) -> None:
        self._cache: dict[str, Any] = {}

    def _user(self, username: str) -> Any:
        if username not in self._cache:
            from mallops.accounts.models import User
            from mallops.accounts.roles import Kind

            self._cache[username] = User.objects.filter(username=username, kind=Kind.BUYER).first()
        return self._cache[username]

    def phone(self, username: str) -> str:
        from mallops.privacy.registry import always_masked

        user = self._user(username)
        return "—" if user is None or not user.phone else str(always_masked(user, "phone"))

    def link(self, username: str) -> str | None:
        user = self._user(username)
        return None if user is None else reverse("console:buyer", args=[user.pk])


def _buyer_contacts() -> _Contacts:
    return _Contacts()
