"""Releases and feature flags (R6.4.1, R6.4.2): writes, reads and the ``flag_enabled`` selector.

Writes are one transaction each, lock their row and write an audit event. The server computes what a
release brings from the project's own migration files (Django's ``MigrationLoader``); the client names
the migrations at most. Approval takes a second staff member with ``system.operate`` and the test evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.migration import Migration
from django.db.migrations.operations import RunPython, RunSQL, SeparateDatabaseAndState
from django.db.migrations.operations.base import Operation
from django.db.models import QuerySet
from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.ops.errors import OpsCode
from mallops.ops.models import FeatureFlag, Release, ReleaseStatus
from mallops.ops.rollout import SUBJECT_KINDS, Subject, decide, parse_version

MANAGE_PERMISSION = "system.operate"

TRANSITIONS: dict[str, frozenset[str]] = {
    ReleaseStatus.PLANNED: frozenset({ReleaseStatus.TESTING}),
    ReleaseStatus.TESTING: frozenset({ReleaseStatus.APPROVED}),
    ReleaseStatus.APPROVED: frozenset({ReleaseStatus.GRAY, ReleaseStatus.FULL}),
    ReleaseStatus.GRAY: frozenset({ReleaseStatus.FULL, ReleaseStatus.ROLLED_BACK}),
    ReleaseStatus.FULL: frozenset({ReleaseStatus.ROLLED_BACK}),
    ReleaseStatus.ROLLED_BACK: frozenset(),
}
_STAMP: dict[str, str] = {
    ReleaseStatus.TESTING: "testing_at",
    ReleaseStatus.APPROVED: "approved_at",
    ReleaseStatus.GRAY: "gray_at",
    ReleaseStatus.FULL: "full_at",
    ReleaseStatus.ROLLED_BACK: "rolled_back_at",
}


# --- migrations and whether they reverse -------------------------------------------------------------


def irreversible_operations(operations: Iterable[Operation]) -> list[str]:
    """The operations without a reverse: RunPython without reverse_code, RunSQL without reverse_sql, and
    any operation whose ``reversible`` is false (looked into SeparateDatabaseAndState's database side)."""
    found: list[str] = []
    for operation in operations:
        if isinstance(operation, SeparateDatabaseAndState):
            found += irreversible_operations(operation.database_operations)
        elif isinstance(operation, RunPython | RunSQL):
            if not operation.reversible:
                found.append(type(operation).__name__)
        elif not getattr(operation, "reversible", True):
            found.append(operation.describe())
    return found


def migration_entry(migration: Migration) -> dict[str, Any]:
    irreversible = irreversible_operations(migration.operations)
    return {
        "app": migration.app_label,
        "name": migration.name,
        "reversible": not irreversible,
        "irreversible": irreversible,
    }


def migrations_report(keys: Sequence[tuple[str, str]] | None = None) -> list[dict[str, Any]]:
    """The named migrations (or, without names, those on disk no earlier release brought), with reversibility."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    disk = loader.disk_migrations
    if keys is None:
        seen = {
            (item["app"], item["name"])
            for row in Release.objects.only("migrations")
            for item in row.migrations
        }
        keys = sorted(key for key in disk if key not in seen)
    missing = [f"{app}.{name}" for app, name in keys if (app, name) not in disk]
    if missing:
        raise validation_error(
            [FieldError(("body", "migrations"), f"no such migration: {', '.join(missing)}")]
        )
    return [migration_entry(disk[key]) for key in keys]


# --- releases ----------------------------------------------------------------------------------------


def _snapshot(row: Release) -> dict[str, Any]:
    return {"status": row.status, "version": row.version}


def _locked(release_id: int) -> Release:
    row = Release.objects.select_for_update().filter(pk=release_id).first()
    if row is None:
        raise not_found("release")
    return row


def release_create(
    *,
    actor: Actor,
    version: str,
    changelog: str,
    migrations: Sequence[str] | None = None,
    test_evidence: str = "",
) -> Release:
    """Plan a release; its version must be MAJOR.MINOR.PATCH and above every earlier release's."""
    require_permission(actor, MANAGE_PERMISSION)
    assert actor.user_id is not None  # require_permission refuses anyone not signed in
    parts = parse_version(version)
    if parts is None:
        raise validation_error([FieldError(("body", "version"), "version must be MAJOR.MINOR.PATCH")])
    keys: list[tuple[str, str]] | None = None
    if migrations is not None:
        keys = []
        for text in migrations:
            app, _, name = text.partition(".")
            if not app or not name:
                raise validation_error([FieldError(("body", "migrations"), "use app_label.migration_name")])
            keys.append((app, name))
    with transaction.atomic():
        # one planner at a time: the version check and the insert must see the same latest release
        latest = Release.objects.select_for_update().order_by("-major", "-minor", "-patch").first()
        if latest is not None and parts <= (latest.major, latest.minor, latest.patch):
            raise validation_error(
                [
                    FieldError(
                        ("body", "version"), f"version must be above the latest release {latest.version}"
                    )
                ]
            )
        row = Release.objects.create(
            version=version,
            major=parts[0],
            minor=parts[1],
            patch=parts[2],
            changelog=changelog,
            migrations=migrations_report(keys),
            test_evidence=test_evidence,
            created_by_id=actor.user_id,
        )
        audit_record(actor=actor, action="ops.release_create", obj=row, after=_snapshot(row))
    return row


def release_set_evidence(*, actor: Actor, release_id: int, test_evidence: str) -> Release:
    require_permission(actor, MANAGE_PERMISSION)
    with transaction.atomic():
        row = _locked(release_id)
        if row.status not in {ReleaseStatus.PLANNED, ReleaseStatus.TESTING}:
            raise conflict(
                "The evidence is fixed once the release is approved.", code=OpsCode.RELEASE_EVIDENCE_FIXED
            )
        before = {"test_evidence": row.test_evidence}
        row.test_evidence = test_evidence
        row.save(update_fields=["test_evidence"])
        audit_record(
            actor=actor,
            action="ops.release_evidence",
            obj=row,
            before=before,
            after={"test_evidence": test_evidence},
        )
    return row


def release_transition(
    *, actor: Actor, release_id: int, status: str, reason: str = "", now: datetime | None = None
) -> Release:
    """Move a release one step. Approving needs test evidence and an approver other than the creator;
    gray turns the release's flags on at their percentages, full at 100 %, rolled back turns them off."""
    require_permission(actor, MANAGE_PERMISSION)
    now = now or timezone.now()
    with transaction.atomic():
        row = _locked(release_id)
        if status not in TRANSITIONS.get(row.status, frozenset()):
            raise conflict(
                f"A release cannot go from {row.status} to {status}.",
                code=OpsCode.RELEASE_TRANSITION_INVALID,
                current=row.status,
            )
        before = _snapshot(row)
        fields = ["status", _STAMP[status]]
        if status == ReleaseStatus.APPROVED:
            if not row.test_evidence.strip():
                raise conflict(
                    "Record the test evidence before approving.", code=OpsCode.RELEASE_EVIDENCE_MISSING
                )
            if row.created_by_id == actor.user_id:
                raise conflict(
                    "A second person approves a release, not its creator.", code=OpsCode.RELEASE_SELF_APPROVAL
                )
            row.approved_by_id = actor.user_id
            fields.append("approved_by")
        if status == ReleaseStatus.ROLLED_BACK:
            if not reason.strip():
                raise validation_error([FieldError(("body", "reason"), "say why the release is rolled back")])
            row.rollback_reason = reason
            fields.append("rollback_reason")
        row.status = status
        setattr(row, _STAMP[status], now)
        row.save(update_fields=fields)
        for flag in FeatureFlag.objects.select_for_update().filter(release=row):
            flag_before = _flag_snapshot(flag)
            if status == ReleaseStatus.GRAY:
                flag.is_enabled = True
            elif status == ReleaseStatus.FULL:
                flag.is_enabled, flag.percentage = True, 100
            elif status == ReleaseStatus.ROLLED_BACK:
                flag.is_enabled = False
            else:
                continue
            flag.save(update_fields=["is_enabled", "percentage", "updated_at"])
            audit_record(
                actor=actor,
                action=f"ops.flag_{status}",
                obj=flag,
                before=flag_before,
                after=_flag_snapshot(flag),
            )
        after = _snapshot(row) | ({"reason": reason} if reason else {})
        audit_record(actor=actor, action=f"ops.release_{status}", obj=row, before=before, after=after)
    return row


def releases_list(*, actor: Actor) -> QuerySet[Release]:
    require_permission(actor, MANAGE_PERMISSION)
    return Release.objects.select_related("created_by", "approved_by")


def release_get(*, actor: Actor, release_id: int) -> Release:
    require_permission(actor, MANAGE_PERMISSION)
    row = Release.objects.select_related("created_by", "approved_by").filter(pk=release_id).first()
    if row is None:
        raise not_found("release")
    return row


# --- feature flags -----------------------------------------------------------------------------------


def _flag_snapshot(flag: FeatureFlag) -> dict[str, Any]:
    return {"is_enabled": flag.is_enabled, "percentage": flag.percentage, "cohorts": flag.cohorts}


def _clean_cohorts(cohorts: dict[str, Sequence[int]]) -> dict[str, list[int]]:
    unknown = sorted(set(cohorts) - set(SUBJECT_KINDS))
    if unknown:
        raise validation_error(
            [FieldError(("body", "cohorts"), f"unknown cohort kind: {', '.join(unknown)}")]
        )
    return {kind: sorted(set(ids)) for kind, ids in cohorts.items() if ids}


def flag_save(
    *,
    actor: Actor,
    name: str,
    description: str | None = None,
    release_id: int | None = None,
    is_enabled: bool | None = None,
    percentage: int | None = None,
    cohorts: dict[str, Sequence[int]] | None = None,
) -> FeatureFlag:
    """Create a flag or change it; only the given fields change."""
    require_permission(actor, MANAGE_PERMISSION)
    if percentage is not None and not 0 <= percentage <= 100:
        raise validation_error([FieldError(("body", "percentage"), "percentage is 0 to 100")])
    with transaction.atomic():
        flag = FeatureFlag.objects.select_for_update().filter(name=name).first()
        created = flag is None
        if flag is None:
            flag = FeatureFlag(name=name)
        before = None if created else _flag_snapshot(flag)
        if description is not None:
            flag.description = description
        if release_id is not None:
            release = Release.objects.filter(pk=release_id).first()
            if release is None:
                raise validation_error([FieldError(("body", "release_id"), "no release with this id")])
            flag.release = release
        if is_enabled is not None:
            flag.is_enabled = is_enabled
        if percentage is not None:
            flag.percentage = percentage
        if cohorts is not None:
            flag.cohorts = _clean_cohorts(cohorts)
        flag.save()
        audit_record(
            actor=actor,
            action="ops.flag_create" if created else "ops.flag_update",
            obj=flag,
            before=before,
            after=_flag_snapshot(flag),
        )
    return flag


def flags_list(*, actor: Actor) -> QuerySet[FeatureFlag]:
    require_permission(actor, MANAGE_PERMISSION)
    return FeatureFlag.objects.select_related("release")


def subject_of(obj: Any) -> Subject | None:
    """A Subject from a Subject, a merchant row or a user (staff -> staff, buyer -> buyer,
    a merchant's member -> that merchant); None for anything else (anonymous)."""
    if obj is None or isinstance(obj, Subject):
        return obj
    from mallops.accounts.models import Merchant
    from mallops.accounts.roles import Kind
    from mallops.accounts.selectors import user_merchant

    if isinstance(obj, Merchant):
        return Subject("merchant", obj.pk)
    if not getattr(obj, "is_authenticated", False):
        return None
    if obj.kind == Kind.STAFF:
        return Subject("staff", obj.pk)
    if obj.kind == Kind.BUYER:
        return Subject("buyer", obj.pk)
    if obj.kind == Kind.MERCHANT:
        member = user_merchant(obj)
        return Subject("merchant", member.merchant_id) if member else None
    return None


def flag_enabled(name: str, subject: Any = None) -> bool:
    """Whether the feature ``name`` is on for ``subject``; an unknown flag is off (fails closed)."""
    flag = FeatureFlag.objects.filter(name=name).only("is_enabled", "percentage", "cohorts").first()
    if flag is None:
        return False
    return decide(
        name,
        subject_of(subject),
        is_enabled=flag.is_enabled,
        percentage=flag.percentage,
        cohorts=flag.cohorts,
    )
