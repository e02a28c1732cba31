"""Console pages of analytics (permission ``analytics.view``): KPI dashboard, live panel, experiments and
insights (RFM segments with their definitions and drill-down, churn model, lifecycle). The funnel, retention,
purchase-behaviour, cost and segment-buyer pages are in :mod:`.views_reports`."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.analytics import selectors, services
from mallops.analytics.charts import bar_chart, bar_option, line_chart, time_series_option
from mallops.analytics.console_forms import event_choices
from mallops.analytics.metrics import METRICS, compute, facts_between, kpi_report, period_bounds
from mallops.analytics.models import Experiment, ModelRun, QueryJob, Task
from mallops.console.formats import duration as duration_zh
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.money import format_fen
from mallops.core.words import label


def _require(request: HttpRequest, permission: str = "analytics.view") -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


def _display(unit: str, value: float | int | None) -> str:
    if value is None:
        return "—"
    if unit == "fen":
        return format_fen(int(value))
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        return duration_zh(value)
    if unit == "ms":
        return f"{value:,.0f} ms"
    if unit == "score":
        return f"{value:.1f}"
    return f"{int(value):,}"


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        return default


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    _require(request)
    today = timezone.localdate()
    end = _date(request.GET.get("end"), today)
    start = _date(request.GET.get("start"), end - timedelta(days=6))
    if start > end:
        start = end
    report = kpi_report(start=start, end=end, daily=("gmv_fen", "orders", "visitors", "conversion_rate"))
    tiles = []
    for metric in report["metrics"]:
        change = metric["change"]
        good = None if change is None or change == 0 else (change > 0) == (metric["better"] == "up")
        tiles.append(
            {
                **metric,
                "shown": _display(metric["unit"], metric["value"]),
                "previous_shown": _display(metric["unit"], metric["previous"]),
                "change_shown": "—" if change is None else f"{change * 100:+.1f}%",
                "good": good,
            }
        )
    labels = [point["date"][5:] for point in report["series"]["gmv_fen"]]
    dates = [point["date"] for point in report["series"]["gmv_fen"]]
    series = report["series"]
    trend_options = [
        (
            "kpi-trend-sales",
            _("GMV and orders per day"),
            time_series_option(
                dates,
                [
                    (_("GMV (yuan)"), [(p["value"] or 0) / 100 for p in series["gmv_fen"]]),
                    (_("Orders"), [p["value"] for p in series["orders"]]),
                ],
                second_axis=True,
            ),
        ),
        (
            "kpi-trend-visits",
            _("Visitors and conversion per day"),
            time_series_option(
                dates,
                [
                    (_("Visitors"), [p["value"] for p in series["visitors"]]),
                    (
                        _("Conversion rate (%)"),
                        [round((p["value"] or 0) * 100, 2) for p in series["conversion_rate"]],
                    ),
                ],
                second_axis=True,
            ),
        ),
    ]
    charts = [
        line_chart(
            _("GMV per day (yuan)"), labels, [(p["value"] or 0) / 100 for p in report["series"]["gmv_fen"]]
        ),
        bar_chart(_("Orders per day"), labels, [p["value"] for p in report["series"]["orders"]]),
        line_chart(_("Visitors per day"), labels, [p["value"] for p in report["series"]["visitors"]]),
        line_chart(
            _("Conversion rate per day (%)"),
            labels,
            [(p["value"] or 0) * 100 for p in report["series"]["conversion_rate"]],
        ),
    ]
    context = {
        "active": "analytics",
        "start": start,
        "end": end,
        "previous_start": report["previous_start"],
        "tiles": tiles,
        "charts": charts,
        "trend_options": trend_options,
        "page_loads": report["page_loads"],
        "can_manage": request.user.has_perm("analytics.manage"),
        "teams": Task.Team.choices,
        "tasks": Task.objects.order_by("-created_at")[:10],
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
@require_POST
def task_new(request: HttpRequest) -> HttpResponse:
    _require(request)
    try:
        services.task_create(
            actor=request_actor(request),
            title=request.POST.get("title", ""),
            team=request.POST.get("team", ""),
            metric=request.POST.get("metric", ""),
            finding={"note": request.POST.get("note", ""), "period": request.POST.get("period", "")},
        )
    except DomainError as exc:
        messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
    else:
        messages.success(request, _("Task created."))
    return redirect(request.POST.get("next") or "analytics:dashboard")


@login_required
def live(request: HttpRequest) -> HttpResponse:
    """Near-real-time panel (R3.3.2): the page reloads every minute; the store is loaded on each view."""
    _require(request)
    now = timezone.now()
    now_us = selectors.to_us(now)
    today = timezone.localdate()
    day_from, day_to = period_bounds(today, today)
    from mallops.analytics.facts import load_rows

    rows = load_rows(min(day_from, now_us - 3_600_000_000), day_to)
    today_values = compute(facts_between(rows, day_from, day_to))
    minute_counts = [0] * 60
    hour_start = now_us - 3_600_000_000
    for _who, _event, ts, _props in rows:
        if hour_start <= ts < now_us:
            minute_counts[min(59, (ts - hour_start) // 60_000_000)] += 1
    # each bar is labelled with its own minute, Beijing time (never the same label twice)
    labels = [timezone.localtime(now - timedelta(minutes=60 - i)).strftime("%H:%M") for i in range(60)]
    by_key = {m.key: m for m in METRICS}
    tiles = [
        {
            "label": by_key[key].label,
            "label_zh": by_key[key].label_zh,
            "shown": _display(by_key[key].unit, today_values[key]),
        }
        for key in ("gmv_fen", "orders", "buyers", "visitors", "conversion_rate")
    ]
    context = {
        "active": "analytics_live",
        "tiles": tiles,
        "chart": bar_chart(_("Events per minute, last hour"), labels, minute_counts),
        "chart_option": bar_option(labels, minute_counts, name=_("Events"), show_values=False),
        "events_last_hour": sum(minute_counts),
        "updated": timezone.localtime(now),
    }
    return render(request, "analytics/live.html", context)


@login_required
def experiments_page(request: HttpRequest) -> HttpResponse:
    _require(request)
    from mallops.analytics.experiments import experiment_results, variant_names

    if request.method == "POST":
        _require(request, "analytics.manage")
        keys = request.POST.getlist("variant")
        # the display names are optional: a form without them names no variant
        shown = request.POST.getlist("variant_name")[: len(keys)]
        shown += [""] * (len(keys) - len(shown))
        variants = [
            {"key": key.strip(), "weight": int(weight), "name": name.strip()}
            for key, weight, name in zip(keys, request.POST.getlist("weight"), shown, strict=False)
            if key.strip() and is_ascii_digits(weight.strip(), max_digits=9)
        ]
        try:
            created = services.experiment_create(
                actor=request_actor(request),
                key=request.POST.get("key", "").strip(),
                title=request.POST.get("title", "").strip(),
                variants=variants,
                metric_event=request.POST.get("metric_event", "").strip(),
                value_property=request.POST.get("value_property", "").strip(),
                # picked from the list (one value each); a comma-separated value is still understood
                guardrails=[
                    g.strip()
                    for value in request.POST.getlist("guardrails")
                    for g in value.split(",")
                    if g.strip()
                ],
            )
        except DomainError as exc:
            messages.error(request, "; ".join(e.msg for e in exc.errors) or exc.detail)
            return redirect("analytics:experiments")
        messages.success(request, _("Experiment started."))
        return redirect(f"{request.path}?key={created.key}")
    experiments = list(Experiment.objects.order_by("-started_at"))
    key = request.GET.get("key") or (experiments[0].key if experiments else None)
    selected = next((e for e in experiments if e.key == key), None)
    results = experiment_results(selected) if selected else None
    if results is not None and selected is not None:
        names = variant_names(selected.variants)
        for row in results["variants"]:
            row["name"] = names.get(row["key"], row["key"])
    return render(
        request,
        "analytics/experiments.html",
        {
            "active": "analytics_experiments",
            "experiments": experiments,
            "selected": selected,
            "results": results,
            "can_manage": request.user.has_perm("analytics.manage"),
            "event_choices": event_choices(),
        },
    )


@login_required
def insights(request: HttpRequest) -> HttpResponse:
    _require(request)
    from mallops.analytics.modelling import lifecycle_report, segments_summary

    segments = segments_summary()
    churn_run = ModelRun.objects.filter(kind="churn").order_by("-created_at", "-pk").first()
    lifecycle = lifecycle_report()
    for row in segments["tags"]:
        row["name"] = label(row["tag"], "analytics.segment")
        row["definition"] = label(row["tag"], "analytics.segment_definition")
        row["url"] = reverse("analytics:segment_buyers", args=[row["tag"]])
    chart = bar_chart(
        _("Buyers per segment"),
        [t["name"] for t in segments["tags"]],
        [t["buyers"] for t in segments["tags"]],
    )
    segment_option = bar_option(
        [t["name"] for t in segments["tags"]],
        [t["buyers"] for t in segments["tags"]],
        name=_("Buyers"),
        links=[t["url"] for t in segments["tags"]],
    )
    return render(
        request,
        "analytics/insights.html",
        {
            "active": "analytics_insights",
            "segments": segments,
            "segment_chart": chart,
            "segment_option": segment_option,
            "churn": churn_run.result if churn_run else None,
            "lifecycle": lifecycle,
        },
    )


@login_required
def jobs_page(request: HttpRequest) -> HttpResponse:
    """The user's background queries with progress; refreshes while one is running; cancel button."""
    _require(request)
    from mallops.analytics.jobs import job_cancel, job_start

    if request.method == "POST":
        try:
            if "cancel" in request.POST:
                job_cancel(actor=request_actor(request), job_id=int(request.POST["cancel"]))
                messages.success(request, _("Job cancelled."))
            else:
                params = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "kind")}
                job_start(actor=request_actor(request), kind=request.POST.get("kind", ""), params=params)
                messages.success(request, _("Query queued."))
        except (DomainError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("analytics:jobs")
    jobs = list(QueryJob.objects.filter(created_by_id=request.user.pk).order_by("-created_at")[:20])
    running = any(job.status in (QueryJob.Status.QUEUED, QueryJob.Status.RUNNING) for job in jobs)
    return render(
        request, "analytics/jobs.html", {"active": "analytics_jobs", "jobs": jobs, "running": running}
    )
