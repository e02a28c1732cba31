from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts import services
from mallops.audit.models import AuditEvent
from mallops.testing.factories import PASSWORD, make_staff

pytestmark = pytest.mark.django_db


def _client(*roles: str) -> Client:
    user = make_staff(*roles)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def buyer():
    return services.buyer_register(phone="13812341234", password="Buyer-pass-2026", display_name="张三丰")


@pytest.mark.req("R7.3.1")
@pytest.mark.req("R1.3.2")
def test_buyer_list_is_masked_for_an_agent(buyer):
    page = _client("cs_agent").get("/buyers/").content.decode()
    assert "138****1234" in page and "13812341234" not in page
    assert "张**" in page and "张三丰" not in page


@pytest.mark.req("R7.3.1")
def test_reveal_needs_the_role_and_a_reason_and_is_audited(buyer):
    agent = _client("cs_agent")
    assert "Reveal" not in agent.get(f"/buyers/{buyer.pk}/").content.decode()
    denied = agent.post(f"/buyers/{buyer.pk}/", {"field": "phone", "reason": "customer called back"})
    assert "13812341234" not in denied.content.decode()
    assert not AuditEvent.objects.filter(action="privacy.reveal").exists()

    supervisor = _client("cs_supervisor")
    too_short = supervisor.post(f"/buyers/{buyer.pk}/", {"field": "phone", "reason": "x"})
    assert "13812341234" not in too_short.content.decode()
    shown = supervisor.post(f"/buyers/{buyer.pk}/", {"field": "phone", "reason": "回访核实收货电话"})
    assert "13812341234" in shown.content.decode()
    event = AuditEvent.objects.get(action="privacy.reveal")
    assert event.after["field"] == "phone" and event.after["reason"] == "回访核实收货电话"
    assert "13812341234" not in str(event.after)


@pytest.mark.req("R8.1.1")
def test_admin_onboards_a_merchant_from_the_console():
    admin = _client("platform_admin")
    response = admin.post(
        "/merchants/",
        {
            "name": "新店",
            "licence_number": "91310000MA1FL7777X",
            "contact_name": "李四",
            "contact_phone": "13900001111",
            "owner_username": "new-owner",
            "owner_password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 302
    page = admin.get("/merchants/").content.decode()
    assert "新店" in page
    assert Client().login(username="new-owner", password="Strong-pass-2026")


def test_reviewer_cannot_see_merchants_or_buyers():
    reviewer = _client("listing_reviewer")
    assert reviewer.get("/merchants/").status_code == 403
    assert reviewer.get("/buyers/").status_code == 403


@pytest.mark.req("R8.1.1")
def test_merchant_owner_adds_staff_in_the_console_and_operator_cannot():
    from mallops.testing.factories import make_member, make_merchant

    merchant, owner = make_merchant()
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)
    response = client.post(
        "/store/staff/", {"username": "shop-ops", "password": "Strong-pass-2026", "role": "merchant_operator"}
    )
    assert response.status_code == 302
    assert "shop-ops" in client.get("/store/staff/").content.decode()
    operator = make_member(merchant, "merchant_operator")
    other = Client()
    assert other.login(username=operator.user.username, password=PASSWORD)
    page = other.get("/store/staff/").content.decode()
    assert "add-staff" not in page
    other.post("/store/staff/", {"username": "sneaky", "password": "Strong-pass-2026", "role": "merchant_cs"})
    assert "sneaky" not in other.get("/store/staff/").content.decode()


def test_password_change_page():
    make_staff("cs_agent", username="changer")
    client = Client()
    assert client.login(username="changer", password=PASSWORD)
    response = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2027",
            "new_password2": "Another-pass-2027",
        },
    )
    assert response.status_code == 302
    assert Client().login(username="changer", password="Another-pass-2027")
