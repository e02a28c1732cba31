"""``mallops create-admin``: the first platform admin of a fresh install (no demo data, no Django admin)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from mallops.accounts.models import User
from mallops.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_create_admin_makes_a_platform_admin_who_signs_in_to_the_console(tmp_path: Path) -> None:
    secret = tmp_path / "pw"
    secret.write_text("Chuangye-2026!\n", encoding="utf-8")
    call_command("create_admin", "--username", "ops-admin", "--password-file", str(secret))
    admin = User.objects.get(username="ops-admin")
    assert (admin.kind, admin.has_perm("staff.manage"), admin.has_perm("merchant.onboard")) == (
        "staff",
        True,
        True,
    )
    assert (
        AuditEvent.objects.filter(action="accounts.admin_bootstrapped", object_id=str(admin.pk)).count() == 1
    )
    console = Client()
    assert console.login(username="ops-admin", password="Chuangye-2026!")
    assert console.get("/").status_code == 200


def test_create_admin_refuses_a_weak_password_and_a_taken_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOPS_ADMIN_PASSWORD", "short")
    with pytest.raises(CommandError, match="password"):
        call_command("create_admin", "--username", "ops-admin")
    assert not User.objects.filter(username="ops-admin").exists()
    monkeypatch.setenv("MALLOPS_ADMIN_PASSWORD", "Chuangye-2026!")
    call_command("create_admin", "--username", "ops-admin")
    with pytest.raises(CommandError, match="already taken"):
        call_command("create_admin", "--username", "OPS-admin")


def test_a_superuser_flag_grants_nothing_without_a_role(tmp_path: Path) -> None:
    """Permissions come from roles only: Django's superuser flag opened every console page while the
    services (role matrix through ``Actor``) showed the same person nothing."""
    boss = User.objects.create_superuser(username="root-flag", password="Chuangye-2026!", email="")
    # (Django's own model permissions still follow the flag through ModelBackend: the admin site)
    assert (boss.has_perm("staff.manage"), boss.has_perm("review.decide")) == (False, False)
    console = Client()
    assert console.login(username="root-flag", password="Chuangye-2026!")
    assert console.get("/review/").status_code == 403
    secret = tmp_path / "pw"
    secret.write_text("Chuangye-2026!\n", encoding="utf-8")
    call_command("create_admin", "--username", "ops-admin", "--password-file", str(secret))
    admin = User.objects.get(username="ops-admin")
    assert (admin.has_perm("staff.manage"), admin.has_perm("merchant.onboard")) == (True, True)
