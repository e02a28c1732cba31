"""Consent binds: analytics ingestion and segment campaigns read ``consent_allows`` (R3.1.2, R1.3.3, R1.3.4)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from dsr_helpers import POLICY_TEXT, PURPOSES, new_buyer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.analytics.models import IdentityAlias, SegmentMember
from mallops.analytics.storage import get_store, reset_stores
from mallops.analytics.store.store import EventStore
from mallops.dsr.consent import consent_change, policy_publish
from mallops.dsr.consent_selectors import consent_allows, consent_cache, consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.dsr.models import ConsentAction, ConsentRecord, PrivacyPolicy
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for

pytestmark = pytest.mark.django_db

ANALYTICS = {
    "code": "analytics",
    "name": "统计分析",
    "scope": "设备与浏览信息",
    "retention": "十二个月",
    "legal_basis": "consent",
}


@pytest.fixture
def store(settings: Any, tmp_path: Path) -> Iterator[EventStore]:
    settings.ANALYTICS_STORE_DIR = str(tmp_path / "analytics")
    reset_stores()
    yield get_store()
    reset_stores()


@pytest.fixture
def policy(officer: Any) -> Any:
    return policy_publish(
        actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=[*PURPOSES, ANALYTICS]
    )


def _rows(store: EventStore) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    store.load()
    return sorted(
        (row for path in store.live_files() for row in pq.read_table(path).to_pylist()),
        key=lambda row: row["uuid"],
    )


def _event(uid: str, who: str, **properties: Any) -> dict[str, Any]:
    return {
        "uuid": uid,
        "event": "product_view",
        "distinct_id": who,
        "timestamp": timezone.now().isoformat(),
        "properties": properties,
    }


def test_consent_allows_fails_closed_and_follows_the_latest_answer(officer: Any) -> None:
    buyer = new_buyer()
    # given no policy at all: nothing is declared, nothing allowed
    assert consent_allows(buyer.pk, Purpose.MARKETING) is False
    first = policy_publish(actor=actor_of(officer), version="2026.1", text=POLICY_TEXT, purposes=PURPOSES)
    # a purpose the policy does not declare is never allowed; a contract purpose needs no consent
    assert consent_allows(buyer.pk, Purpose.ANALYTICS) is False
    assert consent_allows(buyer.pk, "order_fulfilment") is True
    # a consent purpose: absent, granted, withdrawn
    assert consent_allows(buyer.pk, Purpose.MARKETING) is False
    consent_change(actor=actor_of(buyer), purpose="marketing", action="grant")
    granted_at = timezone.now()
    assert consent_allows(buyer.pk, Purpose.MARKETING) is True
    consent_change(actor=actor_of(buyer), purpose="marketing", action="withdraw")
    assert consent_allows(buyer.pk, Purpose.MARKETING) is False
    # ``at``: the answer in force then
    assert consent_allows(buyer.pk, Purpose.MARKETING, at=granted_at) is True
    assert consent_allows(buyer.pk, Purpose.MARKETING, at=first.published_at - timedelta(seconds=1)) is False
    # a grant under an older version must be renewed (PIPL Art. 14)
    consent_change(actor=actor_of(buyer), purpose="marketing", action="grant")
    policy_publish(actor=actor_of(officer), version="2026.2", text=POLICY_TEXT, purposes=PURPOSES)
    assert consent_allows(buyer.pk, Purpose.MARKETING) is False
    consent_change(actor=actor_of(buyer), purpose="marketing", action="grant")
    assert consent_allows(buyer.pk, Purpose.MARKETING) is True


def test_answers_are_cached_per_request_and_a_change_clears_them(policy: Any) -> None:
    buyer = new_buyer()
    consent_change(actor=actor_of(buyer), purpose="marketing", action="grant")
    with consent_cache():
        assert consent_allows(buyer.pk, Purpose.MARKETING) is True
        with CaptureQueriesContext(connection) as queries:
            assert consent_allows(buyer.pk, Purpose.MARKETING) is True
            assert consenting_user_ids([buyer.pk], Purpose.MARKETING) == {buyer.pk}
        assert len(queries) == 0
        consent_change(actor=actor_of(buyer), purpose="marketing", action="withdraw")
        assert consent_allows(buyer.pk, Purpose.MARKETING) is False
    # outside a request nothing is cached: every call reads the database
    with CaptureQueriesContext(connection) as queries:
        consent_allows(buyer.pk, Purpose.MARKETING)
    assert len(queries) == 2


@pytest.mark.req("R3.1.2")
@pytest.mark.req("R1.3.4")
def test_after_a_withdrawal_the_next_event_is_stored_without_the_person(
    policy: Any, store: EventStore
) -> None:
    buyer = new_buyer()
    client = ApiClient(token_for(buyer))
    assert (
        client.post_json("/api/v1/me/consents", {"purpose": "analytics", "action": "grant"}).status_code
        == 201
    )
    sent = ApiClient().post_json(
        "/api/v1/events", [_event("e1", buyer.username, order_id="O-1", spu="SPU-1")]
    )
    assert sent.status_code == 200 and sent.json()["ingested"] == 1
    # when the buyer withdraws, the very next event loses the person
    assert (
        client.post_json("/api/v1/me/consents", {"purpose": "analytics", "action": "withdraw"}).status_code
        == 201
    )
    ApiClient().post_json(
        "/api/v1/events",
        [
            _event("e2", buyer.username, order_id="O-2", spu="SPU-2", phone="13912345678"),
            _event("e3", "visitor-9"),
        ],
    )
    first, second, visitor = _rows(store)
    assert first["distinct_id"] == buyer.username
    assert json.loads(first["properties"]) == {"order_id": "O-1", "spu": "SPU-1"}
    assert second["uuid"] == "e2" and second["distinct_id"].startswith("anon:")
    assert len(second["distinct_id"]) == len("anon:") + 32
    # what could lead back to the buyer is gone; the analytic content stays
    assert json.loads(second["properties"]) == {"spu": "SPU-2"}
    # a device id that is nobody's account is not personal to us: unchanged
    assert visitor["distinct_id"] == "visitor-9"
    # hostile shapes are the store's to reject, never a crash here
    odd = ApiClient().post_json("/api/v1/events", [{**_event("e4", "x"), "distinct_id": ["a"]}, 7])
    assert odd.status_code == 200 and odd.json()["rejected"] == 2


@pytest.mark.req("R3.1.2")
def test_without_consent_identify_merges_nothing_and_merged_ids_are_bound(
    policy: Any, store: EventStore
) -> None:
    consenting, silent = new_buyer(), new_buyer()
    ConsentRecord.objects.create(
        buyer=consenting, purpose="analytics", policy=policy, action=ConsentAction.GRANTED, at=timezone.now()
    )
    identify = [
        {**_event("i1", consenting.username, **{"$anon_distinct_id": "dev-a"}), "event": "$identify"},
        {**_event("i2", silent.username, **{"$anon_distinct_id": "dev-b"}), "event": "$identify"},
    ]
    ApiClient().post_json("/api/v1/events", identify)
    assert list(IdentityAlias.objects.values_list("alias_id", "distinct_id")) == [
        ("dev-a", consenting.username)
    ]
    # the device merged into an account now speaks for that account: its consent decides
    IdentityAlias.objects.create(alias_id="dev-c", distinct_id=silent.username)
    ApiClient().post_json("/api/v1/events", [_event("v1", "dev-a"), _event("v2", "dev-c")])
    by_uuid = {row["uuid"]: row["distinct_id"] for row in _rows(store)}
    assert by_uuid["v1"] == "dev-a" and by_uuid["v2"].startswith("anon:")
    assert by_uuid["i1"] == consenting.username and by_uuid["i2"].startswith("anon:")


def _tag(tag: str, *users: User) -> None:
    for user in users:
        SegmentMember.objects.create(
            distinct_id=user.username,
            recency_days=1,
            frequency=5,
            monetary_fen=100000,
            r_score=5,
            f_score=5,
            m_score=5,
            tag=tag,
            computed_on=timezone.localdate(),
            source="events",
        )


@pytest.mark.req("R1.3.4")
def test_segment_coupon_issue_skips_buyers_without_marketing_consent(policy: Any) -> None:
    from mallops.pricing.models import Coupon
    from mallops.testing.pricing import make_batch

    yes, no, withdrawn = new_buyer(), new_buyer(), new_buyer()
    consent_change(actor=actor_of(yes), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrawn), purpose="marketing", action="grant")
    consent_change(actor=actor_of(withdrawn), purpose="marketing", action="withdraw")
    _tag("high_value", yes, no, withdrawn)
    batch = make_batch(None, name="高价值专享", min_fen=0, off_fen=1000, total_quantity=10)
    ops = ApiClient(token_for(make_staff("product_ops")))
    body = ops.post_json(f"/api/v1/coupon-batches/{batch.pk}/issue-segment", {"segment": "high_value"}).json()
    assert body["members"] == 3 and body["no_consent"] == 2 and body["already"] == 0
    assert len(body["issued"]) == 1 and body["refused"] == {}
    holders = Coupon.objects.unscoped(reason="test").filter(batch=batch).values_list("buyer_id", flat=True)
    assert list(holders) == [yes.pk]


def test_console_result_page_counts_the_skipped_buyers(policy: Any) -> None:
    from django.test import Client

    from mallops.testing.pricing import make_batch

    yes, no = new_buyer(), new_buyer()
    consent_change(actor=actor_of(yes), purpose="marketing", action="grant")
    _tag("at_risk", yes, no)
    batch = make_batch(None, name="挽回券", min_fen=0, off_fen=800)
    console = Client()
    console.force_login(make_staff("product_ops"))
    page = console.post(
        "/promotions/coupon-batches/issue-segment", {"batch": batch.pk, "segment": "at_risk"}, follow=True
    )
    html = page.content.decode()
    assert "已发放 1 张" in html
    assert "1 位买家未同意营销用途，已跳过。" in html


# one step of a buyer's history: publish a policy (declaring marketing as consent-based, contract-based or
# not at all), or grant/withdraw marketing
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.sampled_from(["consent", "contract", "absent"])),
        st.tuples(st.sampled_from(["granted", "withdrawn"]), st.just("")),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(steps=STEPS)
def test_consent_allows_matches_a_replay_of_the_history(steps: list[tuple[str, str]]) -> None:
    ConsentRecord.objects.all().delete()
    PrivacyPolicy.objects.all().delete()
    buyer = User.objects.filter(username="oracle-buyer").first() or new_buyer()
    base = timezone.now() - timedelta(days=1)
    # the oracle: replay the steps, remembering the current policy and the latest answer
    current: tuple[int, str] | None = None  # (policy number, how it declares marketing)
    latest: tuple[str, int] | None = None  # (action, policy number it was given under)
    expected: list[bool] = []
    policies: dict[int, PrivacyPolicy] = {}
    for i, (kind, basis) in enumerate(steps):
        at = base + timedelta(seconds=i)
        if kind == "publish":
            PrivacyPolicy.objects.filter(is_current=True).update(is_current=False)
            purposes = [] if basis == "absent" else [{**PURPOSES[1], "legal_basis": basis}]
            policies[i] = PrivacyPolicy.objects.create(
                version=f"v{i}", text=POLICY_TEXT, purposes=purposes, published_at=at, is_current=True
            )
            current = (i, basis)
        elif current is not None:
            ConsentRecord.objects.create(
                buyer=buyer, purpose="marketing", policy=policies[current[0]], action=kind, at=at
            )
            latest = (kind, current[0])
        if current is None or current[1] == "absent":
            expected.append(False)
        elif current[1] == "contract":
            expected.append(True)
        else:
            expected.append(latest is not None and latest == ("granted", current[0]))
    answers = [
        consent_allows(buyer.pk, Purpose.MARKETING, at=base + timedelta(seconds=i)) for i in range(len(steps))
    ]
    assert answers == expected
    assert consent_allows(buyer.pk, Purpose.MARKETING) == (expected[-1] if expected else False)
