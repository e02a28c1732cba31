"""Console pages of risk control: queue, decision with the cluster's linkage, rule editor, trends."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mallops.audit.models import AuditEvent
from mallops.core.timeutil import SHANGHAI
from mallops.risk import services
from mallops.risk.contracts import EventType, RiskEvent
from mallops.risk.models import RiskDecision, RiskProfileVersion
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def _browser(*roles: str) -> Client:
    client = Client()
    client.force_login(make_staff(*roles))
    return client


def _ring(at: datetime | None = None) -> list[RiskDecision]:
    base = at or timezone.now() - timedelta(minutes=5)
    for n, (buyer, device, address) in enumerate(
        [("11", "d-farm", None), ("12", "d-farm", None), ("13", "d-other", None)]
    ):
        services.assess(
            event=RiskEvent(
                id=f"a{n}",
                type=EventType.ADDRESS_CHANGE,
                buyer=buyer,
                at=base,
                device=device,
                address=address or "北京市朝阳区建国路88号 1 单元",
            )
        )
    for n, buyer in enumerate(["11", "12", "13"]):
        services.assess(
            event=RiskEvent(
                id=f"c{n}",
                type=EventType.COUPON_CLAIM,
                buyer=buyer,
                at=base + timedelta(minutes=1 + n),
                batch="7",
            )
        )
    return list(RiskDecision.objects.order_by("pk"))


def test_the_queue_lists_decisions_and_filters_by_rule_and_status() -> None:
    rows = _ring()
    assert [(r.buyer, r.outcome) for r in rows] == [("12", "review"), ("13", "block")]
    browser = _browser("risk_analyst")
    page = browser.get(reverse("risk:queue"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="risk-row"') == 2
    assert "风控审核队列" in html and "团伙领券" in html and "coupon_ring<" not in html  # words, not rule ids
    assert reverse("risk:decision", args=[rows[0].pk]) in html
    filtered = browser.get(reverse("risk:queue"), {"rule": "brushing"}).content.decode()
    assert filtered.count('data-testid="risk-row"') == 0
    blocked = browser.get(reverse("risk:queue"), {"outcome": "block"}).content.decode()
    assert blocked.count('data-testid="risk-row"') == 1
    export = browser.get(reverse("risk:queue"), {"export": "csv"})
    assert export.status_code == 200 and len(export.content.decode("utf-8-sig").strip().splitlines()) == 3


@pytest.mark.req("R7.2.2")
def test_the_decision_page_shows_who_shares_what_and_the_analyst_confirms_it() -> None:
    row = _ring()[0]
    browser = _browser("risk_analyst")
    html = browser.get(reverse("risk:decision", args=[row.pk])).content.decode()
    assert 'data-testid="risk-linkage"' in html
    graph = browser.get(reverse("risk:decision", args=[row.pk])).context["graph"]["series"][0]
    assert sorted(node["name"] for node in graph["data"]) == ["#11", "#12", "#13", "d-farm", "北京市朝阳区"]
    assert len(graph["links"]) == 5  # 11 and 12 to the device; 11, 12 and 13 to the address
    assert "d-farm" in html and "#11、#12" in html  # the device shared by 11 and 12
    assert "北京市朝阳区" in html and "建国路" not in html  # the address cut to its district
    assert "data-confirm=" in html
    answer = browser.post(reverse("risk:decision", args=[row.pk]), {"op": "confirm", "note": "同机"})
    assert answer.status_code == 302
    row.refresh_from_db()
    assert (row.status, row.note, row.analyst is not None) == ("confirmed", "同机", True)
    assert AuditEvent.objects.filter(action="risk.decision_confirm", object_id=str(row.pk)).count() == 1


def test_a_compliance_auditor_reads_but_cannot_decide() -> None:
    row = _ring()[0]
    browser = _browser("compliance_auditor")
    html = browser.get(reverse("risk:decision", args=[row.pk])).content.decode()
    assert 'data-testid="risk-decision"' in html and 'value="confirm"' not in html
    assert browser.post(reverse("risk:decision", args=[row.pk]), {"op": "clear"}).status_code == 403
    row.refresh_from_db()
    assert row.status == "open"
    assert _browser("cs_agent").get(reverse("risk:queue")).status_code == 403


def _profile_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "coupon_ring_review_linked": 1,
        "coupon_ring_block_linked": 2,
        "harvest_account_age_s": 1440,
        "harvest_window_s": 60,
        "harvest_distinct_batches": 3,
        "brushing_window_s": 60,
        "brushing_review_orders": 5,
        "brushing_block_orders": 10,
        "duplicate_review_window_s": 1440,
        "duplicate_review_other_buyers": 2,
        "takeover_login_window_s": 120,
        "takeover_change_window_s": 30,
        "takeover_block_amount_fen": 1000,
        "refund_window_s": 43200,
        "refund_block_requests": 8,
        "refund_block_percent": 80,
        "refund_review_requests": 5,
        "refund_review_percent": 60,
        "note": "",
        "days": 30,
    }
    data.update(overrides)
    return data


def test_the_rule_editor_dry_runs_then_publishes_an_audited_version() -> None:
    _ring()
    admin = _browser("platform_admin")
    form = admin.get(reverse("risk:profile")).content.decode()
    assert 'name="brushing_window_s"' in form and 'value="60"' in form  # seconds shown in minutes
    # raising the ring's block threshold to 3 would turn the block into a review
    dry = admin.post(reverse("risk:profile"), _profile_post(coupon_ring_block_linked=3, op="dry_run"))
    assert dry.status_code == 200
    result = dry.context["dry_run"]
    assert (result.events, result.changed, result.changed_by_rule) == (6, 1, {})
    assert result.before == {"allow": 4, "review": 1, "block": 1}
    assert result.after == {"allow": 4, "review": 2}
    assert RiskProfileVersion.objects.count() == 0
    published = admin.post(
        reverse("risk:profile"), _profile_post(coupon_ring_block_linked=3, note="放宽", op="publish")
    )
    assert published.status_code == 302
    version = RiskProfileVersion.objects.get()
    assert (version.version, version.is_active, version.note) == (1, True, "放宽")
    assert version.rules["coupon_ring_block_linked"] == 3
    assert version.rules["brushing_window_s"] == 3600
    assert version.rules["takeover_block_amount_fen"] == 100_000
    assert AuditEvent.objects.filter(action="risk.profile_publish").count() == 1
    # an analyst sees the rules but cannot publish
    analyst = _browser("risk_analyst")
    assert analyst.get(reverse("risk:profile")).status_code == 200
    refused = analyst.post(reverse("risk:profile"), _profile_post(op="publish"))
    assert refused.status_code == 403
    assert RiskProfileVersion.objects.count() == 1


def test_trends_chart_decisions_per_rule_and_day() -> None:
    # noon of yesterday in Beijing: the chart's days are Beijing days, and a ring at now - 1 day straddles
    # two of them when the test runs just after Beijing midnight
    yesterday = (datetime.now(SHANGHAI) - timedelta(days=1)).date()
    _ring(at=datetime(yesterday.year, yesterday.month, yesterday.day, 12, tzinfo=SHANGHAI))
    browser = _browser("risk_analyst")
    page = browser.get(reverse("risk:trends"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="risk-by-rule"' in html or 'data-echarts="risk-by-rule' in html or "risk-by-rule" in html
    series = page.context["by_rule"]["series"]
    assert [(s["data"][-2], sum(s["data"])) for s in series] == [(2, 2)]
