"""Prometheus ``/metrics`` (R6.1.1, R6.3.2) with ``prometheus_client``.

Two kinds of series, both safe with several granian worker processes:

* per-request series (latency histogram per route, responses per status) are recorded by
  :class:`MetricsMiddleware` in prometheus_client's **multiprocess mode**: each process writes its own
  memory-mapped files in ``PROMETHEUS_MULTIPROC_DIR`` (default ``$MALLOPS_DATA_DIR/metrics``) and a scrape,
  answered by any worker, merges the files of all of them;
* state series (queue depth, sweep lag, flash-sale stock, orders, payments, database, backups and drills)
  are computed from the database and Huey **at scrape time** by :class:`StateCollector`, so every worker
  answers the same.

Routes are labelled by their URL pattern (``api/v1/orders/{order_id}``), never the raw path, so the number
of series stays bounded. Access: ``MALLOPS_METRICS_TOKEN`` set means ``Authorization: Bearer <token>`` is
required; unset means only loopback clients (127.0.0.1, ::1) may scrape.
"""

from __future__ import annotations

import hmac
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ENV_TOKEN = "MALLOPS_METRICS_TOKEN"
ENV_DIR = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
LOOPBACK = {"127.0.0.1", "::1"}

_lock = threading.Lock()
_request_metrics: dict[str, Any] = {}


def multiprocess_dir() -> Path:
    path = Path(os.environ.get(ENV_DIR) or Path(settings.DATA_DIR) / "metrics")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _metrics() -> dict[str, Any]:
    """The per-request metrics, created on first use after the multiprocess directory is set: the
    client picks its value class from ``PROMETHEUS_MULTIPROC_DIR`` when it is first imported."""
    if _request_metrics:
        return _request_metrics
    with _lock:
        if not _request_metrics:
            os.environ.setdefault(ENV_DIR, str(multiprocess_dir()))
            from prometheus_client import Counter, Histogram, values

            # the client chose its value class when first imported; if that was before the directory was
            # set (a library or a test imported it early), choose again so these series go to the files
            if values.ValueClass is values.MutexValue:
                values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]

            _request_metrics["latency"] = Histogram(
                "mallops_http_request_duration_seconds",
                "Time to answer a request, per route (URL pattern) and method",
                ["route", "method"],
                buckets=LATENCY_BUCKETS,
            )
            _request_metrics["responses"] = Counter(
                "mallops_http_responses",
                "Responses per route, method and status class (5xx are errors)",
                ["route", "method", "status"],
            )
            _request_metrics["exceptions"] = Counter(
                "mallops_http_exceptions", "Unhandled exceptions per route", ["route"]
            )
    return _request_metrics


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return str(getattr(match, "route", "") or match.view_name or "unmatched")[:120]


class MetricsMiddleware:
    """Times every request and counts responses per route and status class."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            _metrics()["exceptions"].labels(_route(request)).inc()
            raise
        if request.path != "/metrics":
            metrics = _metrics()
            route = _route(request)
            metrics["latency"].labels(route, request.method or "").observe(time.perf_counter() - started)
            metrics["responses"].labels(route, request.method or "", f"{response.status_code // 100}xx").inc()
        return response


# --- state computed at scrape time -----------------------------------------------------------------------


def due_fields() -> Iterator[tuple[Any, str]]:
    from django.apps import apps
    from django.db import models

    for model in apps.get_models():
        if not model.__module__.startswith("mallops."):
            continue
        for field in model._meta.concrete_fields:
            if field.name.endswith("due_at") and isinstance(field, models.DateTimeField):
                yield model, field.name


class StateCollector:
    """Gauges read from the database and the queue when scraped (identical whichever worker answers)."""

    def describe(self) -> list[Any]:
        return []  # computed on collect; not probed at registration

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        for family in (
            self._queue(GaugeMetricFamily),
            self._sweeps(GaugeMetricFamily),
            self._flash_sales(GaugeMetricFamily),
            self._business(GaugeMetricFamily, CounterMetricFamily),
            self._database(GaugeMetricFamily),
            self._backups(GaugeMetricFamily),
        ):
            yield from family

    def _queue(self, gauge: Any) -> Iterator[Any]:
        from django.utils import timezone
        from huey.contrib.djhuey import HUEY

        depth = gauge("mallops_queue_depth", "Background jobs waiting in the Huey queue", labels=["queue"])
        depth.add_metric([HUEY.name], HUEY.pending_count())
        yield depth
        scheduled = gauge(
            "mallops_queue_scheduled", "Jobs scheduled for later (retries, delayed)", labels=["queue"]
        )
        scheduled.add_metric([HUEY.name], HUEY.scheduled_count())
        yield scheduled
        # Huey keeps no enqueue time; the age we can measure is how late the most overdue scheduled job is
        now = timezone.now()
        overdue = [task.eta for task in HUEY.scheduled(limit=500) if task.eta is not None]
        lateness = 0.0
        if overdue:
            oldest = min(overdue)
            if oldest.tzinfo is None:  # Huey keeps naive UTC times
                oldest = oldest.replace(tzinfo=UTC)
            lateness = max(0.0, (now - oldest).total_seconds())
        age = gauge(
            "mallops_queue_oldest_overdue_seconds",
            "How late the most overdue scheduled job is",
            labels=["queue"],
        )
        age.add_metric([HUEY.name], lateness)
        yield age

    def _sweeps(self, gauge: Any) -> Iterator[Any]:
        from django.db.models import Count, Min
        from django.utils import timezone

        now = timezone.now()
        lag = gauge(
            "mallops_sweep_lag_seconds",
            "Age of the oldest overdue timer (*_due_at in the past) per column; 0 when none is overdue",
            labels=["timer"],
        )
        rows = gauge(
            "mallops_sweep_overdue_rows", "Rows whose timer is past due, per column", labels=["timer"]
        )
        for model, name in due_fields():
            found = model._base_manager.filter(**{f"{name}__lte": now}).aggregate(
                oldest=Min(name), count=Count("pk")
            )
            label = f"{model._meta.label_lower}.{name}"
            lag.add_metric([label], (now - found["oldest"]).total_seconds() if found["oldest"] else 0.0)
            rows.add_metric([label], found["count"])
        yield lag
        yield rows

    def _flash_sales(self, gauge: Any) -> Iterator[Any]:
        from django.apps import apps
        from django.utils import timezone

        sale_model = apps.get_model("orders", "FlashSale")
        now = timezone.now()
        remaining = gauge(
            "mallops_flash_sale_remaining_units", "Units left in each running flash sale", labels=["sale"]
        )
        claimed = gauge("mallops_flash_sale_claimed_units", "Units held by flash orders", labels=["sale"])
        for sale_id, quantity, taken in sale_model._base_manager.filter(
            starts_at__lte=now, ends_at__gt=now, finalized=False
        ).values_list("pk", "quantity", "claimed")[:200]:
            remaining.add_metric([str(sale_id)], quantity - taken)
            claimed.add_metric([str(sale_id)], taken)
        yield remaining
        yield claimed

    def _business(self, gauge: Any, counter: Any) -> Iterator[Any]:
        from django.apps import apps
        from django.db.models import Count
        from django.utils import timezone

        order_model = apps.get_model("orders", "Order")
        payment_model = apps.get_model("payments", "Payment")
        now = timezone.now()
        recent = order_model._base_manager.filter(created_at__gt=now - timedelta(minutes=5)).count()
        per_minute = gauge("mallops_orders_per_minute", "Orders created per minute over the last 5 minutes")
        per_minute.add_metric([], recent / 5)
        yield per_minute
        total = counter("mallops_orders_created", "Orders created (all time)")
        total.add_metric([], order_model._base_manager.count())
        yield total
        payments = gauge(
            "mallops_payments", "Payments per status (closed = opened and never paid)", labels=["status"]
        )
        for status, count in (
            payment_model._base_manager.values_list("status").annotate(n=Count("pk")).order_by()
        ):
            payments.add_metric([status], count)
        yield payments
        failures = gauge(
            "mallops_payment_failures_last_hour",
            "Payments opened in the last hour and closed unpaid (a rising number needs a look)",
        )
        failures.add_metric(
            [],
            payment_model._base_manager.filter(
                created_at__gt=now - timedelta(hours=1), status="closed"
            ).count(),
        )
        yield failures

    def _database(self, gauge: Any) -> Iterator[Any]:
        from django.db import connection

        info = gauge("mallops_database_info", "The database in use", labels=["vendor"])
        info.add_metric([connection.vendor], 1)
        yield info
        persistent = gauge(
            "mallops_database_conn_max_age_seconds", "Persistent connection lifetime per worker"
        )
        persistent.add_metric([], float(connection.settings_dict.get("CONN_MAX_AGE") or 0))
        yield persistent
        if connection.vendor == "postgresql":
            connections = gauge(
                "mallops_database_connections",
                "Server connections to this database per state",
                labels=["state"],
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() GROUP BY 1"
                )
                for state, count in cursor.fetchall():
                    connections.add_metric([state], count)
            yield connections
        elif connection.vendor == "sqlite":
            size = gauge("mallops_database_size_bytes", "Size of the SQLite database file")
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA page_count")
                pages = cursor.fetchone()[0]
                cursor.execute("PRAGMA page_size")
                size.add_metric([], pages * cursor.fetchone()[0])
            yield size

    def _backups(self, gauge: Any) -> Iterator[Any]:
        from mallops.ops.models import BackupRun, DrillRun, RunResult

        last = gauge(
            "mallops_backup_last_success_timestamp_seconds",
            "When the last good backup started",
            labels=["level"],
        )
        for level, started in (
            BackupRun.objects.filter(kind="create", result=RunResult.OK)
            .order_by("level", "-started_at")
            .values_list("level", "started_at")
        ):
            if not any(sample.labels["level"] == level for sample in last.samples):
                last.add_metric([level], started.timestamp())
        yield last
        drill = DrillRun.objects.exclude(result=RunResult.RUNNING).order_by("-started_at", "-id").first()
        rto = gauge("mallops_drill_last_rto_seconds", "Measured RTO of the last restore drill (target 7200)")
        ok = gauge("mallops_drill_last_success", "1 when the last restore drill passed every check")
        if drill is not None:
            rto.add_metric([], drill.rto_ms / 1000)
            ok.add_metric([], 1 if drill.result == RunResult.OK else 0)
        yield rto
        yield ok


def render() -> tuple[bytes, str]:
    """The exposition text of every process's request series plus the state series."""
    _metrics()  # sets the multiprocess directory before the client is imported
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(StateCollector())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def is_allowed(request: HttpRequest) -> bool:
    token = os.environ.get(ENV_TOKEN, "")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.META.get("REMOTE_ADDR", "") in LOOPBACK


def metrics_view(request: HttpRequest) -> HttpResponse:
    if not is_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    body, content_type = render()
    return HttpResponse(body, content_type=content_type)
