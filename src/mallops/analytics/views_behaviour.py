"""Console page of browse behaviour, reviews and conversion levers (R3.2.1, R3.2.3, R3.3.3), permission
``analytics.view``: one page at /analytics/behaviour/ with a tab per report, server-rendered SVG charts."""

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
from mallops.analytics import behaviour, behaviour_levers, selectors
from mallops.analytics.charts import bar_chart, line_chart
from mallops.analytics.console_forms import event_choices
from mallops.analytics.metrics import period_bounds
from mallops.analytics.models import Task
from mallops.core.errors import DomainError
from mallops.core.money import format_fen

TABS = ("browse", "reviews", "levers")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _fen(value: int | None) -> str:
    return "—" if value is None else format_fen(value)


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


def _browse(start: date, end: date, path_event: str) -> dict[str, Any]:
    report = behaviour.browse_report(start=start, end=end)
    from_us, to_us = period_bounds(start, end)
    paths = selectors.paths_report(event=path_event, from_us=from_us, to_us=to_us, depth=3, top=8)
    for row in paths["exit_nodes"]:
        row["rate_shown"] = _pct(row["exit_rate"])
    labels = [day["date"][5:] for day in report["days"]]
    for row in [report["totals"], *report["days"], *report["channels"], *report["placements"]]:
        row["ctr_shown"] = _pct(row.get("ctr"))
        row["atc_shown"] = _pct(row.get("add_to_cart_rate"))
        row["dwell_shown"] = _num(row.get("dwell_mean_seconds"))
    for row in report["pages"]:
        row["dwell_shown"] = _num(row["dwell_mean_seconds"])
        row["median_shown"] = _num(row["dwell_median_seconds"])
    charts = [
        line_chart(
            _("Mean dwell time per day (s)"), labels, [d["dwell_mean_seconds"] for d in report["days"]]
        ),
        line_chart(
            _("Click-through rate per day (%)"), labels, [(d["ctr"] or 0) * 100 for d in report["days"]]
        ),
        line_chart(
            _("Add-to-cart rate per day (%)"),
            labels,
            [(d["add_to_cart_rate"] or 0) * 100 for d in report["days"]],
        ),
        bar_chart(
            _("Add-to-cart rate per channel (%)"),
            [c["label"] for c in report["channels"]],
            [(c["add_to_cart_rate"] or 0) * 100 for c in report["channels"]],
        ),
    ]
    return {"report": report, "charts": charts, "paths": paths}


def _reviews(start: date, end: date, path_event: str) -> dict[str, Any]:
    report = behaviour.review_report(start=start, end=end)
    report["mean_shown"] = _num(report["mean_score"], 2)
    report["negative_shown"] = _pct(report["negative_share"])
    for row in [*report["days"], *report["spus"]]:
        row["mean_shown"] = _num(row["mean_score"], 2)
        row["negative_shown"] = _pct(row["negative_share"])
    charts = [
        bar_chart(
            _("Reviews per score"),
            [f"{row['score']}★" for row in report["histogram"]],
            [row["reviews"] for row in report["histogram"]],
        ),
        line_chart(
            _("Negative review share per day (%)"),
            [d["date"][5:] for d in report["days"]],
            [(d["negative_share"] or 0) * 100 for d in report["days"]],
        ),
        bar_chart(
            _("Top terms of negative reviews"),
            [row["term"] for row in report["top_terms"][:12]],
            [row["reviews"] for row in report["top_terms"][:12]],
        ),
    ]
    return {"report": report, "charts": charts, "teams": Task.Team.choices}


def _levers(start: date, end: date, path_event: str) -> dict[str, Any]:
    report = behaviour_levers.levers_report(start=start, end=end)
    report["overall"]["conversion_shown"] = _pct(report["overall"]["conversion"])
    for row in [*report["experiments"], *report["page_variants"]]:
        row["conversion_shown"] = _pct(row["conversion"])
    for row in report["offers"]:
        row["lift_shown"] = "—" if row["lift"] is None else f"{row['lift'] * 100:+.1f}%"
        for side in (row["with"], row["without"]):
            side["conversion_shown"] = _pct(side["conversion"])
            side["gmv_shown"] = _fen(side["gmv_fen"])
            side["aov_shown"] = _fen(side["aov_fen"])
    for row in report["checkout_steps"]:
        row["drop_shown"] = _pct(row["drop_off"])
    for row in report["repurchase"]:
        for side in (row["with"], row["without"]):
            side["rate_shown"] = _pct(side["repurchase_rate"])
    charts = [
        bar_chart(
            _("Users per checkout step"),
            [row["step"] for row in report["checkout_steps"]],
            [row["users"] for row in report["checkout_steps"]],
        ),
        bar_chart(
            _("Checkout conversion with / without the offer (%)"),
            [f"{row['lever']} {flag}" for row in report["offers"] for flag in ("+", "−")],
            [
                (row[side]["conversion"] or 0) * 100
                for row in report["offers"]
                for side in ("with", "without")
            ],
        ),
    ]
    return {"report": report, "charts": charts}


@login_required
def behaviour_page(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("analytics.view"):
        raise PermissionDenied("analytics.view")
    today = timezone.localdate()
    end = _date(request.GET.get("end") or request.POST.get("end"), today)
    start = _date(request.GET.get("start") or request.POST.get("start"), end - timedelta(days=6))
    tab = request.GET.get("tab", "browse")
    tab = tab if tab in TABS else "browse"
    query = f"?tab={tab}&start={start.isoformat()}&end={end.isoformat()}"
    if request.method == "POST":
        try:
            task = behaviour.review_task_create(
                actor=request_actor(request),
                start=start,
                end=end,
                team=request.POST.get("team", ""),
                title=request.POST.get("title", ""),
            )
        except DomainError as exc:
            messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
        else:
            messages.success(request, _("Task created: %(title)s") % {"title": task.title})
        return redirect(request.path + query)
    path_event = request.GET.get("path_event", "").strip()[:100] or "add_to_cart"
    context: dict[str, Any] = {
        "active": "analytics_behaviour",
        "tab": tab,
        "start": start,
        "end": end,
        "path_event": path_event,
        "event_choices": event_choices([path_event]),
    }
    try:
        context.update(
            {"browse": _browse, "reviews": _reviews, "levers": _levers}[tab](start, end, path_event)
        )
    except DomainError as exc:
        context["error"] = "; ".join(e.msg for e in exc.errors) or exc.detail
    return render(request, "analytics/behaviour.html", context)
