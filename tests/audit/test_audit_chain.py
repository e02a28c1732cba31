from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from audit_tamper import tamper
from django.db import connection, transaction

from mallops.audit.cli import main as audit_main
from mallops.audit.models import AuditEvent, AuditImmutableError
from mallops.audit.selectors import audit_verify
from mallops.audit.services import audit_record
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    actor = make_staff("platform_admin")
    for i in range(n):
        audit_record(
            actor=actor,
            action="test.changed",
            object_type="thing",
            object_id=str(i),
            before={"n": i},
            after={"n": i + 1},
        )


def _run_verify() -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = audit_main(["verify"])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.req("R1.1.2")
@pytest.mark.req("R6.2.3")
def test_intact_chain_verifies_with_count():
    _events(5)
    code, out, _ = _run_verify()
    assert code == 0
    assert "5 events" in out


def test_state_changes_carry_actor_request_and_masked_personal_data(api):
    admin = make_staff("platform_admin")
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    client = ApiClient(token=token_for(admin))
    response = client.post_json(
        "/api/v1/merchants",
        {
            "name": "审计测试店",
            "licence_number": "91310000MA1FL99990",
            "contact_name": "张三丰",
            "contact_phone": "13812341234",
            "owner_username": "audit-owner",
            "owner_password": "Strong-pass-2026",
        },
        headers={"X-Request-ID": "req-audit-1"},
    )
    assert response.status_code == 201
    event = AuditEvent.objects.get(action="accounts.merchant_onboarded")
    assert event.actor_username == admin.username
    assert event.actor_roles == ["platform_admin"]
    assert event.request_id == "req-audit-1"
    assert event.after["contact_phone"] == "138****1234"
    assert event.after["contact_name"] == "张**"


def test_orm_refuses_updates_and_deletes():
    _events(1)
    event = AuditEvent.objects.get()
    event.action = "forged"
    with pytest.raises(AuditImmutableError):
        event.save()
    with pytest.raises(AuditImmutableError):
        event.delete()
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AuditImmutableError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: list[object]) -> None:
    tamper(sql, params)


@pytest.mark.req("R6.2.3")
def test_verify_names_an_edited_row():
    _events(5)
    third = AuditEvent.objects.get(seq=3)
    _raw("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"n": 999}', third.pk])
    code, _, err = _run_verify()
    assert code == 1
    assert "seq 3" in err and "hash" in err


@pytest.mark.req("R6.2.3")
def test_verify_names_a_removed_row():
    _events(5)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    code, _, err = _run_verify()
    assert code == 1
    assert "seq 3" in err and "missing" in err


def test_verify_catches_reordering():
    _events(4)
    a, b = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    _raw("UPDATE audit_auditevent SET seq = -1 WHERE id = %s", [a.pk])
    _raw("UPDATE audit_auditevent SET seq = 2 WHERE id = %s", [b.pk])
    _raw("UPDATE audit_auditevent SET seq = 3 WHERE id = %s", [a.pk])
    result = audit_verify()
    assert not result.ok and result.bad_seq == 2


def test_truncating_the_tail_is_caught_by_the_head():
    _events(3)
    _raw("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    result = audit_verify()
    assert not result.ok


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgres_trigger_refuses_raw_update_and_delete():
    _events(1)
    from django.db import DatabaseError

    for sql in ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"]:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.count() == 1
