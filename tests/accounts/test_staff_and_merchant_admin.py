"""Staff and merchant management through the API: roles from the defined set, USCC, suspension, licence."""

from __future__ import annotations

import json

import pytest

from mallops.accounts.actors import actor_of
from mallops.accounts.models import ApiToken, Merchant, MerchantMember, RoleGrant, User
from mallops.audit.models import AuditEvent
from mallops.testing.client import ApiClient
from mallops.testing.factories import PASSWORD, make_member, make_merchant, make_staff, token_for
from mallops.testing.orders import make_buyer, make_stock

pytestmark = pytest.mark.django_db

VALID_USCC = "91350100M000100Y43"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def admin():
    return ApiClient(token=token_for(make_staff("platform_admin")))


def _body(response):
    return json.loads(response.content)


@pytest.mark.req("R8.1.1")
def test_unknown_staff_role_is_refused_at_its_index_and_nothing_is_saved(admin):
    response = admin.post_json(
        "/api/v1/staff",
        {"username": "typo-user", "password": "Strong-pass-2026", "roles": ["cs_agent", "cs_agnet"]},
    )
    assert response.status_code == 422
    errors = _body(response)["errors"]
    assert errors == [{"loc": ["body", "roles", 1], "msg": "not a staff role", "code": "unknown_role"}]
    assert not User.objects.filter(username="typo-user").exists()


def test_a_staff_account_needs_a_role_and_merchant_roles_are_not_staff_roles(admin):
    none = admin.post_json(
        "/api/v1/staff", {"username": "no-role", "password": "Strong-pass-2026", "roles": []}
    )
    assert none.status_code == 422 and _body(none)["errors"][0]["code"] == "required"
    owner = admin.post_json(
        "/api/v1/staff", {"username": "no-role", "password": "Strong-pass-2026", "roles": ["merchant_owner"]}
    )
    assert owner.status_code == 422 and _body(owner)["errors"][0]["loc"] == ["body", "roles", 0]


def test_staff_roles_endpoint_lists_the_defined_staff_roles_in_chinese(admin):
    roles = _body(admin.get_json("/api/v1/staff-roles"))
    by_code = {r["code"]: r for r in roles}
    assert by_code["cs_agent"]["label_zh"] == "客服专员"
    assert "merchant_owner" not in by_code


def test_password_set_and_disable_end_every_token_of_the_account(admin):
    target = make_staff("cs_agent")
    token = token_for(target)
    response = admin.post_json(f"/api/v1/staff/{target.pk}/password", {"password": "Brand-new-pass-2027"})
    assert response.status_code == 204
    assert ApiClient(token=token).get_json("/api/v1/me").status_code == 401
    assert (
        ApiClient()
        .post_json("/api/v1/auth/token", {"username": target.username, "password": "Brand-new-pass-2027"})
        .status_code
        == 201
    )
    assert (
        AuditEvent.objects.filter(action="accounts.staff_password_set", object_id=str(target.pk)).count() == 1
    )
    weak = admin.post_json(f"/api/v1/staff/{target.pk}/password", {"password": "123"})
    assert weak.status_code == 422 and _body(weak)["errors"][0]["loc"] == ["body", "password"]

    disabled = admin.patch(
        f"/api/v1/staff/{target.pk}",
        data={"is_active": False},
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin.token}"},
    )
    assert disabled.status_code == 200 and _body(disabled)["is_active"] is False
    assert not ApiToken.objects.filter(user=target, revoked_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("licence", "code"),
    [
        ("91350100M000100Y44", "invalid_uscc"),  # wrong check character
        ("91350100M000100Y4", "invalid_uscc"),  # 17 characters
        ("91350100M0001O0Y43", "invalid_uscc"),  # O is not in the code set
    ],
)
def test_onboarding_refuses_an_invalid_uscc_with_its_field_path(admin, licence, code):
    response = admin.post_json(
        "/api/v1/merchants",
        {
            "name": "校验店",
            "licence_number": licence,
            "contact_name": "李四",
            "contact_phone": "13900001111",
            "owner_username": "check-owner",
            "owner_password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 422
    errors = _body(response)["errors"]
    assert [(e["loc"], e["code"]) for e in errors] == [(["body", "licence_number"], code)]
    assert not Merchant.objects.filter(name="校验店").exists()


def test_onboarding_accepts_a_valid_uscc_typed_in_lower_case(admin):
    response = admin.post_json(
        "/api/v1/merchants",
        {
            "name": "小写店",
            "licence_number": " 91350100m000100y43 ",
            "contact_name": "李四",
            "contact_phone": "13900001111",
            "owner_username": "lower-owner",
            "owner_password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 201
    assert _body(response)["licence_number"] == VALID_USCC


def test_edit_checks_a_changed_licence_number_and_audits_the_change(admin):
    merchant, _owner = make_merchant()
    url = f"/api/v1/merchants/{merchant.pk}"
    headers = {"Authorization": f"Bearer {admin.token}"}
    bad = admin.patch(
        url, data={"licence_number": "91350100M000100Y44"}, content_type="application/json", headers=headers
    )
    assert bad.status_code == 422 and _body(bad)["errors"][0]["code"] == "invalid_uscc"
    good = admin.patch(
        url,
        data={"licence_number": VALID_USCC, "name": "新名字"},
        content_type="application/json",
        headers=headers,
    )
    assert good.status_code == 200
    merchant.refresh_from_db()
    assert (merchant.name, merchant.licence_number) == ("新名字", VALID_USCC)
    event = AuditEvent.objects.get(action="accounts.merchant_updated", object_id=str(merchant.pk))
    assert event.after == {"name": "新名字", "licence_number": VALID_USCC}


def _checkout(client, sku, key):
    return client.post_json(
        "/api/v1/buyer/checkout",
        {"lines": [{"sku": sku, "qty": 1}]},
        headers={"Idempotency-Key": key},
    )


@pytest.mark.req("R1.1.2")
def test_suspension_needs_a_reason_blocks_checkout_and_store_writes_and_resume_lifts_it(admin):
    merchant, owner = make_merchant()
    item = make_stock(merchant, sku="SUS-1", price_fen=1200, available=5)
    buyer = ApiClient(token=token_for(make_buyer()))
    owner_api = ApiClient(token=token_for(owner))

    no_reason = admin.post_json(f"/api/v1/merchants/{merchant.pk}/suspend", {"reason": " "})
    assert no_reason.status_code == 422 and _body(no_reason)["errors"][0]["loc"] == ["body", "reason"]

    suspended = admin.post_json(f"/api/v1/merchants/{merchant.pk}/suspend", {"reason": "营业执照过期"})
    assert suspended.status_code == 200
    assert _body(suspended)["is_active"] is False and _body(suspended)["suspended_reason"] == "营业执照过期"
    again = admin.post_json(f"/api/v1/merchants/{merchant.pk}/suspend", {"reason": "营业执照过期"})
    assert again.status_code == 409 and _body(again)["code"] == "already_suspended"

    refused = _checkout(buyer, item.sku_code, "while-suspended")
    assert refused.status_code == 422
    assert _body(refused)["errors"] == [
        {"loc": ["body", "lines", 0, "sku"], "msg": "This store is suspended.", "code": "merchant_suspended"}
    ]
    # the members keep their order and service work but cannot change staff
    add = owner_api.post_json(
        "/api/v1/merchant/staff",
        {"username": "late-hire", "password": "Strong-pass-2026", "role": "merchant_cs"},
    )
    assert add.status_code == 403
    assert owner_api.get_json("/api/v1/merchant/staff").status_code == 200
    assert owner_api.get_json("/api/v1/merchant/orders").status_code == 200

    resumed = admin.post_json(f"/api/v1/merchants/{merchant.pk}/resume", {"reason": "已换发新执照"})
    assert resumed.status_code == 200 and _body(resumed)["is_active"] is True
    assert _checkout(buyer, item.sku_code, "after-resume").status_code == 201

    events = AuditEvent.objects.filter(object_id=str(merchant.pk), action__startswith="accounts.merchant_")
    assert [(e.action, e.after["reason"]) for e in events.order_by("seq")] == [
        ("accounts.merchant_suspended", "营业执照过期"),
        ("accounts.merchant_resumed", "已换发新执照"),
    ]


def test_licence_upload_checks_the_content_and_stores_the_file(admin, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    merchant, _owner = make_merchant()
    url = f"/api/v1/merchants/{merchant.pk}/licence"
    headers = {"Authorization": f"Bearer {admin.token}"}
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("licence.pdf", b"MZ not a pdf", content_type="application/pdf")
    refused = admin.post(url, {"file": fake}, headers=headers)
    assert refused.status_code == 422
    assert _body(refused)["errors"][0]["loc"] == ["body", "file"]
    assert _body(refused)["errors"][0]["code"] == "unsupported_type"

    stored = admin.post(url, {"file": SimpleUploadedFile("licence.pdf", PDF)}, headers=headers)
    assert stored.status_code == 200 and _body(stored)["has_licence_file"] is True
    merchant.refresh_from_db()
    assert merchant.licence_content_type == "application/pdf"
    assert (tmp_path / "media" / merchant.licence_file).read_bytes() == PDF
    download = admin.get(url, headers=headers)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF

    operator = ApiClient(token=token_for(make_staff("product_ops")))
    assert operator.get_json(url).status_code == 403


def test_owner_changes_and_removes_own_staff_but_not_another_stores(admin):
    merchant, owner = make_merchant()
    member = make_member(merchant, "merchant_cs")
    other_member = make_member(make_merchant()[0], "merchant_cs")
    owner_api = ApiClient(token=token_for(owner))
    member_token = token_for(member.user)
    headers = {"Authorization": f"Bearer {owner_api.token}"}

    def patch(member_id, body):
        return owner_api.patch(
            f"/api/v1/merchant/staff/{member_id}", data=body, content_type="application/json", headers=headers
        )

    assert patch(member.pk, {"role": "merchant_operator"}).status_code == 200
    assert MerchantMember.objects.for_merchant(merchant.pk).get(pk=member.pk).role == "merchant_operator"
    bad = patch(member.pk, {"role": "merchant_owner"})
    assert bad.status_code == 422 and _body(bad)["errors"][0]["loc"] == ["body", "role"]
    assert patch(other_member.pk, {"is_active": False}).status_code == 404
    owner_membership = MerchantMember.objects.for_merchant(merchant.pk).get(user=owner)
    assert patch(owner_membership.pk, {"is_active": False}).status_code == 409

    removed = patch(member.pk, {"is_active": False})
    assert removed.status_code == 200 and _body(removed)["is_active"] is False
    assert ApiClient(token=member_token).get_json("/api/v1/me").status_code == 401
    assert not ApiClient().login(username=member.user.username, password=PASSWORD)
    assert patch(member.pk, {"is_active": True}).status_code == 200
    assert ApiClient().login(username=member.user.username, password=PASSWORD)
    assert RoleGrant.objects.count() == 1  # only the admin's grant: nothing leaked into staff roles


def test_django_admin_offers_the_defined_roles_as_a_select():
    from django.test import Client

    superuser = make_staff("platform_admin")
    client = Client()
    assert client.login(username=superuser.username, password=PASSWORD)
    page = client.get(f"/admin/accounts/user/{superuser.pk}/change/").content.decode()
    assert '<select name="role_grants-0-role"' in page
    assert '<option value="cs_agent">客服专员</option>' in page


def test_a_suspended_stores_flash_sale_refuses_attempts_until_it_is_resumed():
    from datetime import timedelta

    from django.utils import timezone

    from mallops.accounts import services
    from mallops.core.errors import DomainError
    from mallops.orders.flash import services as flash

    merchant, _owner = make_merchant()
    item = make_stock(merchant, price_fen=9900, available=10)
    now = timezone.now()
    sale = flash.flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="秒杀 暂停测试",
        flash_price_fen=4900,
        quantity=5,
        per_buyer_limit=1,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )
    admin_user = make_staff("platform_admin")
    buyer = make_buyer()
    services.merchant_suspend(actor=actor_of(admin_user), merchant_id=merchant.pk, reason="核查中")
    listed = json.loads(ApiClient().get_json("/api/v1/storefront/flash-sales").content)
    assert sale.pk not in [row["id"] for row in listed["items"]]
    with pytest.raises(DomainError) as refused:
        flash.flash_attempt(actor=buyer, sale_id=sale.pk)
    assert (refused.value.status, refused.value.code) == (409, "merchant_suspended")
    services.merchant_resume(actor=actor_of(admin_user), merchant_id=merchant.pk, reason="核查完毕")
    listed = json.loads(ApiClient().get_json("/api/v1/storefront/flash-sales").content)
    assert sale.pk in [row["id"] for row in listed["items"]]
    assert flash.flash_attempt(actor=buyer, sale_id=sale.pk).order_id is not None
