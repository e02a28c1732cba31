"""Personal data stays masked in every console list for every role, the platform admin included; a reveal
is one field with a reason and writes an audit event (issue 14, item 7)."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts import services
from mallops.accounts.models import Address, User
from mallops.audit.models import AuditEvent
from mallops.testing.factories import make_merchant, make_staff

pytestmark = pytest.mark.django_db


def _client(*roles: str) -> Client:
    client = Client()
    client.force_login(make_staff(*roles))
    return client


@pytest.fixture
def buyer() -> User:
    user = services.buyer_register(phone="13800138000", password="Buyer-pass-2026", display_name="张三丰")
    Address.objects.create(
        user=user,
        recipient="张三丰",
        phone="13800138000",
        province="浙江省",
        city="杭州市",
        district="西湖区",
        detail="文三路 90 号 3 幢",
        is_default=True,
    )
    return user


@pytest.mark.req("R7.3.1")
@pytest.mark.parametrize("role", ["platform_admin", "cs_agent", "cs_supervisor", "user_ops"])
def test_buyer_list_masks_the_phone_for_every_role(buyer: User, role: str) -> None:
    page = _client(role).get("/buyers/").content.decode()
    assert "138****8000" in page
    assert "13800138000" not in page and "张三丰" not in page


@pytest.mark.req("R7.3.1")
def test_admin_sees_buyer_detail_and_merchant_list_masked(buyer: User) -> None:
    make_merchant("鲜果时光旗舰店")  # contact 王小明, 13800138000
    admin = _client("platform_admin")
    detail = admin.get(f"/buyers/{buyer.pk}/").content.decode()
    assert "13800138000" not in detail and "文三路" not in detail
    assert "138****8000" in detail and "浙江省杭州市西湖区" in detail and "****" in detail
    merchants = admin.get("/merchants/").content.decode()
    assert "13800138000" not in merchants and "王小明" not in merchants and "138****8000" in merchants


@pytest.mark.req("R7.3.1")
def test_admin_reveals_one_address_field_with_a_reason_and_it_is_audited(buyer: User) -> None:
    address = Address.objects.get(user=buyer)
    admin = _client("platform_admin")
    page = admin.post(
        f"/buyers/{buyer.pk}/", {"field": f"address-{address.pk}-detail", "reason": "核对退货地址（工单）"}
    ).content.decode()
    assert "文三路 90 号 3 幢" in page
    assert "13800138000" not in page  # only the field asked for
    event = AuditEvent.objects.get(action="privacy.reveal")
    assert event.object_type == "accounts.address" and event.object_id == str(address.pk)
    assert event.after == {"field": "detail", "data_class": "contact", "reason": "核对退货地址（工单）"}


def test_reveal_without_a_reason_shows_nothing_and_writes_nothing(buyer: User) -> None:
    page = _client("platform_admin").post(f"/buyers/{buyer.pk}/", {"field": "phone", "reason": ""})
    assert "13800138000" not in page.content.decode()
    assert not AuditEvent.objects.filter(action="privacy.reveal").exists()


def test_onboarding_errors_name_the_field_in_chinese() -> None:
    page = _client("platform_admin").post(
        "/merchants/",
        {
            "name": "新店",
            "licence_number": "91310000MA1FL0009J",
            "contact_name": "",
            "contact_phone": "12345",
            "owner_username": "newowner",
            "owner_password": "A-long-pass-2026",
        },
        follow=True,
    )
    html = page.content.decode()
    assert "联系电话：须为 11 位中国大陆手机号" in html and "联系人：这个字段是必填项。" in html
    assert "contact_phone" not in html.replace('name="contact_phone"', "")


@pytest.mark.req("R7.3.1")
def test_admin_reveals_a_merchant_contact_phone_with_a_reason() -> None:
    merchant, _owner = make_merchant("鲜果时光旗舰店")
    admin = _client("platform_admin")
    page = admin.post(
        "/merchants/",
        {"action": "reveal", "field": f"{merchant.pk}-contact_phone", "reason": "核实入驻资料（电话回访）"},
    ).content.decode()
    assert "13800138000" in page and "王小明" not in page  # only the field asked for
    event = AuditEvent.objects.get(action="privacy.reveal")
    assert event.object_type == "accounts.merchant" and event.object_id == str(merchant.pk)
    assert event.after == {
        "field": "contact_phone",
        "data_class": "contact",
        "reason": "核实入驻资料（电话回访）",
    }
    # without a reason nothing is shown and nothing more is written
    again = admin.post(
        "/merchants/", {"action": "reveal", "field": f"{merchant.pk}-contact_phone", "reason": ""}
    )
    assert "13800138000" not in again.content.decode()
    assert AuditEvent.objects.filter(action="privacy.reveal").count() == 1


def test_buyer_page_links_the_crm_profile_for_service_staff_only(buyer: User) -> None:
    agent_page = _client("cs_agent").get(f"/buyers/{buyer.pk}/").content.decode()
    assert f'href="/service/customers/{buyer.pk}/"' in agent_page
    assert _client("cs_agent").get(f"/service/customers/{buyer.pk}/").status_code == 200
    user_ops_page = _client("user_ops").get(f"/buyers/{buyer.pk}/")
    assert user_ops_page.status_code == 200
    assert 'data-testid="customer-profile-link"' not in user_ops_page.content.decode()
