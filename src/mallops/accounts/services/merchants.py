"""Stores: onboarding, registration data, suspension, and the members of a store.

Each public function is one transaction and writes an audit event for every state change."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from mallops.accounts import uscc
from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import Merchant, MerchantMember, User
from mallops.accounts.roles import MERCHANT_ROLES, Kind
from mallops.accounts.selectors import user_merchant
from mallops.accounts.services.common import (
    _check_licence_number,
    _check_password,
    _check_phone,
    _check_username,
    require_permission,
)
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error

# ---------------------------------------------------------------- merchants

# Content checks a store name must pass before it is saved (R1.4.1), each raising a DomainError to refuse.
# Identity may not import a feature app, so ``mallops.stores`` hands its check over here when it starts.
STORE_NAME_CHECKS: list[Callable[[str], None]] = []


@transaction.atomic
def merchant_onboard(
    *,
    actor: Actor,
    name: str,
    licence_number: str,
    contact_name: str,
    contact_phone: str,
    owner_username: str,
    owner_password: str,
) -> Merchant:
    """Create a store and its owner account (the owner signs in with the password the admin set)."""
    require_permission(actor, "merchant.onboard")
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError(("body", "name"), "required", "required"))
    elif Merchant.objects.filter(name=name.strip()).exists():
        errors.append(FieldError(("body", "name"), "already taken", "duplicate"))
    licence_number = uscc.normalise(licence_number)
    errors += _check_licence_number(licence_number, ("body", "licence_number"))
    if not contact_name.strip():
        errors.append(FieldError(("body", "contact_name"), "required", "required"))
    errors += _check_phone(contact_phone, ("body", "contact_phone"))
    errors += _check_username(owner_username, ("body", "owner_username"))
    errors += _check_password(owner_password, ("body", "owner_password"))
    if errors:
        raise validation_error(errors)
    for check in STORE_NAME_CHECKS:
        check(name.strip())
    merchant = Merchant.objects.create(
        name=name.strip(),
        licence_number=licence_number,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
    )
    owner = User.objects.create_user(username=owner_username, password=owner_password, kind=Kind.MERCHANT)
    MerchantMember.objects.create(merchant=merchant, user=owner, role="merchant_owner")
    audit_record(
        actor=actor,
        action="accounts.merchant_onboarded",
        obj=merchant,
        after={
            "name": merchant.name,
            "licence_number": licence_number,
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "owner": owner_username,
        },
    )
    return merchant


def merchant_update(
    *,
    actor: Actor,
    merchant_id: int,
    name: str | None = None,
    licence_number: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> Merchant:
    """Correct a store's registration data (fields left None stay). The licence number is checked as a
    USCC only when it changes, so a store registered before the check can still be edited."""
    require_permission(actor, "merchant.onboard")
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        if merchant is None:
            raise not_found("merchant")
        errors: list[FieldError] = []
        changes: dict[str, str] = {}
        if name is not None:
            name = name.strip()
            if not name:
                errors.append(FieldError(("body", "name"), "required", "required"))
            elif len(name) > 100:
                errors.append(FieldError(("body", "name"), "at most 100 characters", "too_long"))
            elif Merchant.objects.filter(name=name).exclude(pk=merchant.pk).exists():
                errors.append(FieldError(("body", "name"), "already taken", "duplicate"))
            elif name != merchant.name:
                changes["name"] = name
        if licence_number is not None:
            licence_number = uscc.normalise(licence_number)
            if licence_number != merchant.licence_number:
                found = _check_licence_number(
                    licence_number, ("body", "licence_number"), merchant_id=merchant.pk
                )
                errors += found
                if not found:
                    changes["licence_number"] = licence_number
        if contact_name is not None:
            contact_name = contact_name.strip()
            if not contact_name:
                errors.append(FieldError(("body", "contact_name"), "required", "required"))
            elif contact_name != merchant.contact_name:
                changes["contact_name"] = contact_name
        if contact_phone is not None:
            contact_phone = contact_phone.strip()
            found = _check_phone(contact_phone, ("body", "contact_phone"))
            errors += found
            if not found and contact_phone != merchant.contact_phone:
                changes["contact_phone"] = contact_phone
        if errors:
            raise validation_error(errors)
        if not changes:
            return merchant
        if "name" in changes:
            for check in STORE_NAME_CHECKS:
                check(changes["name"])
        before = {field: getattr(merchant, field) for field in changes}
        for field, value in changes.items():
            setattr(merchant, field, value)
        merchant.full_clean(exclude=["contact_name", "contact_phone"])
        merchant.save(update_fields=list(changes))
        audit_record(
            actor=actor,
            action="accounts.merchant_updated",
            obj=merchant,
            before=before,
            after=changes,
        )
        return merchant


REASON_MIN, REASON_MAX = 2, 200


def _merchant_set_state(*, actor: Actor, merchant_id: int, is_active: bool, reason: str) -> Merchant:
    require_permission(actor, "merchant.onboard")
    reason = (reason or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise validation_error(
            [FieldError(("body", "reason"), f"{REASON_MIN}-{REASON_MAX} characters", "invalid_reason")]
        )
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
        if merchant is None:
            raise not_found("merchant")
        if merchant.is_active == is_active:
            code = "already_active" if is_active else "already_suspended"
            raise conflict("The store is already in that state.", code=code)
        before = {"is_active": merchant.is_active, "suspended_reason": merchant.suspended_reason}
        merchant.is_active = is_active
        fields = ["is_active"]
        if not is_active:
            merchant.suspended_reason = reason
            merchant.suspended_at = timezone.now()
            fields += ["suspended_reason", "suspended_at"]
        merchant.save(update_fields=fields)
        audit_record(
            actor=actor,
            action="accounts.merchant_resumed" if is_active else "accounts.merchant_suspended",
            obj=merchant,
            before=before,
            after={"is_active": is_active, "reason": reason},
        )
        return merchant


def merchant_suspend(*, actor: Actor, merchant_id: int, reason: str) -> Merchant:
    """Suspend a store, giving the reason (2-200 characters; audited and shown in the console).

    What suspension blocks (``accounts.selectors.SUSPENDED_STORE_KEEPS``): checkout of the store's
    products (422 ``merchant_suspended``) and the members' listing, promotion and staff changes; the
    members still sign in, ship and refund orders already placed and answer customer service.
    Errors: 422 ``invalid_reason``, 404, 409 ``already_suspended``.
    """
    return _merchant_set_state(actor=actor, merchant_id=merchant_id, is_active=False, reason=reason)


def merchant_resume(*, actor: Actor, merchant_id: int, reason: str) -> Merchant:
    """Lift a suspension, giving the reason (audited). Errors as ``merchant_suspend``, 409 ``already_active``."""
    return _merchant_set_state(actor=actor, merchant_id=merchant_id, is_active=True, reason=reason)


def merchant_set_active(*, actor: Actor, merchant_id: int, is_active: bool, reason: str = "") -> Merchant:
    """``merchant_resume`` or ``merchant_suspend`` (kept for callers of the earlier name; a reason is
    required either way)."""
    change = merchant_resume if is_active else merchant_suspend
    return change(actor=actor, merchant_id=merchant_id, reason=reason)


@transaction.atomic
def merchant_member_add(*, actor: Actor, username: str, password: str, role: str) -> MerchantMember:
    require_permission(actor, "store.staff.manage")
    owner = user_merchant(actor)
    if owner is None:
        raise not_found("merchant")
    errors = _check_username(username, ("body", "username")) + _check_password(password, ("body", "password"))
    if role not in MERCHANT_ROLES or role == "merchant_owner":
        errors.append(FieldError(("body", "role"), "one of merchant_operator, merchant_cs", "unknown_role"))
    if errors:
        raise validation_error(errors)
    user = User.objects.create_user(username=username, password=password, kind=Kind.MERCHANT)
    member: MerchantMember = MerchantMember.objects.create(
        merchant_id=owner.merchant_id, user=user, role=role
    )
    audit_record(
        actor=actor,
        action="accounts.merchant_member_added",
        obj=member,
        after={"username": username, "role": role},
    )
    return member


STORE_STAFF_ROLES = ("merchant_operator", "merchant_cs")  # what an owner may grant (one owner per store)


@transaction.atomic
def merchant_member_update(
    *,
    actor: Actor,
    member_id: int,
    role: str | None = None,
    is_active: bool | None = None,
) -> MerchantMember:
    """The owner changes a member of the own store: its role (operator or CS) or whether it works there.

    Removing a member (``is_active=False``) disables the membership and the account, which ends its
    sign-ins; the rows stay for the orders and the audit trail, and the owner can take the member back.
    The owner's own membership cannot be changed here. Errors: 422 ``unknown_role`` at ``body.role``,
    404 (another store's member), 409 ``owner_membership``.
    """
    require_permission(actor, "store.staff.manage")
    own = user_merchant(actor)
    if own is None:
        raise not_found("merchant")
    member: MerchantMember | None = (
        MerchantMember.objects.for_merchant(own.merchant_id)
        .select_for_update()
        .select_related("user")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise not_found("staff member")
    if member.role == "merchant_owner" or member.user_id == actor.pk:
        raise conflict("The owner's membership cannot be changed here.", code=AccountsCode.OWNER_MEMBERSHIP)
    if role is not None and role not in STORE_STAFF_ROLES:
        raise validation_error(
            [FieldError(("body", "role"), "one of merchant_operator, merchant_cs", "unknown_role")]
        )
    before = {"role": member.role, "is_active": member.is_active}
    if role is not None:
        member.role = role
    if is_active is not None:
        member.is_active = is_active
        member.user.is_active = is_active  # disabling ends the account's sign-ins (``User.save``)
        member.user.save(update_fields=["is_active"])
    member.save(update_fields=["role", "is_active"])
    audit_record(
        actor=actor,
        action="accounts.merchant_member_updated",
        obj=member,
        before=before,
        after={"role": member.role, "is_active": member.is_active, "username": member.user.username},
    )
    return member
