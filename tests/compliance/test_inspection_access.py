"""Issue 17, R7.1.2: the self-inspection checks every export and reveal of personal data in the audit log
against the role matrix (PIPL Art. 51) and flags bulk exports that state no purpose (PIPL Art. 6)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.services import audit_record
from mallops.compliance import problems, services, sources
from mallops.compliance.models import InspectionFinding
from mallops.dsr.models import PrivacyPolicy
from mallops.privacy.contracts import DataClass
from mallops.privacy.services import personal_data_export_record, personal_field_reveal
from mallops.testing.factories import make_merchant, make_staff

ARTICLE_51 = "个人信息保护法第五十一条"
ARTICLE_6 = "个人信息保护法第六条"
AT = datetime(2026, 12, 7, 10, 30, tzinfo=timezone.get_current_timezone())


def _access(
    action: str, *, actor: str, granted: set[str], needed: tuple[str, ...], rows: int, purpose: str
) -> problems.PersonalDataAccess:
    return problems.PersonalDataAccess(
        event_seq=41,
        action=action,
        at=AT,
        actor=actor,
        roles=("数据运营",),
        needed=needed,
        granted=frozenset(granted),
        rows=rows,
        purpose=purpose,
        labels={
            "privacy.view_contact": "查看未脱敏的联系方式",
            "privacy.reveal": "查看完整个人信息（需填写理由）",
        },
    )


def test_the_pure_check_flags_a_missing_permission_a_missing_actor_and_a_bulk_export_without_purpose() -> (
    None
):
    contact = ("privacy.view_contact",)
    allowed = _access(
        "privacy.export",
        actor="ana",
        granted={"privacy.view_contact"},
        needed=contact,
        rows=500,
        purpose="对账",
    )
    small = _access(
        "privacy.export", actor="ana", granted={"privacy.view_contact"}, needed=contact, rows=49, purpose=""
    )
    assert problems.access_hits([allowed, small]) == []

    no_role = _access("privacy.export", actor="bo", granted=set(), needed=contact, rows=50, purpose=" ")
    system = _access(
        "privacy.reveal", actor="", granted=set(), needed=("privacy.reveal",), rows=1, purpose=""
    )
    hits = problems.access_hits([no_role, system])
    assert [(h.rule, h.object_id, h.field, h.severity, h.article, h.text) for h in hits] == [
        (
            "PIPL51-ACCESS-ROLE",
            "audit:41",
            "actor",
            "block",
            ARTICLE_51,
            "bo（数据运营）于 2026-12-07 10:30 导出个人信息 50 条，其角色不具备：查看未脱敏的联系方式",
        ),
        (
            "PIPL6-EXPORT-PURPOSE",
            "audit:41",
            "purpose",
            "review",
            ARTICLE_6,
            "bo（数据运营）于 2026-12-07 10:30 批量导出个人信息 50 条，未写明用途",
        ),
        (
            "PIPL51-ACCESS-ROLE",
            "audit:41",
            "actor",
            "block",
            ARTICLE_51,
            "系统任务（无操作人）（数据运营）于 2026-12-07 10:30 查看完整个人信息 1 条，其角色不具备：查看完整个人信息（需填写理由）",
        ),
    ]


@pytest.mark.django_db
@pytest.mark.req("R7.1.2")
def test_an_inspection_checks_the_exports_and_reveals_in_the_audit_log_against_the_role_matrix() -> None:
    PrivacyPolicy.objects.create(
        version="2026.1",
        text="我们如何处理您的个人信息。",
        purposes=[{"code": "account", "name": "账号", "retention": "注销后删除"}],
        published_at=timezone.now(),
        is_current=True,
    )
    merchant, _owner = make_merchant("小林家居")
    supervisor = make_staff("cs_supervisor", username="supervisor")
    analyst = make_staff("data_ops", username="analyst")
    admin = make_staff("platform_admin", username="admin")
    # allowed: a reveal with a reason by a role that may reveal, a purposeful export by a role that sees contacts
    personal_field_reveal(
        actor=supervisor, obj=merchant, field_name="contact_phone", reason="核实入驻联系电话"
    )
    personal_data_export_record(
        actor=admin, what="商家联系人列表", rows=300, data_classes=[DataClass.CONTACT], purpose="年度资质复核"
    )
    # not allowed: a bulk export by a role without the unmasked view of contacts, and with no purpose
    personal_data_export_record(actor=analyst, what="买家手机号", rows=120, data_classes=[DataClass.CONTACT])
    # a reveal written past the service, by a role without the reveal permission
    audit_record(
        actor=analyst,
        action="privacy.reveal",
        obj=merchant,
        after={"field": "contact_phone", "reason": "看看"},
    )

    auditor = make_staff("compliance_auditor")
    inspection = services.inspection_start(actor=actor_of(auditor), queue=False)
    services.inspection_run(inspection_id=inspection.pk)

    found = InspectionFinding.objects.filter(
        inspection=inspection, rule__in=["PIPL51-ACCESS-ROLE", "PIPL6-EXPORT-PURPOSE"]
    )
    rows = sorted((f.rule, f.field, f.severity, f.article, f.text.split("于")[0]) for f in found)
    assert rows == [
        ("PIPL51-ACCESS-ROLE", "actor", "block", ARTICLE_51, "analyst（数据运营）"),
        ("PIPL51-ACCESS-ROLE", "actor", "block", ARTICLE_51, "analyst（数据运营）"),
        ("PIPL6-EXPORT-PURPOSE", "purpose", "review", ARTICLE_6, "analyst（数据运营）"),
    ]
    texts = sorted(f.text.split("，")[-1] for f in found if f.rule == "PIPL51-ACCESS-ROLE")
    assert texts == ["其角色不具备：查看完整个人信息（需填写理由）", "其角色不具备：查看未脱敏的联系方式"]
    # the log is read 90 days back: the same events are out of a later run's window
    assert len(sources.personal_data_access(now=timezone.now())) == 4
    assert sources.personal_data_access(now=timezone.now() + timedelta(days=91)) == ()
