"""Issue 13 finding 6: the audit chain is keyed (HMAC from the key ring) and anchored outside the
database, verify compares the head, and SQLite refuses edits like PostgreSQL."""

from __future__ import annotations

import io
import json
import logging
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from audit_tamper import tamper
from django.db import DatabaseError, connection, transaction

from mallops.audit.chain import HASHED_FIELDS, event_hash, keyed_event_hash
from mallops.audit.cli import main as audit_main
from mallops.audit.keys import audit_key
from mallops.audit.models import AuditChainHead, AuditEvent
from mallops.audit.selectors import audit_verify
from mallops.audit.services import audit_record
from mallops.privacy import keys
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    actor = make_staff("platform_admin")
    for i in range(n):
        audit_record(
            actor=actor, action="test.changed", object_type="thing", object_id=str(i), after={"n": i}
        )


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = audit_main(list(args))
    return code, out.getvalue(), err.getvalue()


def _rechain_from(seq: int, change: dict[str, object], *, with_key: bool = False) -> None:
    """What an attacker with database access does: edit row ``seq`` and recompute every hash after it,
    head included: with the published plain SHA-256 link, or (``with_key``: an insider who also holds
    the key ring) with the real keyed link."""
    rows = list(AuditEvent.objects.order_by("seq"))
    prev = rows[seq - 2].hash if seq > 1 else "0" * 64
    for event in rows[seq - 1 :]:
        fields = {name: getattr(event, name) for name in HASHED_FIELDS}
        if event.seq == seq:
            fields.update(change)
        if with_key:
            key = audit_key(event.key_id)
            assert key is not None
            digest = keyed_event_hash(fields, prev, key_id=event.key_id, key=key)
        else:
            digest = event_hash(fields, prev)
        tamper(
            "UPDATE audit_auditevent SET after = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(fields["after"]), prev, digest, event.pk],
        )
        prev = digest
    tamper("UPDATE audit_auditchainhead SET last_hash = %s WHERE id = 1", [prev])


@pytest.mark.req("R6.2.3")
def test_a_rewrite_with_recomputed_hashes_is_detected():
    _events(5)
    _rechain_from(3, {"after": {"n": 999}})
    code, _, err = _cli("verify")
    assert code == 1
    assert "seq 3" in err and "does not match its hash" in err


@pytest.mark.req("R6.2.3")
def test_a_downgrade_to_unkeyed_links_is_detected():
    _events(4)
    _rechain_from(2, {"after": {"n": 42}})
    tamper("UPDATE audit_auditevent SET key_id = '' WHERE seq >= 2")
    result = audit_verify()
    assert not result.ok and result.bad_seq == 2
    assert "unkeyed row" in result.reason


@pytest.mark.req("R6.2.3")
def test_truncation_with_a_lowered_head_is_detected_by_the_anchor(anchor_file: Path):
    _events(5)
    code, out, _ = _cli("anchor")
    assert code == 0 and json.loads(out)["anchored"]["seq"] == 5
    third = AuditEvent.objects.get(seq=3)
    tamper("DELETE FROM audit_auditevent WHERE seq > 3")
    tamper("UPDATE audit_auditchainhead SET last_seq = 3, last_hash = %s WHERE id = 1", [third.hash])
    code, _, err = _cli("verify")
    assert code == 1
    assert "truncation detected" in err and "saw 5 events, the chain now ends at 3" in err


@pytest.mark.req("R6.2.3")
def test_a_full_rewrite_with_the_key_is_detected_by_the_anchor(anchor_file: Path):
    _events(3)
    _cli("anchor")
    _events(2)  # the chain goes on after the anchor
    _rechain_from(2, {"after": {"n": 999}}, with_key=True)
    code, _, err = _cli("verify")
    assert code == 1
    assert "seq 3" in err and "rewrite detected" in err


def test_an_anchor_that_differs_from_its_row_is_a_rewrite(anchor_file: Path):
    _events(3)
    _cli("anchor")
    anchored = json.loads(anchor_file.read_text())
    anchor_file.write_text(json.dumps({**anchored, "hash": "e" * 64}) + "\n")
    result = audit_verify()
    assert not result.ok and result.bad_seq == 3
    assert result.reason.startswith("rewrite detected")


@pytest.mark.req("R6.2.3")
def test_verify_compares_the_head_hash():
    _events(3)
    tamper("UPDATE audit_auditchainhead SET last_hash = %s WHERE id = 1", ["a" * 64])
    code, _, err = _cli("verify")
    assert code == 1
    assert "last_hash does not match the last row" in err


def test_an_unreadable_anchor_file_fails_verification(anchor_file: Path):
    _events(1)
    anchor_file.write_text("not json\n")
    result = audit_verify()
    assert not result.ok and "line 1 is unreadable" in result.reason


@pytest.mark.req("R6.2.3")
def test_key_rotation_keeps_old_events_verifiable(tmp_path: Path, settings, monkeypatch):
    monkeypatch.delenv(keys.ENV_KEYS, raising=False)
    settings.DATA_DIR = tmp_path
    keys.reset_keyring()
    try:
        _events(2)
        old_kid = keys.get_keyring().active.kid
        keys.add_key_to_file(tmp_path)
        keys.reset_keyring()
        _events(2)
        new_kid = keys.get_keyring().active.kid
        assert (
            list(AuditEvent.objects.order_by("seq").values_list("key_id", flat=True))
            == [old_kid] * 2 + [new_kid] * 2
        )
        code, out, _ = _cli("verify")
        assert code == 0 and "4 events" in out
        # the old key still verifies its events, so it cannot be retired
        from mallops.privacy.cli import main as keys_main

        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            assert keys_main(["retire", old_kid]) == 1
        assert "audit events" in err.getvalue()
        assert keys.get_keyring().get(old_kid) is not None
    finally:
        keys.reset_keyring()


def test_the_switch_over_is_recorded_in_the_head():
    _events(2)
    assert AuditChainHead.objects.get().keyed_from_seq == 1
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {keys.get_keyring().active.kid}


def test_events_from_before_the_switch_over_still_verify():
    # given a database upgraded with unkeyed events (written by the previous release)
    actor = make_staff("platform_admin")
    from datetime import UTC, datetime

    prev = "0" * 64
    for seq in (1, 2):
        fields = {name: None for name in HASHED_FIELDS} | {
            "seq": seq,
            "at": datetime(2026, 1, seq, tzinfo=UTC),
            "actor_id": actor.pk,
            "actor_username": actor.username,
            "actor_roles": [],
            "action": "legacy.event",
            "object_type": "",
            "object_id": "",
            "request_id": "",
        }
        digest = event_hash(fields, prev)
        AuditEvent.objects.create(prev_hash=prev, hash=digest, **fields)
        prev = digest
    AuditChainHead.objects.create(id=1, last_seq=2, last_hash=prev)
    # when the new release appends
    audit_record(actor=actor, action="test.changed", object_type="thing", object_id="x")
    # then the switch-over is seq 3 and the whole chain verifies
    assert AuditChainHead.objects.get().keyed_from_seq == 3
    assert audit_verify().ok
    # and an unkeyed row after the switch-over is refused
    tamper("UPDATE audit_auditchainhead SET keyed_from_seq = 2 WHERE id = 1")
    result = audit_verify()
    assert not result.ok and result.bad_seq == 2 and "unkeyed row" in result.reason


def test_the_periodic_job_anchors_to_the_file_and_the_log(anchor_file: Path, caplog):
    from mallops.audit.tasks import audit_anchor

    assert audit_anchor.call_local() is None  # nothing to anchor yet
    _events(2)
    with caplog.at_level(logging.INFO, logger="mallops.audit"):
        assert audit_anchor.call_local() == 2
        assert audit_anchor.call_local() is None  # unchanged head: no duplicate line
    lines = [json.loads(line) for line in anchor_file.read_text().splitlines()]
    head = AuditChainHead.objects.get()
    assert [(a["seq"], a["hash"], a["keyed_from_seq"]) for a in lines] == [(2, head.last_hash, 1)]
    anchored = [r for r in caplog.records if r.getMessage() == "audit anchor"]
    assert len(anchored) == 1 and anchored[0].audit_anchor["hash"] == head.last_hash
    assert audit_verify().anchors == 1


@pytest.mark.req("R6.2.3")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET action = 'forged'",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_auditchainhead SET last_seq = 1",
        "DELETE FROM audit_auditchainhead",
    ],
)
def test_the_database_refuses_edits_of_audit_rows_and_rewinding_the_head(sql):
    _events(2)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.count() == 2
    assert AuditChainHead.objects.get().last_seq == 2
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_audit_tables_and_keeps_the_guards(anchor_file: Path):
    from django.core.management import call_command

    _events(1)
    _cli("anchor")
    call_command("flush", verbosity=0, interactive=False)
    assert AuditEvent.objects.count() == 0
    assert not anchor_file.exists()  # the anchors of the wiped chain were set aside
    _events(1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert audit_verify().ok
