"""The typed actor (issue 16): built once at the edge, it authorises and audits without the User row."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from mallops.accounts.actors import actor_of, request_actor
from mallops.accounts.services import require_permission
from mallops.audit.models import AuditEvent
from mallops.audit.services import audit_record
from mallops.core.actors import Actor, ActorKind
from mallops.core.errors import DomainError
from mallops.testing.factories import make_merchant, make_staff


@pytest.mark.django_db
def test_the_actor_of_a_request_carries_roles_store_request_id_and_address() -> None:
    merchant, owner = make_merchant()
    request = RequestFactory().post("/api/v1/x", REMOTE_ADDR="203.0.113.7")
    request.user = owner
    request.request_id = "req-16"  # type: ignore[attr-defined]

    actor = request_actor(request)

    assert actor == Actor(
        user_id=owner.pk,
        kind=ActorKind.MERCHANT,
        username=owner.username,
        roles=frozenset({"merchant_owner"}),
        merchant_id=merchant.pk,
        request_id="req-16",
        ip="203.0.113.7",
    )
    assert actor_of(actor) is actor


@pytest.mark.django_db
def test_a_service_authorises_and_audits_from_the_actor() -> None:
    staff = make_staff("cs_agent")
    actor = Actor(
        user_id=staff.pk,
        kind=ActorKind.STAFF,
        username=staff.username,
        roles=frozenset({"cs_agent"}),
        request_id="req-a",
        ip="198.51.100.1",
    )

    with pytest.raises(DomainError) as refused:
        require_permission(actor, "staff.manage")
    assert refused.value.status == 403
    audit_record(actor=actor, action="test.actor", object_type="thing", object_id="1")

    event = AuditEvent.objects.get(action="test.actor")
    assert (event.actor_id, event.actor_username, event.actor_roles, event.request_id, event.ip) == (
        staff.pk,
        staff.username,
        ["cs_agent"],
        "req-a",
        "198.51.100.1",
    )
