"""工作台 per role: to-do counts that land on exactly their rows, KPI cards with period change, a budget."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import Certificate
from mallops.dsr.models import DataSubjectRequest, RequestStatus
from mallops.orders.models import Order, StockItem
from mallops.review import services as review
from mallops.review.models import ListingVersion, VersionStatus
from mallops.service.models import TicketSla
from mallops.service.testing import make_ticket
from mallops.testing.aftersales import delivered_order, make_request
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_buyer, make_stock
from mallops.testing.queries import query_budget

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _todo(page: str, key: str) -> tuple[int, str]:
    """The count and link of the to-do ``key`` on a rendered dashboard."""
    found = re.search(rf'<a class="tile" href="([^"]+)" data-testid="todo-{key}" data-count="(\d+)">', page)
    assert found is not None, f"no to-do {key}"
    return int(found.group(2)), found.group(1).replace("&amp;", "&")


def _ids(page: str, pattern: str) -> set[int]:
    return {int(n) for n in re.findall(pattern, page)}


def _queued_listing(merchant_id: int) -> int:
    listing = review.listing_create(
        actor=actor_of(None), merchant_id=merchant_id, product_id=make_product(merchant_id).pk
    )
    review.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing.pk)
    return int(listing.pk)


def _versions() -> QuerySet[ListingVersion]:
    versions: QuerySet[ListingVersion] = ListingVersion.objects.unscoped(reason="test")
    return versions


# ---- reviewer --------------------------------------------------------------------------------------------
def test_reviewer_counts_waiting_listings_and_expiring_claims_and_each_link_lists_exactly_them() -> None:
    # given three listings waiting, one claimed with two minutes left, one claimed with a fresh claim
    merchant, _owner = make_merchant()
    waiting = [_queued_listing(merchant.pk) for _ in range(3)]
    reviewer = make_staff("listing_reviewer")
    review.listing_claim(actor=actor_of(reviewer), listing_id=waiting[0])
    review.listing_claim(actor=actor_of(reviewer), listing_id=waiting[1])
    _versions().filter(listing_id=waiting[0], status=VersionStatus.QUEUED).update(
        claim_due_at=timezone.now() + timedelta(minutes=2)
    )
    client = _client(reviewer)

    # when
    page = client.get("/").content.decode()

    # then
    assert _todo(page, "review_waiting") == (3, "/review/")
    assert _todo(page, "review_claims_expiring") == (1, "/review/?claim_state=expiring")
    listed = client.get("/review/?claim_state=expiring").content.decode()
    assert _ids(listed, r'href="/review/listings/(\d+)/"') == {waiting[0]}
    assert _ids(client.get("/review/").content.decode(), r'href="/review/listings/(\d+)/"') == set(waiting)
    # a reviewer acts on listings only: no other queue's to-dos
    assert 'data-testid="todo-dsr_overdue"' not in page and 'data-testid="todo-orders_to_ship"' not in page


@pytest.mark.req("R8.1.2")
def test_reviewer_kpi_card_shows_median_turnaround_against_the_previous_fortnight() -> None:
    # given two decisions in the last 14 days (2 h and 6 h: median 2 h) and one the 14 days before (4 h)
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    now = timezone.now()
    for hours, decided_days_ago in ((2, 1), (6, 2), (4, 20)):
        listing_id = _queued_listing(merchant.pk)
        review.listing_claim(actor=actor_of(reviewer), listing_id=listing_id)
        review.listing_approve(actor=actor_of(reviewer), listing_id=listing_id, note="")
        decided = now - timedelta(days=decided_days_ago)
        _versions().filter(listing_id=listing_id).update(
            decided_at=decided, submitted_at=decided - timedelta(hours=hours)
        )

    page = _client(reviewer).get("/").content.decode()

    card = re.search(r'data-testid="kpi-review_turnaround">(.*?)</a>', page, re.S)
    assert card is not None
    text = re.sub(r"\s+", " ", card.group(1))
    assert "审核时长（中位数）" in text and "2.0<small> 小时</small>" in text
    # 2 h against 4 h: down 50 %, which is the good way for a turnaround (green)
    assert 'class="change up"' in text and "↓ 50.0%" in text and "较前 14 天" in text
    decisions = re.search(r'data-testid="kpi-review_decisions">(.*?)</a>', page, re.S)
    assert decisions is not None and ">2<" in decisions.group(1) and "↑ 100.0%" in decisions.group(1)
    assert 'id="workbench-trend"' in page


# ---- CS agent ------------------------------------------------------------------------------------------
def test_cs_agent_counts_tickets_near_and_past_their_sla_and_each_link_lists_exactly_them() -> None:
    merchant, _owner = make_merchant()
    near, breached, calm, closed = (make_ticket(merchant) for _ in range(4))
    now = timezone.now()
    clocks = TicketSla.objects.all()
    clocks.update(due_at=now + timedelta(hours=10), warn_at=now + timedelta(hours=8))
    clocks.filter(ticket=near).update(due_at=now + timedelta(minutes=30), warn_at=now + timedelta(minutes=20))
    clocks.filter(ticket=breached).update(breached_at=now - timedelta(minutes=5))
    clocks.filter(ticket=closed).update(breached_at=now - timedelta(minutes=5))
    type(closed).objects.unscoped(reason="test").filter(pk=closed.pk).update(status="closed")
    client = _client(make_staff("cs_agent"))

    page = client.get("/").content.decode()

    assert _todo(page, "tickets_sla_near") == (1, "/service/?scope=sla_near")
    assert _todo(page, "tickets_sla_breached") == (1, "/service/?scope=sla_breached")
    pattern = r'href="/service/tickets/(\d+)/"'
    assert _ids(client.get("/service/?scope=sla_near").content.decode(), pattern) == {near.pk}
    assert _ids(client.get("/service/?scope=sla_breached").content.decode(), pattern) == {breached.pk}
    assert calm.pk not in _ids(client.get("/service/?scope=sla_near").content.decode(), pattern)
    assert 'data-testid="kpi-sla_attainment"' in page and 'data-testid="kpi-csat"' in page


# ---- merchant owner ------------------------------------------------------------------------------------
def test_merchant_owner_sees_only_own_store_counts_and_each_link_lists_exactly_them() -> None:
    # given: this store has 2 pending requests, 1 paid order, 1 low stock row and 1 certificate expiring;
    # another store has more of everything
    mine, owner = make_merchant()
    other, _other_owner = make_merchant()
    pending = {make_request(mine).pk, make_request(mine).pk}
    for _ in range(3):
        make_request(other)
    paid = delivered_order(mine, status="paid")
    delivered_order(other, status="paid")
    StockItem.objects.for_merchant(mine.pk).update(available=50)  # the orders' own rows are not low
    low = make_stock(mine, sku="LOW-1", available=2)
    make_stock(other, sku="LOW-2", available=1)
    today = timezone.localdate()
    Certificate.objects.create(
        merchant=mine, kind="food_business_licence", number="JY1", expires_on=today + timedelta(10)
    )
    Certificate.objects.create(
        merchant=mine, kind="food_business_licence", number="JY2", expires_on=today + timedelta(300)
    )
    Certificate.objects.create(merchant=other, kind="food_business_licence", number="JY3", expires_on=today)
    client = _client(owner)

    page = client.get("/").content.decode()

    assert _todo(page, "aftersales_pending") == (2, "/aftersales/merchant/?status=pending")
    assert _todo(page, "aftersales_returning")[0] == 0
    assert _todo(page, "orders_to_ship") == (1, "/orders/merchant/?status=paid")
    assert _todo(page, "stock_low") == (1, "/orders/merchant/stock/?stock_state=low")
    assert _todo(page, "certificates_expiring") == (1, "/review/mine/certificates/?expiring=1")
    # the links land on exactly those rows
    requests_page = client.get("/aftersales/merchant/?status=pending").content.decode()
    assert _ids(requests_page, r"AS(\d+)<br>") == pending
    orders_page = client.get("/orders/merchant/?status=paid").content.decode()
    assert set(re.findall(r"(?<!\d)\d{20}(?!\d)", orders_page)) == {paid.number}
    stock_page = client.get("/orders/merchant/stock/?stock_state=low").content.decode()
    assert _ids(stock_page, r'data-testid="stock-(\d+)"') == {low.pk}
    certificates = client.get("/review/mine/certificates/?expiring=1").content.decode()
    assert "JY1" in certificates and "JY2" not in certificates and "JY3" not in certificates
    # the KPI cards are this store's
    assert 'data-testid="kpi-gmv"' in page


@pytest.mark.req("R8.1.2")
def test_merchant_gmv_card_compares_the_last_fortnight_with_the_one_before_and_ignores_other_stores() -> None:
    mine, owner = make_merchant()
    other, _other_owner = make_merchant()
    now = timezone.now()
    current = delivered_order(mine, status="paid")
    earlier = delivered_order(mine, status="paid")
    delivered_order(other, status="paid")
    orders = Order.objects.unscoped(reason="test")
    orders.filter(pk=earlier.pk).update(paid_at=now - timedelta(days=20), paid_fen=current.paid_fen * 2)

    page = _client(owner).get("/").content.decode()

    card = re.search(r'data-testid="kpi-gmv">(.*?)</a>', page, re.S)
    assert card is not None
    text = re.sub(r"\s+", " ", card.group(1))
    assert f"¥{current.paid_fen // 100:,}.{current.paid_fen % 100:02d}" in text
    assert 'class="change down"' in text and "↓ 50.0%" in text


def test_merchant_without_a_membership_sees_no_store_counts() -> None:
    _merchant, owner = make_merchant()
    from mallops.accounts.models import MerchantMember

    MerchantMember.objects.unscoped(reason="test").filter(user=owner).update(is_active=False)
    page = _client(owner).get("/").content.decode()
    assert 'data-testid="todo-' not in page and "暂无待办事项" in page


# ---- compliance auditor --------------------------------------------------------------------------------
def test_auditor_counts_overdue_and_due_soon_requests_and_each_link_lists_exactly_them() -> None:
    now = timezone.now()

    def dsr(due_in: timedelta, status: str = RequestStatus.OPEN) -> DataSubjectRequest:
        return DataSubjectRequest.objects.create(
            buyer=make_buyer(),
            kind="access",
            status=status,
            submitted_at=now - timedelta(days=20),
            due_at=now + due_in,
        )

    overdue = dsr(-timedelta(days=1))
    soon = dsr(timedelta(days=1))
    dsr(timedelta(days=10))
    dsr(-timedelta(days=2), status=RequestStatus.COMPLETED)
    client = _client(make_staff("compliance_auditor"))

    page = client.get("/").content.decode()

    assert _todo(page, "dsr_overdue") == (1, "/privacy/requests/?due_state=overdue")
    assert _todo(page, "dsr_due_soon") == (1, "/privacy/requests/?due_state=soon")
    pattern = r'href="/privacy/requests/(\d+)/"'
    assert _ids(client.get("/privacy/requests/?due_state=overdue").content.decode(), pattern) == {overdue.pk}
    assert _ids(client.get("/privacy/requests/?due_state=soon").content.decode(), pattern) == {soon.pk}
    assert 'data-testid="kpi-dsr_on_time"' in page
    assert 'data-testid="todo-review_waiting"' not in page


def test_zero_counts_are_shown_muted() -> None:
    page = _client(make_staff("compliance_auditor")).get("/").content.decode()
    assert re.search(
        r'data-testid="todo-dsr_overdue" data-count="0">\s*<div class="label">[^<]+</div>\s*'
        r'<div class="value muted">0</div>',
        page,
    )


# ---- budget ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "roles",
    [
        ("listing_reviewer",),
        ("cs_agent",),
        ("cs_supervisor",),
        ("compliance_auditor",),
        ("risk_analyst",),
        ("tech_ops",),
        ("data_ops",),
        ("platform_admin",),
        ("merchant_owner",),
    ],
)
def test_dashboard_stays_within_25_queries_for_every_role(roles: tuple[str, ...]) -> None:
    merchant, owner = make_merchant()
    for _ in range(2):
        _queued_listing(merchant.pk)
        make_request(merchant)
        make_ticket(merchant)
    user = owner if roles == ("merchant_owner",) else make_staff(*roles)
    client = _client(user)
    client.get("/")  # warm per-process caches (calendar, menu)
    with query_budget(at_most=25):
        response = client.get("/")
    assert response.status_code == 200


def test_merchant_sees_own_store_tickets_near_their_sla_and_the_link_lists_exactly_them() -> None:
    mine, owner = make_merchant()
    other, _other_owner = make_merchant()
    near, calm = make_ticket(mine), make_ticket(mine)
    theirs = make_ticket(other)
    now = timezone.now()
    clocks = TicketSla.objects.all()
    clocks.update(due_at=now + timedelta(hours=10), warn_at=now + timedelta(hours=8))
    clocks.filter(ticket__in=[near, theirs]).update(due_at=now + timedelta(minutes=30))
    client = _client(owner)

    page = client.get("/").content.decode()

    assert _todo(page, "store_tickets_sla_near") == (1, "/service/store/?scope=sla_near")
    assert _todo(page, "store_tickets_sla_breached") == (0, "/service/store/?scope=sla_breached")
    listed = client.get("/service/store/?scope=sla_near").content.decode()
    assert _ids(listed, r'href="/service/store/tickets/(\d+)/"') == {near.pk}
    assert calm.pk != near.pk
