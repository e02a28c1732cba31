"""Schedules and retention as data; the console pages of backups and drills."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from mallops.core.errors import DomainError
from mallops.ops import drill, services
from mallops.ops.models import BackupPolicy, BackupRun, DrillRun, RunResult
from mallops.ops.repositories import StoredBackup
from mallops.testing.factories import make_staff

NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def _stored(ages_hours: list[int]) -> list[StoredBackup]:
    return [
        StoredBackup(f"b{i:03d}", (NOW - timedelta(hours=age)).isoformat(), 1, "x")
        for i, age in enumerate(ages_hours)
    ]


@given(
    ages=st.lists(st.integers(min_value=0, max_value=24 * 90), max_size=30, unique=True),
    keep_last=st.integers(min_value=1, max_value=10),
    keep_days=st.integers(min_value=0, max_value=60),
)
def test_retention_keeps_the_newest_n_and_everything_younger_than_the_window(
    ages: list[int], keep_last: int, keep_days: int
) -> None:
    stored = _stored(ages)
    plan = services.retention_plan(stored, keep_last=keep_last, keep_days=keep_days, now=NOW)
    # oracle: rank by age, keep rank < keep_last or age <= keep_days days
    by_age = sorted(stored, key=lambda s: s.created_at, reverse=True)
    expected = {
        s.name
        for rank, s in enumerate(by_age)
        if rank < keep_last or datetime.fromisoformat(s.created_at) >= NOW - timedelta(days=keep_days)
    }
    assert set(plan.kept) == expected
    assert set(plan.deleted) == {s.name for s in stored} - expected
    assert not set(plan.kept) & set(plan.deleted)


def test_retention_example() -> None:
    plan = services.retention_plan(_stored([1, 30, 60, 24 * 10, 24 * 40]), keep_last=2, keep_days=7, now=NOW)
    assert plan.kept == ("b000", "b001", "b002")
    assert plan.deleted == ("b003", "b004")


@pytest.mark.django_db
def test_policy_runs_when_due_moves_its_timers_and_applies_retention(monkeypatch: pytest.MonkeyPatch) -> None:
    # given: a policy due now, with a drill due in an hour
    policy = services.policy_save(
        name="nightly",
        level="local",
        interval_hours=24,
        keep_last=3,
        keep_days=7,
        drill_interval_hours=168,
        now=NOW,
    )
    assert policy.backup_due_at == NOW
    assert policy.drill_due_at == NOW + timedelta(hours=1)
    calls: list[tuple[str, Any]] = []

    def fake_create(*, level: str, policy: BackupPolicy | None = None) -> BackupRun:
        calls.append(("create", level))
        return BackupRun.objects.create(
            level=level, policy=policy, name="b", started_at=NOW, result=RunResult.OK
        )

    def fake_retention(*, level: str, keep_last: int, keep_days: int, now: datetime | None = None) -> Any:
        calls.append(("retention", (level, keep_last, keep_days)))

    def fake_drill(*, level: str, policy: BackupPolicy | None = None, **_: Any) -> DrillRun:
        calls.append(("drill", level))
        return DrillRun.objects.create(level=level, policy=policy, started_at=NOW, result=RunResult.OK)

    monkeypatch.setattr(services, "backup_create", fake_create)
    monkeypatch.setattr(services, "retention_apply", fake_retention)
    monkeypatch.setattr(drill, "drill_run", fake_drill)
    # when: the periodic job runs now, then again a minute later, then after the drill is due
    assert services.policies_run_due(now=NOW) == {"backups": 1, "drills": 0}
    assert services.policies_run_due(now=NOW + timedelta(minutes=1)) == {"backups": 0, "drills": 0}
    later = NOW + timedelta(hours=2)
    assert services.policies_run_due(now=later) == {"backups": 0, "drills": 1}
    # then
    assert calls == [("create", "local"), ("retention", ("local", 3, 7)), ("drill", "local")]
    policy.refresh_from_db()
    assert policy.backup_due_at == NOW + timedelta(hours=24)
    assert policy.drill_due_at == later + timedelta(hours=168)


@pytest.mark.django_db
def test_inactive_policy_never_runs_and_bad_values_are_refused() -> None:
    services.policy_save(
        name="off", level="local", interval_hours=1, keep_last=1, keep_days=0, is_active=False, now=NOW
    )
    assert services.policies_run_due(now=NOW + timedelta(days=1)) == {"backups": 0, "drills": 0}
    with pytest.raises(DomainError) as caught:
        services.policy_save(name="bad", level="moon", interval_hours=0, keep_last=0, keep_days=-1)
    assert [e.loc for e in caught.value.errors] == [
        ("level",),
        ("interval_hours",),
        ("keep_last",),
        ("keep_days",),
    ]
    assert not BackupPolicy.objects.filter(name="bad").exists()


@pytest.mark.django_db
def test_console_pages_show_runs_drills_and_the_rto_against_the_target(client: Client) -> None:
    BackupRun.objects.create(
        level="local",
        name="mallops-20261207T010000Z-abcd",
        started_at=NOW,
        size_bytes=2048,
        is_checksum_ok=True,
        duration_ms=812,
        result=RunResult.OK,
        location="/srv/backups/mallops-20261207T010000Z-abcd",
    )
    for rto, result in [
        (5_000, RunResult.OK),
        (7_000, RunResult.OK),
        (3_000, RunResult.FAILED),
        (9_000, RunResult.OK),
    ]:
        DrillRun.objects.create(
            level="local",
            backup_name="b",
            started_at=NOW,
            rto_ms=rto,
            result=result,
            checks={"row_counts": {"ok": True, "detail": "92 tables"}},
        )
    admin = make_staff("platform_admin")
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    page = client.get("/ops/backups/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "mallops-20261207T010000Z-abcd" in body and "812 ms" in body
    assert 'data-testid="backup-runs-table"' in body and 'class="sort' in body  # the DataTable
    assert 'data-testid="backup-run"' not in client.get("/ops/backups/", {"level": "cloud"}).content.decode()
    drills = client.get("/ops/drills/")
    assert drills.status_code == 200
    html = drills.content.decode()
    assert html.count('data-testid="drill-run"') == 4
    assert 'data-testid="drill-runs-table"' in html and 'class="sort' in html  # the DataTable
    failed = client.get("/ops/drills/", {"result": "failed"}).content.decode()
    assert failed.count('data-testid="drill-run"') == 1
    assert '<strong data-testid="success-rate">75 %</strong>' in html
    import re

    worst = re.search(r"worst successful RTO[^<]*<strong>([^<]*)</strong> / ([^<]*)</li>", html)
    assert worst is not None, html
    assert worst.groups() == ("9,000 ms", "7,200,000 ms")


@pytest.mark.django_db
def test_console_pages_are_refused_without_the_permission(client: Client) -> None:
    client.force_login(make_staff("cs_agent"))
    assert client.get("/ops/backups/").status_code == 403
    assert client.get("/ops/drills/").status_code == 403
