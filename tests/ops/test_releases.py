"""Releases and feature flags (R6.4.1, R6.4.2): migrations' reversibility, approval, gray, rollback, API."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import migrations, models
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.ops import releases
from mallops.ops.models import FeatureFlag, Release
from mallops.ops.rollout import Subject
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for


def _forward(apps: Any, schema_editor: Any) -> None:
    return None


class ReversibleMigration(migrations.Migration):
    operations = [
        migrations.CreateModel("Thing", [("id", models.AutoField(primary_key=True))]),
        migrations.AddField("thing", "size", models.IntegerField(default=0)),
        migrations.RunPython(_forward, reverse_code=migrations.RunPython.noop),
        migrations.RunSQL("UPDATE x SET y = 1", reverse_sql="UPDATE x SET y = 0"),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL("SELECT 1", reverse_sql=migrations.RunSQL.noop)]
        ),
    ]


class IrreversibleMigration(migrations.Migration):
    operations = [
        migrations.AddField("thing", "colour", models.CharField(max_length=10, default="")),
        migrations.RunPython(_forward),
        migrations.SeparateDatabaseAndState(database_operations=[migrations.RunSQL("DROP TABLE x")]),
    ]


@pytest.mark.req("R6.4.1")
def test_reversibility_of_a_reversible_and_an_irreversible_migration() -> None:
    assert releases.migration_entry(ReversibleMigration("0007_thing", "shop")) == {
        "app": "shop",
        "name": "0007_thing",
        "reversible": True,
        "irreversible": [],
    }
    assert releases.migration_entry(IrreversibleMigration("0008_colour", "shop")) == {
        "app": "shop",
        "name": "0008_colour",
        "reversible": False,
        "irreversible": ["RunPython", "RunSQL"],
    }


def test_migrations_read_from_the_project_files(db: None) -> None:
    report = releases.migrations_report([("ops", "0001_initial"), ("ops", "0005_releases_flags")])
    assert [(item["app"], item["name"], item["reversible"]) for item in report] == [
        ("ops", "0001_initial", True),
        ("ops", "0005_releases_flags", True),
    ]
    with pytest.raises(DomainError) as refused:
        releases.migrations_report([("ops", "9999_nothing")])
    assert refused.value.errors[0].msg == "no such migration: ops.9999_nothing"


@pytest.fixture
def ops_people(db: None) -> tuple[Any, Any]:
    return make_staff("tech_ops"), make_staff("tech_ops")


def _release(creator: Any, version: str = "1.0.0", **extra: Any) -> Release:
    return releases.release_create(
        actor=actor_of(creator),
        version=version,
        changelog="新结算页",
        migrations=["ops.0005_releases_flags"],
        **extra,
    )


def test_versions_must_increase(ops_people: tuple[Any, Any]) -> None:
    creator, _ = ops_people
    _release(creator, "1.2.0")
    for bad, message in [
        ("1.2", "version must be MAJOR.MINOR.PATCH"),
        ("1.2.0", "version must be above the latest release 1.2.0"),
        ("1.1.9", "version must be above the latest release 1.2.0"),
    ]:
        with pytest.raises(DomainError) as refused:
            _release(creator, bad)
        assert (refused.value.errors[0].loc, refused.value.errors[0].msg) == (("body", "version"), message)
    assert _release(creator, "1.10.0").version == "1.10.0"
    assert [row.version for row in Release.objects.all()] == ["1.10.0", "1.2.0"]


@pytest.mark.req("R6.4.1")
def test_approval_needs_evidence_and_a_second_person(ops_people: tuple[Any, Any]) -> None:
    creator, approver = ops_people
    row = _release(creator)
    releases.release_transition(actor=actor_of(creator), release_id=row.pk, status="testing")
    with pytest.raises(DomainError) as no_evidence:
        releases.release_transition(actor=actor_of(approver), release_id=row.pk, status="approved")
    assert no_evidence.value.code == "release_evidence_missing"
    releases.release_set_evidence(
        actor=actor_of(creator), release_id=row.pk, test_evidence="CI #812: 2104 passed, 0 failed"
    )
    with pytest.raises(DomainError) as self_approval:
        releases.release_transition(actor=actor_of(creator), release_id=row.pk, status="approved")
    assert self_approval.value.code == "release_self_approval"
    with pytest.raises(DomainError) as not_ops:
        releases.release_transition(
            actor=actor_of(make_staff("cs_agent")), release_id=row.pk, status="approved"
        )
    assert not_ops.value.status == 403
    approved = releases.release_transition(actor=actor_of(approver), release_id=row.pk, status="approved")
    assert (approved.status, approved.approved_by_id, approved.approved_at is not None) == (
        "approved",
        approver.pk,
        True,
    )
    actions = list(
        AuditEvent.objects.filter(object_type="ops.release", object_id=str(row.pk)).values_list(
            "action", "actor_username"
        )
    )
    assert actions == [
        ("ops.release_create", creator.username),
        ("ops.release_testing", creator.username),
        ("ops.release_evidence", creator.username),
        ("ops.release_approved", approver.username),
    ]


@pytest.mark.req("R6.4.2")
def test_gray_full_and_rollback_drive_the_flags(ops_people: tuple[Any, Any]) -> None:
    creator, approver = ops_people
    merchant, _ = make_merchant()
    row = _release(creator, test_evidence="CI #813 green")
    releases.flag_save(
        actor=actor_of(creator),
        name="new-checkout",
        release_id=row.pk,
        percentage=10,
        cohorts={"merchant": [merchant.pk]},
    )
    assert releases.flag_enabled("new-checkout", merchant) is False  # planned: the flag is off
    for step, by in [("testing", creator), ("approved", approver), ("gray", creator)]:
        releases.release_transition(actor=actor_of(by), release_id=row.pk, status=step)
    assert releases.flag_enabled("new-checkout", merchant) is True  # its cohort, at 10 %
    ten = sum(releases.flag_enabled("new-checkout", Subject("buyer", i)) for i in range(1, 2001))
    assert 140 <= ten <= 260
    releases.release_transition(actor=actor_of(creator), release_id=row.pk, status="full")
    flag = FeatureFlag.objects.get(name="new-checkout")
    assert (flag.is_enabled, flag.percentage) == (True, 100)
    with pytest.raises(DomainError) as no_reason:
        releases.release_transition(actor=actor_of(creator), release_id=row.pk, status="rolled_back")
    assert no_reason.value.errors[0].loc == ("body", "reason")
    rolled = releases.release_transition(
        actor=actor_of(creator), release_id=row.pk, status="rolled_back", reason="支付回调超时上升"
    )
    assert (rolled.status, rolled.rollback_reason, rolled.rolled_back_at is not None) == (
        "rolled_back",
        "支付回调超时上升",
        True,
    )
    assert releases.flag_enabled("new-checkout", merchant) is False
    assert not any(releases.flag_enabled("new-checkout", Subject("buyer", i)) for i in range(1, 501))
    flag_events = list(
        AuditEvent.objects.filter(object_type="ops.featureflag", object_id=str(flag.pk)).values_list(
            "action", "after"
        )
    )
    assert [action for action, _ in flag_events] == [
        "ops.flag_create",
        "ops.flag_gray",
        "ops.flag_full",
        "ops.flag_rolled_back",
    ]
    assert flag_events[-1][1] == {
        "is_enabled": False,
        "percentage": 100,
        "cohorts": {"merchant": [merchant.pk]},
    }
    with pytest.raises(DomainError) as again:
        releases.release_transition(actor=actor_of(creator), release_id=row.pk, status="gray")
    assert again.value.code == "release_transition_invalid"


def test_flag_subjects_from_users(db: None) -> None:
    staff = make_staff("tech_ops")
    buyer = User.objects.create(username="buyer-beta", kind=Kind.BUYER)
    merchant, owner = make_merchant()
    releases.flag_save(
        actor=actor_of(staff),
        name="beta",
        is_enabled=True,
        cohorts={"staff": [staff.pk], "buyer": [buyer.pk], "merchant": [merchant.pk]},
    )
    assert [releases.flag_enabled("beta", who) for who in (staff, buyer, owner, merchant, None)] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert releases.flag_enabled("no-such-flag", staff) is False


def test_release_and_flag_api(db: None) -> None:
    creator, approver = make_staff("tech_ops"), make_staff("tech_ops")
    api, second = ApiClient(token_for(creator)), ApiClient(token_for(approver))
    made = api.post_json(
        "/api/v1/ops/releases",
        {
            "version": "2.0.0",
            "changelog": "灰度发布",
            "migrations": ["ops.0004_incident_drills"],
            "test_evidence": "CI #9",
        },
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert (body["status"], body["reversible"], body["migrations"]) == (
        "planned",
        True,
        [{"app": "ops", "name": "0004_incident_drills", "reversible": True, "irreversible": []}],
    )
    rid = body["id"]
    assert api.post_json(f"/api/v1/ops/releases/{rid}/status", {"status": "testing"}).status_code == 200
    refused = api.post_json(f"/api/v1/ops/releases/{rid}/status", {"status": "approved"})
    assert (refused.status_code, refused.json()["code"]) == (409, "release_self_approval")
    ok = second.post_json(f"/api/v1/ops/releases/{rid}/status", {"status": "approved"})
    assert (ok.status_code, ok.json()["approved_by"]) == (200, approver.username)
    flag = api.post_json(
        "/api/v1/ops/flags/new-search",
        {"release_id": rid, "percentage": 25, "cohorts": {"staff": [creator.pk]}},
    )
    assert flag.status_code == 200, flag.content
    assert (flag.json()["release"], flag.json()["is_enabled"], flag.json()["cohorts"]) == (
        "2.0.0",
        False,
        {"staff": [creator.pk]},
    )
    bad = api.post_json("/api/v1/ops/flags/new-search", {"percentage": 101})
    assert bad.status_code == 422
    assert [item["name"] for item in api.get_json("/api/v1/ops/flags").json()["items"]] == ["new-search"]
    assert api.get_json("/api/v1/ops/releases").json()["items"][0]["flags"] == ["new-search"]
    assert ApiClient(token_for(make_staff("cs_agent"))).get_json("/api/v1/ops/releases").status_code == 403


def test_console_release_and_flag_pages(db: None) -> None:
    creator, approver = make_staff("tech_ops"), make_staff("tech_ops")
    web = Client()
    web.force_login(creator)
    made = web.post(
        "/ops/releases/new/",
        {
            "version": "3.1.0",
            "changelog": "搜索改版",
            "migrations": "ops.0005_releases_flags",
            "test_evidence": "CI #77",
        },
    )
    row = Release.objects.get(version="3.1.0")
    assert (made.status_code, made["Location"]) == (302, f"/ops/releases/{row.pk}/")
    bad = web.post("/ops/releases/new/", {"version": "3.0.9", "changelog": "x"})
    assert bad.status_code == 200
    assert "version must be above the latest release 3.1.0" in bad.content.decode()
    assert "3.1.0" in web.get("/ops/releases/").content.decode()
    saved = web.post(
        "/ops/flags/",
        {
            "name": "new-search",
            "release": str(row.pk),
            "percentage": "30",
            "merchants": "5, 9",
            "staff": "",
            "buyers": "",
        },
    )
    assert saved.status_code == 302
    flag = FeatureFlag.objects.get(name="new-search")
    assert (flag.release_id, flag.is_enabled, flag.percentage, flag.cohorts) == (
        row.pk,
        False,
        30,
        {"merchant": [5, 9]},
    )
    page = web.get("/ops/flags/").content.decode()
    assert page.count('data-testid="flag"') == 1
    web.post(f"/ops/releases/{row.pk}/step/", {"status": "testing"})
    web.post(f"/ops/releases/{row.pk}/step/", {"status": "approved"})
    assert Release.objects.get(pk=row.pk).status == "testing"  # the creator may not approve
    second = Client()
    second.force_login(approver)
    second.post(f"/ops/releases/{row.pk}/step/", {"status": "approved"})
    second.post(f"/ops/releases/{row.pk}/step/", {"status": "gray"})
    assert FeatureFlag.objects.get(pk=flag.pk).is_enabled is True
    second.post(f"/ops/releases/{row.pk}/step/", {"status": "rolled_back", "reason": "错误率上升"})
    detail = web.get(f"/ops/releases/{row.pk}/").content.decode()
    assert 'data-testid="rolled-back"' in detail
    assert FeatureFlag.objects.get(pk=flag.pk).is_enabled is False
    outsider = Client()
    outsider.force_login(make_staff("cs_agent"))
    assert outsider.get("/ops/releases/").status_code == 403
