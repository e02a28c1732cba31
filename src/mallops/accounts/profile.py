"""The buyer's own profile and address book (R1.3.4: buyers correct their data; PIPL Art. 46).

Writes are one transaction each and audited (``accounts.profile_update``, ``accounts.address_create`` /
``_update`` / ``_delete``). The audit event names the fields that changed, never their values: the audit
chain is kept far longer than an address may be (the row itself holds the value, encrypted).

The same rules check a buyer's own edit and a correction a data-subject request carries
(:func:`correction_check` at submission, :func:`correction_apply` when staff approve it), so a correction
can never store what the buyer could not type in.

Risk control (``risk.flows.address_change_assess``) is called by the API before the write, since it commits
on its own; see ``accounts/profile_api.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction

from mallops.accounts import roles
from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import Address, User
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import (
    FieldError,
    conflict,
    not_found,
    validation_error,
)
from mallops.core.inputs import text_problem, visible_length
from mallops.privacy.keys import blind_index

PHONE_RE: Final = re.compile(r"^1[3-9][0-9]{9}$", re.ASCII)
# the 34 provincial-level divisions, as written on a delivery address (GB/T 2260 short forms + suffix)
PROVINCES: Final = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省", "江西省",
    "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省", "云南省", "陕西省",
    "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
# a city or district name: Chinese characters (and the middle dot of minority names), 2 to 30
_PLACE_RE: Final = re.compile(r"^[\u4e00-\u9fff·]{2,30}$")
MAX_ADDRESSES: Final = 20
ADDRESS_FIELDS: Final = ("recipient", "phone", "province", "city", "district", "detail")
PROFILE_FIELDS: Final = ("display_name", "phone")
# what a correction request may name: a profile field, or ``address.<field>`` with the address id
CORRECTABLE: Final = (*PROFILE_FIELDS, *(f"address.{name}" for name in ADDRESS_FIELDS))
CORRECTION_REASON: Final = "个人信息更正请求（PIPL 第 46 条）"


def require_buyer(actor: Actor) -> int:
    """The buyer's user id; 401 ``unauthenticated`` / 403 ``buyer_only`` (``accounts.roles.require_buyer``,
    issue 16)."""
    roles.require_buyer(actor)
    buyer_id: int = actor.pk  # type: ignore[assignment]  # signed in: require_buyer refused None
    return buyer_id


# --- the rules ------------------------------------------------------------------------------------------


def _text(value: Any, loc: tuple[str | int, ...], *, low: int, high: int) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(loc, "must be text", "type")]
    problem = text_problem(value, multiline=False)
    if problem:
        return [FieldError(loc, problem, "invalid_text")]
    if not low <= visible_length(value.strip()) <= high:
        return [FieldError(loc, f"{low} to {high} characters", "length")]
    return []


def field_errors(name: str, value: Any, loc: tuple[str | int, ...]) -> list[FieldError]:
    """The errors of one profile or address field's new value (``name`` as in :data:`CORRECTABLE`,
    ``address.`` prefix optional for the address fields)."""
    name = name.removeprefix("address.")
    if name == "phone":
        if not isinstance(value, str) or not PHONE_RE.match(value):
            return [FieldError(loc, "must be an 11-digit mainland mobile number", "invalid_phone")]
        return []
    if name == "display_name":
        return _text(value, loc, low=1, high=50)
    if name == "recipient":
        return _text(value, loc, low=2, high=20)
    if name == "detail":
        return _text(value, loc, low=5, high=120)
    if name == "province":
        if value not in PROVINCES:
            return [
                FieldError(loc, "one of the 34 provincial-level divisions, e.g. 浙江省", "invalid_region")
            ]
        return []
    if name in ("city", "district"):
        if not isinstance(value, str) or not _PLACE_RE.match(value):
            return [FieldError(loc, "2 to 30 Chinese characters, e.g. 杭州市", "invalid_region")]
        return []
    return [FieldError(loc, "not a field that can be changed", "unknown_field")]


def _phone_taken(phone: str, user: User) -> bool:
    index = blind_index(phone, namespace="phone")
    return User.objects.filter(phone_index=index).exclude(pk=user.pk).exists()


# --- profile --------------------------------------------------------------------------------------------


def profile_get(*, actor: Actor) -> User:
    """The buyer's own account row."""
    return User.objects.get(pk=require_buyer(actor))


def _set_profile(user: User, changes: dict[str, str], loc: tuple[str, ...]) -> list[str]:
    """Validate and set ``changes`` on ``user`` (not saved); the names that really changed."""
    errors: list[FieldError] = []
    for name, value in changes.items():
        errors += field_errors(name, value, (*loc, name))
    phone = changes.get("phone")
    if not errors and phone is not None and phone != user.phone and _phone_taken(phone, user):
        errors.append(FieldError((*loc, "phone"), "already registered", "duplicate"))
    if errors:
        raise validation_error(errors)
    changed = []
    for name, value in changes.items():
        value = value.strip()
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed.append(name)
    if "phone" in changed:
        user.phone_index = blind_index(user.phone, namespace="phone")
    return changed


@transaction.atomic
def profile_update(*, actor: Actor, display_name: str | None = None, phone: str | None = None) -> User:
    """The buyer changes their display name and/or mobile number (the sign-in number: unique)."""
    buyer_id = require_buyer(actor)
    changes = {k: v for k, v in (("display_name", display_name), ("phone", phone)) if v is not None}
    if not changes:
        raise validation_error([FieldError(("body",), "change at least one field", "required")])
    user = User.objects.select_for_update().get(pk=buyer_id)
    changed = _set_profile(user, changes, ("body",))
    if changed:
        user.save(update_fields=[*changed, *(["phone_index"] if "phone" in changed else [])])
        audit_record(actor=actor, action="accounts.profile_update", obj=user, after={"fields": changed})
    return user


# --- address book ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AddressInput:
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool = False


def address_text(address: Address | AddressInput) -> str:
    """The full address as one line (what risk control compares)."""
    return f"{address.province}{address.city}{address.district}{address.detail}"


def address_list(*, actor: Actor) -> list[Address]:
    buyer_id = require_buyer(actor)
    return list(Address.objects.filter(user_id=buyer_id).order_by("-is_default", "pk"))


def address_get(*, actor: Actor, address_id: int) -> Address:
    """The buyer's own address; another buyer's is 404 (its existence is not disclosed)."""
    buyer_id = require_buyer(actor)
    row = Address.objects.filter(user_id=buyer_id, pk=address_id).first()
    if row is None:
        raise not_found("address")
    return row


def address_check(values: dict[str, Any], *, loc: tuple[str, ...] = ("body",)) -> None:
    """422 with every problem of the given address fields (any subset of :data:`ADDRESS_FIELDS`)."""
    errors: list[FieldError] = []
    for name in ADDRESS_FIELDS:
        if name in values:
            errors += field_errors(name, values[name], (*loc, name))
    if errors:
        raise validation_error(errors)


def _only_default(row: Address) -> None:
    Address.objects.filter(user_id=row.user_id, is_default=True).exclude(pk=row.pk).update(is_default=False)


@transaction.atomic
def address_create(*, actor: Actor, data: AddressInput) -> Address:
    """Add an address (at most 20); the first one, or one marked ``is_default``, becomes the default."""
    buyer_id = require_buyer(actor)
    values = {name: getattr(data, name) for name in ADDRESS_FIELDS}
    address_check(values)
    User.objects.select_for_update().filter(pk=buyer_id).first()  # serialises the buyer's book
    count = Address.objects.filter(user_id=buyer_id).count()
    if count >= MAX_ADDRESSES:
        raise conflict(
            f"An address book holds at most {MAX_ADDRESSES} addresses.", code=AccountsCode.ADDRESS_BOOK_FULL
        )
    row = Address.objects.create(
        user_id=buyer_id,
        **{name: str(value).strip() for name, value in values.items()},
        is_default=data.is_default or count == 0,
    )
    if row.is_default:
        _only_default(row)
    audit_record(
        actor=actor, action="accounts.address_create", obj=row, after={"fields": list(ADDRESS_FIELDS)}
    )
    return row


def _set_address(row: Address, changes: dict[str, Any], loc: tuple[str, ...]) -> list[str]:
    address_check({k: v for k, v in changes.items() if k in ADDRESS_FIELDS}, loc=loc)
    changed = []
    for name, value in changes.items():
        if name in ADDRESS_FIELDS:
            value = str(value).strip()
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def address_update(*, actor: Actor, address_id: int, changes: dict[str, Any]) -> Address:
    """Change some fields of one of the buyer's addresses (``is_default: true`` makes it the default;
    the default cannot be unset directly: mark another one instead)."""
    buyer_id = require_buyer(actor)
    unknown = sorted(set(changes) - {*ADDRESS_FIELDS, "is_default"})
    if unknown or not changes:
        raise validation_error([FieldError(("body",), "change at least one address field", "required")])
    row = Address.objects.select_for_update().filter(user_id=buyer_id, pk=address_id).first()
    if row is None:
        raise not_found("address")
    if changes.get("is_default") is False and row.is_default:
        raise validation_error(
            [FieldError(("body", "is_default"), "mark another address as the default instead", "invalid")]
        )
    changed = _set_address(row, changes, ("body",))
    if changed:
        row.save(update_fields=changed)
        if row.is_default:
            _only_default(row)
        audit_record(actor=actor, action="accounts.address_update", obj=row, after={"fields": changed})
    return row


@transaction.atomic
def address_delete(*, actor: Actor, address_id: int) -> None:
    """Delete one address; when it was the default, the oldest remaining one becomes the default. Orders
    keep their own copy of the delivery address."""
    buyer_id = require_buyer(actor)
    row = Address.objects.select_for_update().filter(user_id=buyer_id, pk=address_id).first()
    if row is None:
        raise not_found("address")
    was_default, pk = row.is_default, row.pk
    row.delete()
    if was_default:
        successor = Address.objects.filter(user_id=buyer_id).order_by("pk").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
    audit_record(
        actor=actor,
        action="accounts.address_delete",
        object_type="accounts.address",
        object_id=str(pk),
        after=None,
    )


# --- corrections (data-subject requests) ----------------------------------------------------------------


def correction_check(
    *,
    buyer: User,
    field: str,
    value: Any,
    address_id: int | None,
    loc: tuple[str, ...] = ("body", "correction"),
) -> None:
    """422 unless ``field`` may be corrected to ``value`` (the rules of the buyer's own edit); an address
    field needs one of the buyer's own ``address_id`` (404 otherwise)."""
    if field not in CORRECTABLE:
        raise validation_error(
            [FieldError((*loc, "field"), "not a field that can be corrected", "unknown_field")]
        )
    errors = field_errors(field, value, (*loc, "value"))
    if errors:
        raise validation_error(errors)
    if field.startswith("address."):
        if address_id is None:
            raise validation_error(
                [FieldError((*loc, "address_id"), "required for an address field", "required")]
            )
        if not Address.objects.filter(user=buyer, pk=address_id).exists():
            raise not_found("address")
    elif field == "phone" and _phone_taken(value, buyer):
        raise validation_error([FieldError((*loc, "value"), "already registered", "duplicate")])


def correction_apply(*, actor: Actor, buyer: User, field: str, value: str, address_id: int | None) -> bool:
    """Write an approved correction (runs in the caller's transaction; audited like the buyer's own edit,
    with the approving staff member as actor). True when the value changed (False: already so)."""
    correction_check(buyer=buyer, field=field, value=value, address_id=address_id)
    if field.startswith("address."):
        row = Address.objects.select_for_update().get(user=buyer, pk=int(address_id or 0))
        changed = _set_address(row, {field.removeprefix("address."): value}, ("body", "correction"))
        if changed:
            row.save(update_fields=changed)
            audit_record(
                actor=actor,
                action="accounts.address_update",
                obj=row,
                after={"fields": changed, "reason": CORRECTION_REASON},
            )
        return bool(changed)
    user = User.objects.select_for_update().get(pk=buyer.pk)
    changed = _set_profile(user, {field: value}, ("body", "correction"))
    if changed:
        user.save(update_fields=[*changed, *(["phone_index"] if "phone" in changed else [])])
        audit_record(
            actor=actor,
            action="accounts.profile_update",
            obj=user,
            after={"fields": changed, "reason": CORRECTION_REASON},
        )
    return bool(changed)
