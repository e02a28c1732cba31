"""Compliance self-inspection (R7.1.2) and remediation with an auditor's sign-off (R7.3.2), issue 17.

The rows are built with factories while the shipped packs are in force (a listing goes live through
review); then a test pack is added (a pack update) and the inspection re-checks everything live with it.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.catalogue.fixtures import make_product
from mallops.compliance import report, selectors, services
from mallops.compliance.engine import Engine, load_packs
from mallops.compliance.engine import api as engine_api
from mallops.compliance.engine.rules import parse_pack
from mallops.compliance.models import Inspection, InspectionFinding, InspectionStatus
from mallops.core.errors import DomainError
from mallops.dsr.models import PrivacyPolicy
from mallops.review import services as review_services
from mallops.service.models import ReplyTemplate
from mallops.tasks import selectors as task_selectors
from mallops.tasks import services as task_services
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.pricing import make_batch, make_promotion

pytestmark = pytest.mark.django_db

TITLE = "手工陶瓷马克杯 大容量办公室水杯"


def _pack() -> Any:
    return parse_pack(
        {
            "pack": "zz_inspection_test",
            "version": "2027.1",
            "rules": [
                {
                    "id": "TEST-INSPECT-BLOCK",
                    "title": "a term the new pack forbids",
                    "severity": "block",
                    "citation": {"law": "AD", "article": 9, "item": 3},
                    "terms": ["办公室"],
                },
                {
                    "id": "TEST-INSPECT-REVIEW",
                    "title": "a term the new pack asks a person to check",
                    "severity": "review",
                    "citation": {"law": "AD", "article": 28, "paragraph": 2},
                    "terms": ["秋季特惠"],
                },
            ],
        },
        "zz_inspection_test.yaml",
    )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    product = make_product(merchant.pk, "general", title=TITLE)
    listing = review_services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk
    )
    review_services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    review_services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    review_services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)
    promotion = make_promotion(merchant, name="秋季特惠满100减20", status="live")
    make_promotion(merchant, name="秋季特惠草稿")  # a draft: not live, not inspected
    batch = make_batch(None, name="办公室专享券")
    template = ReplyTemplate.objects.create(title="发货说明", body="办公室地址请写全。")
    ReplyTemplate.objects.create(title="旧模板", body="办公室", is_active=False)
    # data handling is in order: a current privacy policy that states every retention period
    PrivacyPolicy.objects.create(
        version="2026.1",
        text="我们如何处理您的个人信息。",
        purposes=[{"code": "account", "name": "账号", "retention": "注销后删除"}],
        published_at=timezone.now(),
        is_current=True,
    )
    engine = Engine((*load_packs(), _pack()))
    monkeypatch.setattr(engine_api, "default_engine", lambda: engine)
    return {
        "merchant": merchant,
        "listing": listing,
        "promotion": promotion,
        "batch": batch,
        "template": template,
        "auditor": make_staff("compliance_auditor", username="auditor"),
    }


def _run(auditor: Any) -> Inspection:
    inspection = services.inspection_start(actor=actor_of(auditor), queue=False)
    return services.inspection_run(inspection_id=inspection.pk, batch=2)


@pytest.mark.req("R7.1.2")
def test_an_inspection_finds_exactly_the_live_texts_that_break_the_current_packs(
    world: dict[str, Any],
) -> None:
    # when
    inspection = _run(world["auditor"])
    # then
    found = sorted(
        (f.area, f.object_id, f.field, f.rule, f.start, f.end, f.text, f.severity, f.article)
        for f in InspectionFinding.objects.filter(inspection=inspection)
    )
    assert found == sorted(
        [
            (
                "listing",
                str(world["listing"].pk),
                "title",
                "TEST-INSPECT-BLOCK",
                11,
                14,
                "办公室",
                "block",
                "广告法第九条第（三）项",
            ),
            (
                "promotion",
                str(world["promotion"].pk),
                "name",
                "TEST-INSPECT-REVIEW",
                0,
                4,
                "秋季特惠",
                "review",
                "广告法第二十八条第二款",
            ),
            (
                "coupon",
                str(world["batch"].pk),
                "name",
                "TEST-INSPECT-BLOCK",
                0,
                3,
                "办公室",
                "block",
                "广告法第九条第（三）项",
            ),
            (
                "reply_template",
                str(world["template"].pk),
                "body",
                "TEST-INSPECT-BLOCK",
                0,
                3,
                "办公室",
                "block",
                "广告法第九条第（三）项",
            ),
        ]
    )
    assert inspection.status == InspectionStatus.DONE
    assert (inspection.total, inspection.done) == (5, 5)  # and the store's name
    assert inspection.rules_version.endswith("zz_inspection_test@2027.1")
    assert (
        AuditEvent.objects.filter(action="compliance.inspection.finish", object_id=str(inspection.pk)).count()
        == 1
    )


@pytest.mark.req("R7.1.2")
def test_the_report_counts_reconcile_and_the_trend_compares_with_the_previous_run(
    world: dict[str, Any],
) -> None:
    first = _run(world["auditor"])
    summary = first.summary
    assert {k: summary[k] for k in ("objects", "texts", "findings", "objects_with_findings")} == {
        "objects": 5,
        "texts": summary["texts"],
        "findings": 4,
        "objects_with_findings": 4,
    }
    assert summary["by_severity"] == {"block": 3, "review": 1}
    assert summary["by_area"] == {
        "listing": 1,
        "promotion": 1,
        "coupon": 1,
        "reply_template": 1,
        "store_name": 0,
        "store_notice": 0,
        "review_reply": 0,
        "price": 0,
        "data": 0,
    }
    assert summary["by_rule"] == {"TEST-INSPECT-BLOCK": 3, "TEST-INSPECT-REVIEW": 1}
    for key in ("by_severity", "by_area", "by_rule"):
        assert sum(summary[key].values()) == summary["findings"]
    assert summary["trend"] == {"has_previous": False}

    # the template is fixed, the next run sees one finding fewer
    ReplyTemplate.objects.filter(pk=world["template"].pk).update(body="地址请写全。")
    second = _run(world["auditor"])
    assert second.previous_id == first.pk
    assert second.summary["trend"] == {
        "has_previous": True,
        "findings_previous": 4,
        "findings_delta": -1,
        "by_severity_delta": {"block": -1, "review": 0},
        "by_rule_delta": {"TEST-INSPECT-BLOCK": -1, "TEST-INSPECT-REVIEW": 0},
        "new": 0,
        "resolved": 1,
    }


@pytest.mark.req("R7.3.2")
def test_remediation_tasks_open_once_per_finding_and_the_sign_off_waits_for_them(
    world: dict[str, Any],
) -> None:
    auditor = world["auditor"]
    inspection = _run(auditor)
    rows = list(selectors.findings(inspection=inspection))
    # one task per finding, and asking again opens nothing
    assert services.inspection_tasks_open(actor=actor_of(auditor), inspection_id=inspection.pk) == 4
    assert services.inspection_tasks_open(actor=actor_of(auditor), inspection_id=inspection.pk) == 0
    services.finding_task_open(actor=actor_of(auditor), finding_id=rows[0].pk)
    tasks = task_selectors.tasks_visible(actor=auditor, team="compliance")
    assert tasks.count() == 4
    assert sorted(tasks.values_list("source_type", "source_id")) == sorted(
        ("compliance.finding", row.fingerprint) for row in rows
    )
    # a re-run links the same problems to the tasks already open instead of opening new ones
    rerun = _run(auditor)
    assert services.inspection_tasks_open(actor=actor_of(auditor), inspection_id=rerun.pk) == 0
    assert task_selectors.tasks_visible(actor=auditor, team="compliance").count() == 4

    rows = list(selectors.findings(inspection=inspection))
    task_ids = [row.task_id for row in rows]
    # refused while tasks are open: nothing changes
    with pytest.raises(DomainError) as refused:
        services.inspection_sign_off(actor=actor_of(auditor), inspection_id=inspection.pk)
    assert (refused.value.code, refused.value.status, refused.value.extra) == (
        "inspection_not_remediated",
        409,
        {"waiting": 4},
    )
    inspection.refresh_from_db()
    assert (inspection.status, inspection.signed_by_id) == (InspectionStatus.DONE, None)

    # three fixed, one accepted with a reason
    for task_id in task_ids[:3]:
        assert task_id is not None
        task_services.task_close(actor=actor_of(auditor), task_id=task_id, outcome="文字已改")
    with pytest.raises(DomainError) as still:
        services.inspection_sign_off(actor=actor_of(auditor), inspection_id=inspection.pk)
    assert still.value.extra == {"waiting": 1}
    services.finding_accept(
        actor=actor_of(auditor), finding_id=rows[3].pk, reason="模板中的办公室是地址说明，不是宣传"
    )
    signed = services.inspection_sign_off(
        actor=actor_of(auditor), inspection_id=inspection.pk, note="本期整改完成"
    )
    assert (signed.status, signed.signed_by_id, signed.summary["remediation"]) == (
        InspectionStatus.SIGNED,
        auditor.pk,
        {"closed": 3, "accepted": 1},
    )
    # frozen
    with pytest.raises(DomainError) as frozen:
        services.finding_accept(actor=actor_of(auditor), finding_id=rows[0].pk, reason="x")
    assert frozen.value.code == "inspection_signed"
    actions = list(
        AuditEvent.objects.filter(object_type="compliance.inspection", object_id=str(inspection.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "compliance.inspection.start",
        "compliance.inspection.finish",
        "compliance.inspection.tasks",
        "compliance.inspection.tasks",
        "compliance.inspection.sign_off",
    ]


def test_only_the_compliance_roles_inspect_and_only_the_auditor_signs(world: dict[str, Any]) -> None:
    reviewer = make_staff("listing_reviewer", username="rev2")
    with pytest.raises(DomainError) as refused:
        services.inspection_start(actor=actor_of(reviewer), queue=False)
    assert refused.value.status == 403
    assert Inspection.objects.count() == 0


def test_the_xlsx_export_and_the_printable_page_have_the_findings(world: dict[str, Any]) -> None:
    auditor = world["auditor"]
    inspection = _run(auditor)
    client = Client()
    client.force_login(auditor)
    page = client.get(f"/compliance/inspections/{inspection.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "TEST-INSPECT-BLOCK" not in html.replace('title="TEST-INSPECT-BLOCK"', "")
    export = client.get(f"/compliance/inspections/{inspection.pk}/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    findings = list(book["findings"].iter_rows(values_only=True))
    assert len(findings) == 1 + 4
    assert sorted(row[1] for row in findings[1:]) == sorted(["商品", "促销活动", "优惠券", "回复模板"])
    counts = {row[0]: row[1] for row in book["summary"].iter_rows(values_only=True) if row[0]}
    assert counts["发现总数"] == 4
    printable = client.get(f"/compliance/inspections/{inspection.pk}/print")
    assert printable.status_code == 200
    assert "办公室" in printable.content.decode()

    # words, not codes, on the zh-hans pages (the console-wide walk's own check)
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "raw_codes_walk", Path(__file__).parents[1] / "console" / "test_console_raw_codes.py"
    )
    assert spec is not None and spec.loader is not None
    walk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(walk)
    code_pattern, known_codes, visible_text = walk.code_pattern, walk.known_codes, walk.visible_text

    codes = {**known_codes(), "TEST-INSPECT-BLOCK": "test rule id", "TEST-INSPECT-REVIEW": "test rule id"}
    pattern = code_pattern(codes)
    for path in (
        "/compliance/inspections/",
        f"/compliance/inspections/{inspection.pk}/",
        f"/compliance/inspections/{inspection.pk}/print",
    ):
        text = visible_text(client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode())
        assert [(m.group(1), codes[m.group(1)]) for m in pattern.finditer(text)] == [], path


def test_the_pure_summary_counts_every_hit_once() -> None:
    hits = [
        report.Hit("listing", "1", "a", "title", "R1", 0, 1, "x", "block", "art"),
        report.Hit("listing", "1", "a", "title", "R2", 2, 3, "y", "review", "art"),
        report.Hit("coupon", "2", "b", "name", "R1", 0, 1, "x", "block", "art"),
    ]
    summary = report.summarize(hits, objects=5, texts=9)
    assert summary == {
        "objects": 5,
        "texts": 9,
        "findings": 3,
        "objects_with_findings": 2,
        "by_severity": {"block": 2, "review": 1},
        "by_area": {
            "listing": 2,
            "promotion": 0,
            "coupon": 1,
            "reply_template": 0,
            "store_name": 0,
            "store_notice": 0,
            "review_reply": 0,
            "price": 0,
            "data": 0,
        },
        "by_rule": {"R1": 2, "R2": 1},
    }


@pytest.mark.req("R7.3.2")
def test_the_api_runs_the_audit_loop_and_refuses_a_sign_off_while_a_task_is_open(
    world: dict[str, Any],
) -> None:
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    auditor = world["auditor"]
    inspection = _run(auditor)
    api = ApiClient(token=token_for(auditor))
    findings = api.get_json(f"/api/v1/compliance/inspections/{inspection.pk}/findings").json()["items"]
    assert sorted(f["remediation"] for f in findings) == ["none"] * 4
    assert api.post_json(f"/api/v1/compliance/inspections/{inspection.pk}/tasks", {}).json() == {"opened": 4}
    refused = api.post_json(f"/api/v1/compliance/inspections/{inspection.pk}/sign-off", {})
    assert (refused.status_code, refused.json()["code"]) == (409, "inspection_not_remediated")
    for finding in findings:
        accepted = api.post_json(f"/api/v1/compliance/findings/{finding['id']}/accept", {"reason": "已核实"})
        assert accepted.json()["items"][0]["remediation"] == "accepted"
    signed = api.post_json(f"/api/v1/compliance/inspections/{inspection.pk}/sign-off", {"note": "ok"})
    assert (signed.status_code, signed.json()["status"]) == (200, "signed")
    outsider = ApiClient(token=token_for(make_staff("listing_reviewer", username="rev3")))
    assert outsider.get_json("/api/v1/compliance/inspections").status_code == 403


@pytest.mark.req("R7.1.2")
def test_the_weekly_schedule_runs_an_inspection_as_the_system(world: dict[str, Any]) -> None:
    from mallops.compliance.tasks import weekly_inspection

    inspection_id = weekly_inspection()
    assert inspection_id is not None
    run = Inspection.objects.get(pk=inspection_id)
    assert (run.started_by_id, run.status, run.summary["findings"]) == (None, InspectionStatus.DONE, 4)
    # while a run is in progress the schedule starts none
    services.inspection_start(actor=actor_of(world["auditor"]), queue=False)
    assert weekly_inspection() is None
    assert Inspection.objects.count() == 2
