from __future__ import annotations

from typing import ClassVar

import pytest
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.db import models

from mallops.privacy.contracts import PRIVACY_PERMISSIONS, DataClass, PersonalField
from mallops.privacy.fields import BlindIndexField, EncryptedTextField
from mallops.privacy.masking import REDACTED
from mallops.privacy.registry import (
    UnclassifiedFieldError,
    classified_fields,
    declaration_errors,
    looks_personal,
    mask_for_audit,
    masked_fields,
    masked_value,
    unclassified_personal_fields,
    viewer_permissions,
)

SCAN_APPS = Apps(["mallops.privacy"])


class Buyer(models.Model):  # noqa: DJ008 - scan fixture, never shown
    nickname = models.CharField(max_length=30)
    mobile = models.CharField(max_length=20)
    name = models.CharField(max_length=30)
    last_login_ip = models.GenericIPAddressField(null=True)
    secret_note = EncryptedTextField()
    mobile_index = BlindIndexField(source="mobile", namespace="phone")
    points = models.IntegerField(default=0)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "nickname": PersonalField(DataClass.IDENTITY, purpose="shown on reviews", mask="name"),
    }

    class Meta:
        app_label = "privacy"
        apps = SCAN_APPS


class Product(models.Model):  # noqa: DJ008 - scan fixture, never shown
    name = models.CharField(max_length=100)
    contact_hours = models.CharField(max_length=30)
    zip_archive = models.CharField(max_length=30)

    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"contact_hours": "shop opening hours, about no person"}

    class Meta:
        app_label = "privacy"
        apps = SCAN_APPS


class Broken(models.Model):  # noqa: DJ008 - scan fixture, never shown
    phone = models.CharField(max_length=20)
    phone_index = BlindIndexField(source="phone", namespace="phone")

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "telephone": PersonalField(DataClass.CONTACT, purpose="field that does not exist", mask="phone"),
        "phone": "contact",  # type: ignore[dict-item]
    }
    NOT_PERSONAL_DATA: ClassVar[dict[str, str]] = {"phone": "", "fax": "no such field here"}

    class Meta:
        app_label = "privacy"
        apps = SCAN_APPS


@pytest.mark.req("R1.3.1", "R1.3.2")
def test_every_personal_field_in_mallops_is_classified() -> None:
    """Fails when a model gains a personal-looking or encrypted field without a class and purpose."""
    assert unclassified_personal_fields() == []
    assert declaration_errors() == []


@pytest.mark.req("R1.3.2")
def test_user_model_is_scanned_and_declared() -> None:
    labels = {item.label for item in classified_fields()}
    user_label = get_user_model()._meta.label
    assert f"{user_label}.phone" in labels
    assert all(item.spec.purpose.strip() for item in classified_fields())


@pytest.mark.req("R1.3.1")
def test_scan_finds_undeclared_fields_by_name_and_by_encryption() -> None:
    found = unclassified_personal_fields(app_registry=SCAN_APPS)
    assert [f for f in found if not f.startswith("privacy.Broken.")] == [
        "privacy.Buyer.last_login_ip",
        "privacy.Buyer.mobile",
        "privacy.Buyer.name",
        "privacy.Buyer.secret_note",
    ]


def test_declaration_errors_are_reported() -> None:
    errors = [e for e in declaration_errors(app_registry=SCAN_APPS) if e.startswith("privacy.Broken")]
    assert errors == [
        "privacy.Broken.PERSONAL_DATA names 'telephone', which is not a concrete field",
        "privacy.Broken.PERSONAL_DATA['phone'] is not a PersonalField",
        "privacy.Broken.phone is declared both personal and not personal",
        "privacy.Broken.NOT_PERSONAL_DATA['phone'] needs a reason",
        "privacy.Broken.NOT_PERSONAL_DATA names 'fax', which is not a concrete field",
        "privacy.Broken.phone_index indexes an undeclared field",
    ]


@pytest.mark.parametrize(
    ("field_name", "model_name", "expected"),
    [
        ("phone", "Order", True),
        ("contact_mobile", "Shop", True),
        ("client_ip", "Session", True),
        ("id_card_number", "Seller", True),
        ("birthday", "Profile", True),
        ("user_agent", "Event", True),
        ("username", "LoginFailure", True),
        ("name", "Customer", True),
        ("name", "Product", False),
        ("city", "Warehouse", False),
        ("city", "Address", True),
        ("shipping_fee_fen", "Order", False),
        ("description", "Listing", False),
        ("fingerprint", "IdempotencyRecord", False),
        ("page_views", "Report", False),
    ],
)
def test_looks_personal(field_name: str, model_name: str, expected: bool) -> None:
    assert looks_personal(field_name, model_name=model_name) is expected


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"data_class": "contact", "purpose": "delivery contact"}, TypeError),
        ({"data_class": DataClass.CONTACT, "purpose": "  "}, ValueError),
        ({"data_class": DataClass.CONTACT, "purpose": "delivery", "mask": "blur"}, ValueError),
    ],
)
def test_personal_field_declaration_is_validated(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        PersonalField(**kwargs)


def test_data_classes_have_chinese_labels_and_view_permissions() -> None:
    assert [c.label for c in DataClass] == [
        "身份信息",
        "联系方式",
        "交易信息",
        "浏览与设备信息",
        "敏感个人信息",
    ]
    assert set(PRIVACY_PERMISSIONS) == {f"privacy.view_{c.value}" for c in DataClass} | {"privacy.reveal"}


# --- masking by viewer ---------------------------------------------------------------------------------------

PERSON = Buyer(nickname="张三丰", mobile="13812341234")


class Customer(models.Model):  # noqa: DJ008 - scan fixture, never shown
    real_name = models.CharField(max_length=30)
    phone = models.CharField(max_length=20)
    id_number = models.CharField(max_length=18)
    address = models.CharField(max_length=100)
    order_count = models.IntegerField(default=0)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "real_name": PersonalField(DataClass.IDENTITY, purpose="real-name delivery", mask="name"),
        "phone": PersonalField(DataClass.CONTACT, purpose="delivery contact", mask="phone"),
        "id_number": PersonalField(DataClass.SENSITIVE, purpose="customs clearance", mask="id_number"),
        "address": PersonalField(DataClass.CONTACT, purpose="delivery", mask="address"),
        "order_count": PersonalField(DataClass.TRANSACTION, purpose="service level", mask="redact"),
    }

    class Meta:
        app_label = "privacy"
        apps = SCAN_APPS


CUSTOMER = Customer(
    real_name="张三",
    phone="13812341234",
    id_number="110101199001011234",
    address="北京市朝阳区建国路88号SOHO现代城",
    order_count=7,
)
FULL = {
    "real_name": "张三",
    "phone": "13812341234",
    "id_number": "110101199001011234",
    "address": "北京市朝阳区建国路88号SOHO现代城",
    "order_count": 7,
}
MASKED = {
    "real_name": "张*",
    "phone": "138****1234",
    "id_number": "110***********1234",
    "address": "北京市朝阳区",
    "order_count": REDACTED,
}
FIELD_CLASS = {
    "real_name": "identity",
    "phone": "contact",
    "id_number": "sensitive",
    "address": "contact",
    "order_count": "transaction",
}


@pytest.mark.req("R1.3.2", "R7.3.1")
@pytest.mark.parametrize(
    "granted",
    [
        set(),
        {"contact"},
        {"identity"},
        {"sensitive"},
        {"transaction", "browsing"},
        {c.value for c in DataClass},
    ],
    ids=lambda g: "+".join(sorted(g)) or "none",
)
@pytest.mark.parametrize("field_name", sorted(FULL))
def test_masking_per_class_permission(granted: set[str], field_name: str) -> None:
    permissions = {f"privacy.view_{c}" for c in granted}
    expected = FULL[field_name] if FIELD_CLASS[field_name] in granted else MASKED[field_name]
    assert masked_value(CUSTOMER, field_name, permissions) == expected


def test_reveal_permission_alone_does_not_unmask_views() -> None:
    assert masked_fields(CUSTOMER, {"privacy.reveal"}) == MASKED


def test_masking_an_undeclared_field_fails_closed() -> None:
    with pytest.raises(UnclassifiedFieldError):
        masked_value(PERSON, "mobile", {"privacy.view_contact"})


def test_mask_for_audit_masks_declared_and_encrypted_fields() -> None:
    snapshot = {"real_name": "张三", "phone": "13812341234", "order_count": 7, "status": "active"}
    assert mask_for_audit(Customer, snapshot) == {
        "real_name": "张*",
        "phone": "138****1234",
        "order_count": REDACTED,
        "status": "active",
    }
    assert mask_for_audit(Buyer, {"secret_note": "私密", "points": 3}) == {
        "secret_note": REDACTED,
        "points": 3,
    }
    assert mask_for_audit(None, {"phone": "13812341234"}) == {"phone": "13812341234"}


class _Viewer:
    is_authenticated = True

    def __init__(self, perms: set[str]) -> None:
        self.perms = perms

    def has_perm(self, perm: str) -> bool:
        return perm in self.perms


def test_viewer_permissions_asks_has_perm() -> None:
    assert viewer_permissions(_Viewer({"privacy.view_contact", "orders.view"})) == {"privacy.view_contact"}
    assert viewer_permissions(None) == frozenset()


@pytest.mark.django_db
@pytest.mark.req("R1.3.2", "R7.3.1")
def test_masking_per_role() -> None:
    """Role x field matrix over the real role table: a role sees a class unmasked iff it grants its view."""
    from mallops.accounts.models import RoleGrant
    from mallops.accounts.roles import ROLES, Kind

    user_model = get_user_model()
    staff_roles = sorted(code for code, role in ROLES.items() if role.kind == Kind.STAFF)
    assert staff_roles
    for code in staff_roles:
        user = user_model.objects.create_user(username=f"r_{code}", password="x-Long-pass-1", kind=Kind.STAFF)
        RoleGrant.objects.create(user=user, role=code)
        user = user_model.objects.get(pk=user.pk)
        granted = viewer_permissions(user)
        for field_name in FULL:
            # RoleBackend gives platform_admin every privacy.* permission; other roles exactly their table
            visible = (
                code == "platform_admin"
                or f"privacy.view_{FIELD_CLASS[field_name]}" in ROLES[code].permissions
            )
            expected = FULL[field_name] if visible else MASKED[field_name]
            assert masked_value(CUSTOMER, field_name, granted) == expected, (code, field_name)
