from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model

from mallops.core.errors import DomainError
from mallops.privacy.contracts import REVEAL_PERMISSION
from mallops.privacy.services import personal_field_reveal

pytestmark = [pytest.mark.django_db, pytest.mark.req("R1.3.2", "R7.3.1")]


def _role_with(permission: str, *, holding: bool) -> str:
    from mallops.accounts.roles import ROLES, Kind

    return sorted(
        code
        for code, role in ROLES.items()
        if role.kind == Kind.STAFF
        and code != "platform_admin"
        and (permission in role.permissions) is holding
    )[0]


def _staff(username: str, role: str) -> Any:
    from mallops.accounts.models import RoleGrant
    from mallops.accounts.roles import Kind

    user = get_user_model().objects.create_user(username=username, password="x-Long-pass-1", kind=Kind.STAFF)
    RoleGrant.objects.create(user=user, role=role)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def buyer(keyring_dir: Any) -> Any:
    from mallops.accounts.roles import Kind

    return get_user_model().objects.create_user(
        username="buyer1", password="x-Long-pass-1", kind=Kind.BUYER, phone="13812341234"
    )


def _reveal_events() -> list[Any]:
    from mallops.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action="privacy.reveal"))


def test_reveal_returns_full_value_and_audits_who_and_why(buyer: Any) -> None:
    # given
    actor = _staff("cs_lead", _role_with(REVEAL_PERMISSION, holding=True))
    # when
    value = personal_field_reveal(actor=actor, obj=buyer, field_name="phone", reason="买家来电核实收货电话")
    # then
    assert value == "13812341234"
    [event] = _reveal_events()
    assert event.actor_id == actor.pk
    assert event.object_type == buyer._meta.label_lower
    assert event.object_id == str(buyer.pk)
    assert event.before is None
    assert event.after == {"field": "phone", "data_class": "contact", "reason": "买家来电核实收货电话"}


def test_reveal_without_permission_is_refused_and_not_audited(buyer: Any) -> None:
    actor = _staff("ops", _role_with(REVEAL_PERMISSION, holding=False))
    with pytest.raises(DomainError) as raised:
        personal_field_reveal(actor=actor, obj=buyer, field_name="phone", reason="just curious today")
    assert (raised.value.status, raised.value.code) == (403, "permission_denied")
    assert raised.value.extra == {"permission": "privacy.reveal"}
    assert _reveal_events() == []


@pytest.mark.parametrize(
    ("field_name", "reason", "bad"),
    [
        ("phone", "   ok  ", ["reason"]),
        ("phone", "", ["reason"]),
        ("password", "valid reason", ["field_name"]),
    ],
)
def test_reveal_needs_a_reason_and_a_declared_field(
    buyer: Any, field_name: str, reason: str, bad: list[str]
) -> None:
    actor = _staff("cs_lead", _role_with(REVEAL_PERMISSION, holding=True))
    with pytest.raises(DomainError) as raised:
        personal_field_reveal(actor=actor, obj=buyer, field_name=field_name, reason=reason)
    assert (raised.value.status, raised.value.code) == (422, "validation_error")
    assert [error.loc[0] for error in raised.value.errors] == bad
    assert _reveal_events() == []
