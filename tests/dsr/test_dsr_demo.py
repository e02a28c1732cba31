from __future__ import annotations

import random

import pytest
from dsr_helpers import new_buyer

from mallops.dsr import demo
from mallops.dsr.models import ConsentRecord, DataSubjectRequest, PrivacyPolicy
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def test_demo_loads_a_policy_consents_and_requests_once() -> None:
    make_staff("compliance_auditor")
    for n in range(8):
        new_buyer(f"1380000{n:04d}")
    lines: list[str] = []
    demo.load(lines=lines, rng=random.Random("demo-dsr"))
    assert PrivacyPolicy.objects.get(is_current=True).version == "2026.1"
    assert ConsentRecord.objects.exists()
    rows = DataSubjectRequest.objects.all()
    assert rows.count() == 6
    assert rows.filter(status="completed", kind="access").count() == 1
    assert rows.filter(escalated_at__isnull=False).count() == 1
    demo.load(lines=lines, rng=random.Random("demo-dsr"))
    assert DataSubjectRequest.objects.count() == 6 and "kept" in lines[-1]
