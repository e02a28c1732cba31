from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from mallops.core import sweeps
from mallops.core.models import SweepProbe


@pytest.mark.django_db
def test_sweep_handles_due_rows_once_and_leaves_future_rows():
    now = timezone.now()
    due = [SweepProbe.objects.create(due_at=now - timedelta(minutes=m)) for m in range(1, 6)]
    later = SweepProbe.objects.create(due_at=now + timedelta(minutes=5))
    probe = sweeps.registered()["core.sweep_probe"]

    assert sweeps.run_sweeper(probe, now) == 5
    assert sweeps.run_sweeper(probe, now) == 0

    for row in due:
        row.refresh_from_db()
        assert (row.hits, row.due_at) == (1, None)
    later.refresh_from_db()
    assert later.hits == 0


@pytest.mark.django_db
def test_worker_outage_only_delays(settings):
    # given rows that fell due while no worker ran, spread over more than one batch
    settings.MALLOPS = {**settings.MALLOPS, "SWEEP_BATCH_SIZE": 7}
    past = timezone.now() - timedelta(hours=6)
    SweepProbe.objects.bulk_create([SweepProbe(due_at=past + timedelta(minutes=i)) for i in range(50)])
    # when the worker comes back
    result = sweeps.run_all()
    # then everything overdue is handled exactly once
    assert result["core.sweep_probe"] == 50
    assert set(SweepProbe.objects.values_list("hits", flat=True)) == {1}


@pytest.mark.django_db
def test_a_failing_row_does_not_block_the_others(monkeypatch):
    now = timezone.now()
    rows = [SweepProbe.objects.create(due_at=now - timedelta(seconds=1), label=str(i)) for i in range(3)]
    original = sweeps.registered()["core.sweep_probe"]

    def handle(row, when):
        if row.label == "1":
            raise RuntimeError("bad row")
        original.handle(row, when)

    flaky = sweeps.Sweeper(name="flaky", queryset=original.queryset, handle=handle)
    assert sweeps.run_sweeper(flaky, now) == 2
    assert [SweepProbe.objects.get(pk=r.pk).hits for r in rows] == [1, 0, 1]


@pytest.mark.postgres_only
@pytest.mark.req("R6.1.1")
@pytest.mark.django_db(transaction=True)
def test_two_processes_sweeping_at_once_handle_each_row_exactly_once():
    # given 600 due rows committed to the test database
    past = timezone.now() - timedelta(minutes=1)
    SweepProbe.objects.bulk_create([SweepProbe(due_at=past) for _ in range(600)])
    settings_dict = connection.settings_dict
    url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD']}@{settings_dict['HOST']}:"
        f"{settings_dict['PORT']}/{settings_dict['NAME']}"
    )
    env = {**os.environ, "DATABASE_URL": url, "MALLOPS_SWEEP_BATCH_SIZE": "5"}
    command = [sys.executable, "-m", "mallops", "worker", "--once"]
    # when two workers sweep at the same time
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    # then every row was handled once, and the two workers' counts add up to the rows
    assert set(SweepProbe.objects.values_list("hits", flat=True)) == {1}
    import json

    counts = [json.loads(out.decode().strip().splitlines()[-1])["core.sweep_probe"] for out, _ in outputs]
    assert sum(counts) == 600
