"""Issue 17: every text that goes live is checked when it is saved (store names and announcements, store
replies to reviews, reply templates), and the self-inspection also covers those texts, prices (reference
price against the 7-day low) and data handling, with a server-drawn PDF of the report (R1.4.1, R7.1.2)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts import services as account_services
from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, User
from mallops.audit.models import AuditEvent
from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import Sku
from mallops.compliance import problems, services
from mallops.compliance.models import InspectionFinding, InspectionStatus
from mallops.compliance.report import Hit, report_number
from mallops.core.errors import DomainError
from mallops.dsr.models import DataSubjectRequest, PrivacyPolicy
from mallops.product_reviews import services as review_reply_services
from mallops.product_reviews.models import ReviewReply
from mallops.review import services as review_services
from mallops.review.models import ListingVersion
from mallops.service import configuration
from mallops.stores import selectors as store_selectors
from mallops.stores import services as store_services
from mallops.stores.models import StoreNotice
from mallops.testing.client import ApiClient
from mallops.testing.factories import _valid_uscc, make_merchant, make_staff, token_for
from mallops.testing.pricing import make_promotion
from mallops.testing.product_reviews import walk_rows

ARTICLE_9_3 = "广告法第九条第（三）项"
ARTICLE_17 = "广告法第十七条"


def _blocked(call: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == "compliance_blocked"
    assert caught.value.status == 422
    return caught.value


def _policy() -> None:
    PrivacyPolicy.objects.create(
        version="2026.1",
        text="我们如何处理您的个人信息。",
        purposes=[{"code": "account", "name": "账号", "retention": "注销后删除"}],
        published_at=timezone.now(),
        is_current=True,
    )


def _run(auditor: Any) -> Any:
    inspection = services.inspection_start(actor=actor_of(auditor), queue=False)
    return services.inspection_run(inspection_id=inspection.pk)


@pytest.mark.django_db
@pytest.mark.req("R1.4.1")
def test_store_names_and_announcements_are_checked_on_save_and_review_findings_wait_for_a_reviewer() -> None:
    admin = make_staff("platform_admin")
    merchant, owner = make_merchant("小林家居")
    # a store name: block refuses (onboarding and renaming), with the span and the article
    error = _blocked(
        lambda: account_services.merchant_update(
            actor=actor_of(admin), merchant_id=merchant.pk, name="国家级旗舰店"
        )
    )
    assert [(e.loc, e.msg) for e in error.errors] == [(("body", "name"), f"国家级: {ARTICLE_9_3}")]
    assert error.extra["findings"][0] | {} == {
        "rule": "AD9-3-LEVEL",
        "start": 0,
        "end": 3,
        "text": "国家级",
        "basis": ARTICLE_9_3,
        "severity": "block",
    }
    assert Merchant.objects.get(pk=merchant.pk).name == "小林家居"
    _blocked(
        lambda: account_services.merchant_onboard(
            actor=actor_of(admin),
            name="全网第一好店",
            licence_number=_valid_uscc("91310000MA9999999"),
            contact_name="张三",
            contact_phone="13800138000",
            owner_username="onboarded-owner",
            owner_password="A-long-passw0rd!",
        )
    )
    assert not Merchant.objects.filter(name="全网第一好店").exists()

    # an announcement: block refuses and nothing is stored
    error = _blocked(
        lambda: store_services.store_notice_submit(actor=actor_of(owner), text="本店商品可治疗糖尿病")
    )
    assert {(f["text"], f["basis"]) for f in error.extra["findings"]} == {
        ("治疗", ARTICLE_17),
        ("治疗糖尿病", ARTICLE_17),
    }
    assert StoreNotice.objects.unscoped(reason="test").count() == 0
    # a clean one goes live at once
    live = store_services.store_notice_submit(actor=actor_of(owner), text="国庆期间正常发货，欢迎选购")
    assert (live.status, live.findings) == ("live", [])
    # review findings: pending for content operations, the live one stays until approved
    pending = store_services.store_notice_submit(actor=actor_of(owner), text="本店茶叶纯天然，欢迎选购")
    assert pending.status == "pending"
    assert [(f["rule"], f["start"], f["end"], f["basis"]) for f in pending.findings] == [
        ("AD28-NATURAL", 4, 7, "广告法第二十八条第二款第（二）项")
    ]
    assert store_selectors.live_notice(merchant_id=merchant.pk) == live
    content_ops = make_staff("content_ops")
    assert list(store_selectors.pending_notices(actor=actor_of(content_ops))) == [pending]
    with pytest.raises(DomainError) as denied:
        store_services.store_notice_decide(actor=actor_of(owner), notice_id=pending.pk, approve=True)
    assert denied.value.code == "permission_denied"
    store_services.store_notice_decide(actor=actor_of(content_ops), notice_id=pending.pk, approve=True)
    assert store_selectors.live_notice(merchant_id=merchant.pk) == pending
    assert StoreNotice.objects.for_merchant(merchant.pk).get(pk=live.pk).status == "replaced"
    assert list(
        AuditEvent.objects.filter(action__startswith="stores.notice.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["stores.notice.submit", "stores.notice.submit", "stores.notice.approve"]

    # the merchant centre's page shows a refusal with the words and the article
    client = Client()
    client.force_login(owner)
    page = client.post("/stores/notice/", {"text": "本店商品可治疗糖尿病"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "治疗糖尿病" in html and ARTICLE_17 in html and "AD17-CLAIM-TREAT" not in html

    # and the API: the same refusal as problem+json, then the state
    api = ApiClient(token=token_for(owner))
    refused = api.put(
        "/api/v1/merchant/store/notice",
        data={"text": "全网第一好店"},
        content_type="application/json",
        headers=api._headers(None),
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "compliance_blocked"
    assert [f["basis"] for f in refused.json()["findings"]] == [ARTICLE_9_3]
    versions = api.get_json("/api/v1/merchant/store/notices").json()["items"]
    assert [(v["id"], v["status"]) for v in versions] == [(pending.pk, "live"), (live.pk, "replaced")]


@pytest.mark.django_db
@pytest.mark.req("R1.4.1")
def test_store_replies_to_reviews_and_reply_templates_are_refused_with_the_article() -> None:
    merchant, owner = make_merchant()
    rows = walk_rows(merchant)
    error = _blocked(
        lambda: review_reply_services.reply_create(
            actor=actor_of(owner), review_id=rows["review_id"], text="本品能根治失眠"
        )
    )
    assert ("根治失眠", ARTICLE_17) in {(f["text"], f["basis"]) for f in error.extra["findings"]}
    assert ReviewReply.objects.for_merchant(merchant.pk).count() == 0
    supervisor = make_staff("cs_supervisor")
    error = _blocked(
        lambda: configuration.reply_template_create(
            actor=actor_of(supervisor), title="售后说明", body="本品能根治失眠"
        )
    )
    assert any(e.loc == ("body", "body") and e.msg.endswith(ARTICLE_17) for e in error.errors)


def _world_for_inspection() -> dict[str, Any]:
    merchant, owner = make_merchant("小林家居")
    reviewer = make_staff("listing_reviewer")
    product = make_product(merchant.pk, "general", title="手工陶瓷马克杯 大容量水杯")
    listing = review_services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk
    )
    review_services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    review_services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    review_services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)
    sku = Sku.objects.for_merchant(merchant.pk).filter(product=product).order_by("pk").first()
    assert sku is not None
    return {"merchant": merchant, "owner": owner, "listing": listing, "sku": sku}


@pytest.mark.django_db
@pytest.mark.req("R7.1.2")
def test_the_inspection_covers_store_texts_replies_prices_and_data_handling() -> None:
    world = _world_for_inspection()
    merchant, owner, sku = world["merchant"], world["owner"], world["sku"]
    notice = store_services.store_notice_submit(actor=actor_of(owner), text="国庆期间正常发货，欢迎选购")
    reply = ReviewReply.objects.create(
        merchant=merchant,
        author=owner,
        review_id=walk_rows(merchant)["review_id"],
        text="谢谢亲的好评",
    )
    # texts that passed when saved break a rule added since (the words are edited in place here)
    StoreNotice.objects.for_merchant(merchant.pk).filter(pk=notice.pk).update(text="本店商品可治疗糖尿病")
    ReviewReply.objects.for_merchant(merchant.pk).filter(pk=reply.pk).update(text="本品能治疗糖尿病")
    Merchant.objects.filter(pk=merchant.pk).update(name="国家级小林家居")
    # the live listing shows a reference price three times the price it sold at in the last 7 days,
    # and a live promotion does the same
    version = ListingVersion.objects.unscoped(reason="test").get(listing=world["listing"], status="approved")
    snapshot = version.snapshot
    snapshot["skus"][0]["reference_price_fen"] = sku.price_fen * 3
    ListingVersion.objects.unscoped(reason="test").filter(pk=version.pk).update(snapshot=snapshot)
    promotion = make_promotion(
        merchant,
        status="live",
        kind="amount_off",
        layer="item",
        amount_fen=100,
        tiers=[],
        skus=[sku.code],
        sku_prices=[{"sku": sku.code, "price_fen": sku.price_fen, "reference_price_fen": sku.price_fen * 3}],
    )
    # data handling: no privacy policy, one data-subject request past its deadline
    buyer = User.objects.create_user(username="buyer-dsr", password=None, kind="buyer")
    overdue = DataSubjectRequest.objects.create(
        buyer=buyer,
        kind="access",
        submitted_at=timezone.now() - timedelta(days=20),
        due_at=datetime(2026, 11, 20, 8, tzinfo=timezone.get_current_timezone()),
    )
    auditor = make_staff("compliance_auditor")

    inspection = _run(auditor)

    found = {
        (f.area, f.object_id, f.field, f.rule, f.text, f.severity, f.article)
        for f in InspectionFinding.objects.filter(inspection=inspection)
        if f.area in ("store_name", "store_notice", "review_reply")
    }
    assert found == {
        ("store_name", str(merchant.pk), "name", "AD9-3-LEVEL", "国家级", "block", ARTICLE_9_3),
        ("store_notice", str(notice.pk), "notice", "AD17-DISEASE", "治疗", "block", ARTICLE_17),
        ("store_notice", str(notice.pk), "notice", "AD17-CLAIM-TREAT", "治疗糖尿病", "block", ARTICLE_17),
        ("review_reply", str(reply.pk), "reply", "AD17-DISEASE", "治疗", "block", ARTICLE_17),
        ("review_reply", str(reply.pk), "reply", "AD17-CLAIM-TREAT", "治疗糖尿病", "block", ARTICLE_17),
    }
    others = sorted(
        (f.area, f.object_id, f.field, f.rule, f.severity, f.article, f.merchant_id)
        for f in InspectionFinding.objects.filter(inspection=inspection, area__in=["price", "data"])
    )
    assert others == [
        ("data", "policy", "policy", "PIPL17-POLICY-MISSING", "block", "个人信息保护法第十七条第一款", None),
        (
            "data",
            f"request:{overdue.pk}",
            "request",
            "PIPL50-DSR-OVERDUE",
            "block",
            "个人信息保护法第五十条",
            None,
        ),
        (
            "price",
            f"listing:{world['listing'].pk}",
            "price",
            "PRICE56-16-REFERENCE-LIVE",
            "block",
            "明码标价和禁止价格欺诈规定第十六条",
            merchant.pk,
        ),
        (
            "price",
            f"promotion:{promotion.pk}",
            "price",
            "PRICE56-16-REFERENCE-LIVE",
            "block",
            "明码标价和禁止价格欺诈规定第十六条",
            merchant.pk,
        ),
    ]
    summary = inspection.summary
    assert summary["by_area"]["price"] == 2 and summary["by_area"]["data"] == 2
    assert sum(summary["by_area"].values()) == summary["findings"]


@pytest.mark.django_db
@pytest.mark.req("R7.1.2")
def test_a_signed_report_downloads_as_a_pdf_with_its_number() -> None:
    make_merchant("小林家居")
    _policy()
    auditor = make_staff("compliance_auditor")
    inspection = _run(auditor)
    assert inspection.summary["findings"] == 0
    services.inspection_sign_off(actor=actor_of(auditor), inspection_id=inspection.pk, note="本期无问题")
    number = report_number(inspection.pk, inspection.started_at)
    assert number == f"HGZC-{inspection.started_at:%Y}-{inspection.pk:06d}"
    client = Client()
    client.force_login(auditor)
    page = client.get(f"/compliance/inspections/{inspection.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"/compliance/inspections/{inspection.pk}/report.pdf" in page.content.decode()
    for path in (
        f"/compliance/inspections/{inspection.pk}/report.pdf",
        f"/api/v1/compliance/inspections/{inspection.pk}/report.pdf",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert number.encode() in response.content
    assert type(inspection).objects.get(pk=inspection.pk).status == InspectionStatus.SIGNED


def test_data_handling_problems_cite_the_personal_information_law() -> None:
    now = datetime(2026, 12, 7, tzinfo=timezone.get_current_timezone())
    facts = problems.DataFacts(
        policy_version="2025.1",
        policy_published_at=now - timedelta(days=400),
        purposes_without_retention=("营销",),
        undeclared_fields=("orders.Order.ship_phone",),
        overdue_requests=(),
        retention_due=(("orders.delivery", "订单收货信息", 3), ("marketing.segment_tags", "营销标签", 2)),
    )
    assert [(h.rule, h.object_id, h.severity, h.article) for h in problems.data_hits(facts, now=now)] == [
        ("PIPL17-POLICY-STALE", "policy", "review", "个人信息保护法第十七条第二款"),
        ("PIPL17-RETENTION-UNDECLARED", "policy", "review", "个人信息保护法第十七条第一款第（二）项"),
        ("PIPL6-PURPOSE-MISSING", "registry", "block", "个人信息保护法第六条"),
        ("PIPL19-RETENTION-OVERDUE", "retention:orders.delivery", "block", "个人信息保护法第十九条"),
        ("PIPL14-CONSENT-MISSING", "retention:marketing.segment_tags", "block", "个人信息保护法第十四条"),
    ]
    fresh = problems.DataFacts("2026.1", now - timedelta(days=10), (), (), (), ())
    assert problems.data_hits(fresh, now=now) == []
    priced = problems.PricedObject(
        "listing",
        "7",
        "马克杯",
        3,
        (
            {
                "code": "raise_then_discount",
                "severity": "block",
                "message": "A1 先涨后降",
                "citation": {"text": "明码标价和禁止价格欺诈规定第十七条"},
            },
            {
                "code": "overlap",
                "severity": "block",
                "message": "not a price problem",
                "citation": {"text": "x"},
            },
        ),
    )
    assert problems.price_hits([priced]) == [
        Hit(
            "price",
            "listing:7",
            "马克杯",
            "price",
            "PRICE56-17-RAISE-THEN-DISCOUNT",
            0,
            0,
            "A1 先涨后降",
            "block",
            "明码标价和禁止价格欺诈规定第十七条",
            3,
        )
    ]
