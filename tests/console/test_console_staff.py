"""Console: staff accounts with roles chosen from the defined roles, merchants suspended and resumed with a
reason, licence upload, and the owner's store staff (issue 15)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from mallops.accounts.models import Merchant, MerchantMember, RoleGrant, User
from mallops.audit.models import AuditEvent
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_member, make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def _signed_in(user: User) -> Client:
    client = Client(**ZH)
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def admin() -> Client:
    return _signed_in(make_staff("platform_admin"))


def _menu_labels(page: str) -> str:
    return page.split("<main", 1)[0]


@pytest.mark.req("R8.1.1")
def test_admin_creates_a_staff_user_with_a_role_who_signs_in_to_that_roles_menu(admin):
    form = admin.get("/staff/new/").content.decode()
    # roles are offered by their Chinese names as checkboxes, never typed
    assert 'type="checkbox" name="roles" value="listing_reviewer"' in form
    assert "商品审核员" in form

    response = admin.post(
        "/staff/new/",
        {"username": "reviewer-new", "password": "Strong-pass-2026", "roles": ["listing_reviewer"]},
    )
    assert response.status_code == 302
    assert sorted(RoleGrant.objects.filter(user__username="reviewer-new").values_list("role", flat=True)) == [
        "listing_reviewer"
    ]
    assert "reviewer-new" in admin.get("/staff/").content.decode()

    reviewer = Client(**ZH)
    assert reviewer.login(username="reviewer-new", password="Strong-pass-2026")
    menu = _menu_labels(reviewer.get("/").content.decode())
    assert "商品审核" in menu  # the reviewer's queue
    assert "员工账号" not in menu and "商家" not in menu
    assert reviewer.get("/staff/").status_code == 403


@pytest.mark.req("R8.1.1")
def test_an_unknown_role_or_none_is_refused_and_nothing_is_saved(admin):
    typo = admin.post(
        "/staff/new/", {"username": "typo-staff", "password": "Strong-pass-2026", "roles": ["cs_agnet"]}
    )
    assert typo.status_code == 200
    assert "有效的选项" in typo.content.decode()  # Django's choice check, under the roles field
    none = admin.post("/staff/new/", {"username": "typo-staff", "password": "Strong-pass-2026"})
    assert none.status_code == 200 and "这个字段是必填项" in none.content.decode()
    assert not User.objects.filter(username="typo-staff").exists()
    assert not AuditEvent.objects.filter(action="accounts.staff_created").exists()


def test_edit_roles_disable_and_reset_password_end_the_sessions(admin):
    agent = make_staff("cs_agent")
    agent_session = _signed_in(agent)
    assert agent_session.get("/").status_code == 200

    saved = admin.post(f"/staff/{agent.pk}/", {"action": "save", "roles": ["cs_agent", "cs_supervisor"]})
    assert saved.status_code == 302
    assert sorted(RoleGrant.objects.filter(user=agent).values_list("role", flat=True)) == [
        "cs_agent",
        "cs_supervisor",
    ]
    page = admin.get(f"/staff/{agent.pk}/").content.decode()
    assert "客服主管" in page

    disabled = admin.post(f"/staff/{agent.pk}/", {"action": "disable"})
    assert disabled.status_code == 302
    assert User.objects.get(pk=agent.pk).is_active is False
    assert agent_session.get("/").status_code == 302  # the open session ended: back to the sign-in page
    assert not Client().login(username=agent.username, password=PASSWORD)

    assert admin.post(f"/staff/{agent.pk}/", {"action": "enable"}).status_code == 302
    weak = admin.post(f"/staff/{agent.pk}/", {"action": "password", "password": "123"})
    assert weak.status_code == 200 and User.objects.get(pk=agent.pk).check_password(PASSWORD)
    reset = admin.post(f"/staff/{agent.pk}/", {"action": "password", "password": "Handed-over-2027"})
    assert reset.status_code == 302
    assert Client().login(username=agent.username, password="Handed-over-2027")


def test_an_admin_cannot_disable_themself():
    me = make_staff("platform_admin")
    response = _signed_in(me).post(f"/staff/{me.pk}/", {"action": "disable"}, follow=True)
    assert "不能停用自己" in response.content.decode()
    assert User.objects.get(pk=me.pk).is_active is True


def _checkout(buyer_api: ApiClient, sku: str, key: str):
    return buyer_api.post_json(
        "/api/v1/buyer/checkout", {"lines": [{"sku": sku, "qty": 1}]}, headers={"Idempotency-Key": key}
    )


@pytest.mark.req("R1.1.2")
def test_suspend_in_the_console_stops_checkout_and_resume_restarts_it(admin):
    merchant, owner = make_merchant()
    item = make_stock(merchant, sku="CON-1", price_fen=990, available=5)
    buyer_api = ApiClient(token=token_for(make_buyer()))

    no_reason = admin.post(f"/merchants/{merchant.pk}/manage/", {"action": "suspend", "reason": ""})
    assert no_reason.status_code == 200 and Merchant.objects.get(pk=merchant.pk).is_active

    suspended = admin.post(
        f"/merchants/{merchant.pk}/manage/", {"action": "suspend", "reason": "资质过期，待补交"}
    )
    assert suspended.status_code == 302
    page = admin.get(f"/merchants/{merchant.pk}/manage/").content.decode()
    assert "资质过期，待补交" in page and "已暂停" in page
    assert "资质过期，待补交" in admin.get("/merchants/").content.decode()  # the reason in the list
    owner_page = _signed_in(owner).get("/store/staff/").content.decode()
    assert "本店已被暂停" in owner_page and "资质过期，待补交" in owner_page

    refused = _checkout(buyer_api, item.sku_code, "during")
    assert refused.status_code == 422
    assert [e["code"] for e in json.loads(refused.content)["errors"]] == ["merchant_suspended"]

    resumed = admin.post(f"/merchants/{merchant.pk}/manage/", {"action": "resume", "reason": "已补交资质"})
    assert resumed.status_code == 302
    assert _checkout(buyer_api, item.sku_code, "after").status_code == 201
    reasons = list(
        AuditEvent.objects.filter(
            object_id=str(merchant.pk),
            action__in=["accounts.merchant_suspended", "accounts.merchant_resumed"],
        )
        .order_by("seq")
        .values_list("after__reason", flat=True)
    )
    assert reasons == ["资质过期，待补交", "已补交资质"]


def test_merchant_edit_refuses_a_bad_uscc_in_chinese_and_accepts_a_licence_scan(admin, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    merchant, _owner = make_merchant()
    bad = admin.post(
        f"/merchants/{merchant.pk}/manage/",
        {
            "action": "save",
            "name": merchant.name,
            "licence_number": "91350100M000100Y44",
            "contact_name": "王小明",
            "contact_phone": "13800138000",
        },
    )
    assert bad.status_code == 200
    assert "不是有效的统一社会信用代码" in bad.content.decode()
    assert Merchant.objects.get(pk=merchant.pk).licence_number != "91350100M000100Y44"

    pdf = SimpleUploadedFile("licence.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    uploaded = admin.post(f"/merchants/{merchant.pk}/manage/", {"action": "licence", "file": pdf})
    assert uploaded.status_code == 302
    assert admin.get(f"/merchants/{merchant.pk}/licence/").status_code == 200
    text = SimpleUploadedFile("licence.pdf", b"just text", content_type="application/pdf")
    refused = admin.post(f"/merchants/{merchant.pk}/manage/", {"action": "licence", "file": text})
    assert refused.status_code == 200 and "PDF" in refused.content.decode()


def test_owner_changes_a_role_and_removes_a_member_in_the_console():
    merchant, owner = make_merchant()
    member = make_member(merchant, "merchant_cs")
    owner_client = _signed_in(owner)
    page = owner_client.get("/store/staff/").content.decode()
    assert f'data-testid="member-remove-{member.pk}"' in page
    assert 'data-testid="store-staff-table"' in page and 'class="sort' in page  # the DataTable
    assert "客服" in page and "merchant_cs" not in page.replace('value="merchant_cs"', "")
    owners_only = owner_client.get("/store/staff/", {"role": "merchant_owner"}).content.decode()
    assert f'data-testid="member-{member.pk}"' not in owners_only and owner.username in owners_only

    assert (
        owner_client.post(
            f"/store/staff/{member.pk}/", {"action": "role", "role": "merchant_operator"}
        ).status_code
        == 302
    )
    assert MerchantMember.objects.for_merchant(merchant.pk).get(pk=member.pk).role == "merchant_operator"
    assert owner_client.post(f"/store/staff/{member.pk}/", {"action": "remove"}).status_code == 302
    assert not Client().login(username=member.user.username, password=PASSWORD)

    other_owner = make_merchant()[1]
    assert (
        _signed_in(other_owner).post(f"/store/staff/{member.pk}/", {"action": "restore"}).status_code == 404
    )


@pytest.mark.req("R8.1.1")
@pytest.mark.parametrize(
    ("role", "staff_pages", "merchant_manage"),
    [
        ("platform_admin", 200, 200),
        ("product_ops", 403, 403),  # sees merchants (merchant.view) but cannot change them
        ("compliance_auditor", 403, 403),
        ("tech_ops", 403, 403),
        ("cs_supervisor", 403, 403),
    ],
)
def test_who_may_open_the_staff_and_merchant_management_pages(role, staff_pages, merchant_manage):
    merchant, _owner = make_merchant()
    target = make_staff("cs_agent")
    client = _signed_in(make_staff(role))
    assert client.get("/staff/").status_code == staff_pages
    assert client.get("/staff/new/").status_code == staff_pages
    assert client.get(f"/staff/{target.pk}/").status_code == staff_pages
    assert client.get(f"/merchants/{merchant.pk}/manage/").status_code == merchant_manage
    # a refused write changes nothing
    client.post(f"/staff/{target.pk}/", {"action": "disable"})
    client.post(f"/merchants/{merchant.pk}/manage/", {"action": "suspend", "reason": "越权尝试"})
    assert User.objects.get(pk=target.pk).is_active is (staff_pages != 200)
    assert Merchant.objects.get(pk=merchant.pk).is_active is (merchant_manage != 200)
