"""Console pages of marketing (R4.1.1, R4.1.3): channels, spend entry and CSV upload, the channel ROI
report with its bar chart and the budget suggestion with its Chinese reasoning."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import error_lines, label
from mallops.marketing import selectors, services
from mallops.marketing.engine import Model
from mallops.marketing.forms import MarketingChannelForm, MarketingSpendFileForm, MarketingSpendForm

MAX_CSV_BYTES = 1024 * 1024


def _need(request: HttpRequest, permission: str) -> Actor:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)
    return request_actor(request)


def _acting(request: HttpRequest, permission: str) -> Actor:
    """``_need``, then the typed actor for a service call (issue 16)."""
    _need(request, permission)
    return request_actor(request)


def _refused(form: Any, error: DomainError) -> None:
    for line in error_lines(error.errors, "marketing") or [_("The action was refused.")]:
        form.add_error(None, line)


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    actor = _need(request, "analytics.view")
    form = MarketingChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.channel_create(actor=_acting(request, "promotion.manage"), **form.cleaned_data)
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Marketing channel created."))
            return redirect("marketing:channels")
    table = DataTable(
        request,
        selectors.channels(actor=actor),
        columns=[
            Column("name", _("Channel name"), sort="name"),
            Column("code", _("Channel code"), sort="code"),
            Column("kind", _("Channel kind"), value=lambda r: label(r.kind, "marketing.kind")),
            Column("utm_source", _("UTM source")),
            Column("is_active", _("Channel in use"), value=lambda r: _("Yes") if r.is_active else _("No")),
        ],
        search=["name", "code", "utm_source"],
        search_placeholder=_("Channel name, code or UTM source"),
        default_sort="code",
        empty_title=_("No marketing channel yet."),
        empty_hint=_("Add the channels whose links carry a UTM source."),
    )
    return render(
        request,
        "marketing/channels.html",
        {
            "active": "marketing_report",
            "table": table,
            "form": form,
            "can_manage": request.user.has_perm("promotion.manage"),
        },
    )


@login_required
def spend_page(request: HttpRequest) -> HttpResponse:
    actor = _need(request, "promotion.manage")
    form = MarketingSpendForm(request.POST if "amount" in request.POST else None)
    upload = MarketingSpendFileForm(
        request.POST if "file" in request.FILES else None, request.FILES if "file" in request.FILES else None
    )
    if request.method == "POST" and form.is_bound and form.is_valid():
        try:
            services.spend_set(
                actor=request_actor(request),
                channel_id=form.cleaned_data["channel"].pk,
                day=form.cleaned_data["day"],
                amount_fen=form.cleaned_data["amount"],
            )
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Marketing spend recorded."))
            return redirect("marketing:spend")
    if request.method == "POST" and upload.is_bound and upload.is_valid():
        handle = upload.cleaned_data["file"]
        try:
            if handle.size > MAX_CSV_BYTES:
                upload.add_error("file", _("The spend file is too large (1 MB at most)."))
            else:
                result = services.spend_import_csv(
                    actor=request_actor(request), text=handle.read().decode("utf-8")
                )
                messages.success(
                    request,
                    _("Spend file imported: %(rows)s rows, %(changed)s changed.")
                    % {"rows": result.rows, "changed": result.changed},
                )
                return redirect("marketing:spend")
        except UnicodeDecodeError:
            upload.add_error("file", _("The spend file is not UTF-8 text."))
        except DomainError as error:
            _refused(upload, error)
    end = timezone.localdate()
    recent = selectors.spends(actor=actor, start=end - timedelta(days=30), end=end).select_related("channel")
    table = DataTable(
        request,
        recent,
        columns=[
            Column("day", _("Spend day"), kind="date", sort="day"),
            Column("channel", _("Marketing channel"), value=lambda r: r.channel.name),
            Column("amount_fen", _("Marketing spend"), kind="money", sort="amount_fen"),
        ],
        default_sort="-day",
        empty_title=_("No spend in the last 30 days."),
    )
    return render(
        request,
        "marketing/spend.html",
        {"active": "marketing_report", "form": form, "upload": upload, "table": table},
    )


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return default


def _percent(value: Any) -> str:
    return "—" if value is None else f"{float(value * 100):.1f}%"


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    actor = _need(request, "analytics.view")
    today = timezone.localdate()
    end = _day(request.GET.get("end"), today)
    start = _day(request.GET.get("start"), end - timedelta(days=29))
    model = Model.FIRST_TOUCH if request.GET.get("model") == "first_touch" else Model.LAST_TOUCH
    raw = request.GET.get("lookback_days", "")
    lookback = max(1, min(int(raw), 90)) if is_ascii_digits(raw) else selectors.DEFAULT_LOOKBACK_DAYS
    errors: list[str] = []
    report = None
    try:
        report = selectors.channel_report(
            actor=actor, start=start, end=end, model=model, lookback_days=lookback
        )
    except DomainError as error:
        errors = error_lines(error.errors, "marketing")
    rows, chart, moves = [], None, []
    if report is not None:
        names = {c.code: c.name for c in report.channels}
        unattributed = _("Unattributed")
        for r in report.attribution.rows:
            rows.append(
                {
                    "name": names.get(r.code, r.code) if r.code else unattributed,
                    "spend_fen": r.spend_fen,
                    "orders": r.orders,
                    "gmv_fen": r.gmv_fen,
                    "new_buyers": r.new_buyers,
                    "cac_fen": r.cac_fen,
                    "roi": _percent(r.roi),
                }
            )
        chart = {
            "xAxis": {"type": "category", "data": [row["name"] for row in rows]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": _("Marketing spend (元)"),
                    "type": "bar",
                    "data": [r.spend_fen / 100 for r in report.attribution.rows],
                },
                {
                    "name": _("Attributed GMV (元)"),
                    "type": "bar",
                    "data": [r.gmv_fen / 100 for r in report.attribution.rows],
                },
            ],
        }
        moves = [
            {
                "name": names.get(m.code, m.code),
                "roi": _percent(m.roi),
                "change_fen": m.change_fen,
                "reason": m.reason_zh,
            }
            for m in report.moves
        ]
    return render(
        request,
        "marketing/report.html",
        {
            "active": "marketing_report",
            "start": start,
            "end": end,
            "model": str(model),
            "lookback": lookback,
            "errors": errors,
            "report": report,
            "rows": rows,
            "chart": chart,
            "moves": moves,
            "mean_roi": _percent(report.mean_roi) if report else "—",
        },
    )
