"""``/metrics``: scrapes, parses with prometheus_client's own parser, and is protected."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from mallops.ops.models import BackupRun, DrillRun, RunResult


def _families(text: str) -> dict[str, Any]:
    return {family.name: family for family in text_string_to_metric_families(text)}


def _value(families: dict[str, Any], name: str, **labels: str) -> float:
    for family in families.values():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    raise AssertionError(f"no sample {name} {labels}")


@pytest.mark.django_db
@pytest.mark.req("R6.1.1")
def test_metrics_scrape_parses_with_request_latency_state_and_backup_series(client: Client) -> None:
    # given: some traffic, one good backup and one drill
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page-for-metrics").status_code == 404
    now = timezone.now()
    BackupRun.objects.create(
        level="local", name="b1", started_at=now - timedelta(hours=1), result=RunResult.OK
    )
    DrillRun.objects.create(level="local", backup_name="b1", started_at=now, rto_ms=6100, result=RunResult.OK)
    # when
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    families = _families(response.content.decode())
    assert _value(families, "mallops_http_request_duration_seconds_count", route="healthz", method="GET") >= 3
    assert _value(families, "mallops_http_responses_total", route="healthz", method="GET", status="2xx") >= 3
    assert (
        _value(families, "mallops_http_responses_total", route="unmatched", method="GET", status="4xx") >= 1
    )
    assert families["mallops_http_request_duration_seconds"].type == "histogram"
    assert _value(families, "mallops_queue_depth") >= 0
    assert _value(families, "mallops_sweep_lag_seconds", timer="orders.order.pay_due_at") == 0.0
    assert _value(families, "mallops_sweep_overdue_rows", timer="orders.order.pay_due_at") == 0.0
    assert _value(families, "mallops_orders_per_minute") == 0.0
    from django.db import connection

    assert _value(families, "mallops_database_info", vendor=connection.vendor) == 1.0
    assert _value(families, "mallops_drill_last_rto_seconds") == 6.1
    assert _value(families, "mallops_drill_last_success") == 1.0
    assert _value(families, "mallops_backup_last_success_timestamp_seconds", level="local") == pytest.approx(
        (now - timedelta(hours=1)).timestamp()
    )


@pytest.mark.django_db
def test_sweep_lag_reports_the_oldest_overdue_timer(client: Client) -> None:
    from mallops.core.models import SweepProbe

    now = timezone.now()
    SweepProbe.objects.create(due_at=now - timedelta(seconds=600))
    SweepProbe.objects.create(due_at=now - timedelta(seconds=30))
    SweepProbe.objects.create(due_at=now + timedelta(seconds=600))
    families = _families(client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode())
    assert _value(families, "mallops_sweep_overdue_rows", timer="core.sweepprobe.due_at") == 2.0
    lag = _value(families, "mallops_sweep_lag_seconds", timer="core.sweepprobe.due_at")
    assert 600 <= lag < 660


@pytest.mark.django_db
def test_metrics_refused_to_remote_clients_and_token_required_when_set(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    monkeypatch.setenv("MALLOPS_METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert (
        client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    )
    ok = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
    assert "mallops_queue_depth" in ok.content.decode()
