"""Take-down by staff, delisting by the merchant, manual rejection with cited findings (R1.2.3, R2.1.2).

Both take-downs hide the live version from buyers at once, are audited, tell the merchant (staff take-down)
and are reversed by a resubmission that a reviewer approves.
"""

from __future__ import annotations

from typing import Any

import pytest

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import MerchantNotification
from mallops.review import services
from mallops.review.models import Finding, Listing, ListingStatus, ListingVersion, VersionStatus
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db

SUPERLATIVE = "AD9-3-SUPERLATIVE-ZUI"


def _live_listing(merchant_id: int, reviewer: Any, **overrides: Any) -> Listing:
    product = make_product(merchant_id, "general", **overrides)
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product.pk)
    _submit_and_approve(merchant_id, listing.pk, reviewer)
    listing.refresh_from_db()
    assert listing.is_visible
    return listing


def _submit_and_approve(merchant_id: int, listing_id: int, reviewer: Any) -> None:
    version = services.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing_id)
    assert version.status == VersionStatus.QUEUED
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing_id)
    services.listing_approve(actor=actor_of(reviewer), listing_id=listing_id)


def _state(listing: Listing) -> tuple[Any, ...]:
    listing.refresh_from_db()
    return (listing.status, listing.taken_down_at, listing.takedown_kind, listing.takedown_reason)


@pytest.mark.req("R1.2.3")
def test_staff_take_down_hides_the_listing_cites_rule_and_article_and_tells_the_merchant() -> None:
    merchant, owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live_listing(merchant.pk, reviewer)
    ops = make_staff("product_ops")

    response = ApiClient(token=token_for(ops)).post_json(
        f"/api/v1/review/listings/{listing.pk}/take-down", {"reason": "标题含绝对化用语", "rule": SUPERLATIVE}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["is_visible"], body["takedown_kind"]) == ("taken_down", False, "staff")
    assert (body["takedown_rule"], body["takedown_article"]) == (SUPERLATIVE, "广告法第九条第（三）项")
    listing.refresh_from_db()
    assert listing.taken_down_by_id == ops.pk and listing.takedown_reason == "标题含绝对化用语"
    note = MerchantNotification.objects.for_merchant(merchant.pk).get(kind="listing_taken_down")
    assert note.data == {
        "listing_id": listing.pk,
        "reason": "标题含绝对化用语",
        "rule": SUPERLATIVE,
        "article": "广告法第九条第（三）项",
    }
    event = AuditEvent.objects.get(action="review.listing_take_down")
    assert event.actor_id == ops.pk and event.after is not None
    assert event.after["takedown_rule"] == SUPERLATIVE and event.after["status"] == "taken_down"
    # the merchant sees why
    mine = ApiClient(token=token_for(owner)).get_json(f"/api/v1/merchant/listings/{listing.pk}").json()
    assert (mine["is_visible"], mine["takedown_kind"], mine["takedown_article"]) == (
        False,
        "staff",
        "广告法第九条第（三）项",
    )


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        (("listing_reviewer",), True),
        (("product_ops",), True),
        (("platform_admin",), True),
        (("content_ops",), False),
        (("compliance_auditor",), False),
        (("cs_agent",), False),
    ],
)
def test_take_down_permission_matrix(roles: tuple[str, ...], allowed: bool) -> None:
    merchant, _owner = make_merchant()
    listing = _live_listing(merchant.pk, make_staff("listing_reviewer"))
    before = _state(listing)

    response = ApiClient(token=token_for(make_staff(*roles))).post_json(
        f"/api/v1/review/listings/{listing.pk}/take-down", {"reason": "虚假宣传", "article": "广告法第四条"}
    )

    if allowed:
        assert response.status_code == 200
        assert _state(listing)[0] == ListingStatus.TAKEN_DOWN
    else:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert _state(listing) == before
        assert not MerchantNotification.objects.for_merchant(merchant.pk).filter(kind="listing_taken_down")


def test_take_down_needs_a_reason_and_a_basis_and_a_live_listing() -> None:
    merchant, _owner = make_merchant()
    listing = _live_listing(merchant.pk, make_staff("listing_reviewer"))
    client = ApiClient(token=token_for(make_staff("product_ops")))
    path = f"/api/v1/review/listings/{listing.pk}/take-down"

    no_basis = client.post_json(path, {"reason": "违规"})
    unknown = client.post_json(path, {"reason": "违规", "rule": "NO-SUCH-RULE"})
    blank = client.post_json(path, {"reason": "  ", "article": "广告法第四条"})

    assert [(e["loc"], e["code"]) for e in no_basis.json()["errors"]] == [
        (["body", "rule"], "basis_required")
    ]
    assert [(e["loc"], e["code"]) for e in unknown.json()["errors"]] == [(["body", "rule"], "unknown_rule")]
    assert [(e["loc"], e["code"]) for e in blank.json()["errors"]] == [(["body", "reason"], "required")]
    assert _state(listing)[0] == ListingStatus.LIVE
    assert client.post_json(path, {"reason": "违规", "article": "广告法第四条"}).status_code == 200
    again = client.post_json(path, {"reason": "违规", "article": "广告法第四条"})
    assert again.status_code == 409 and again.json()["code"] == "not_live"
    assert (
        client.post_json(
            "/api/v1/review/listings/999999/take-down", {"reason": "违规", "article": "x"}
        ).status_code
        == 404
    )


@pytest.mark.req("R1.2.3")
def test_a_take_down_is_reversed_by_resubmission_and_approval() -> None:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live_listing(merchant.pk, reviewer)
    services.listing_take_down(
        actor=actor_of(reviewer), listing_id=listing.pk, reason="虚假宣传", rule=SUPERLATIVE
    )

    _submit_and_approve(merchant.pk, listing.pk, reviewer)

    listing.refresh_from_db()
    assert listing.is_visible and listing.status == ListingStatus.LIVE
    assert (
        listing.takedown_kind,
        listing.takedown_rule,
        listing.takedown_article,
        listing.taken_down_by_id,
    ) == (
        "",
        "",
        "",
        None,
    )
    assert listing.live_version is not None and listing.live_version.number == 2


@pytest.mark.req("R1.2.3")
def test_the_merchant_delists_its_own_live_listing_and_relists_by_resubmission() -> None:
    merchant, owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live_listing(merchant.pk, reviewer)
    client = ApiClient(token=token_for(owner))

    response = client.post_json(f"/api/v1/merchant/listings/{listing.pk}/delist", {"reason": "暂时缺货"})

    assert response.status_code == 200, response.content
    assert (response.json()["is_visible"], response.json()["takedown_kind"]) == (False, "merchant")
    assert _state(listing)[2:] == ("merchant", "暂时缺货")
    event = AuditEvent.objects.get(action="review.listing_delist")
    assert event.actor_id == owner.pk
    again = client.post_json(f"/api/v1/merchant/listings/{listing.pk}/delist", {})
    assert again.status_code == 409 and again.json()["code"] == "not_live"

    _submit_and_approve(merchant.pk, listing.pk, reviewer)
    listing.refresh_from_db()
    assert listing.is_visible and listing.takedown_kind == ""


def test_a_merchant_cannot_delist_another_stores_listing() -> None:
    merchant, _owner = make_merchant()
    listing = _live_listing(merchant.pk, make_staff("listing_reviewer"))
    before = _state(listing)
    _other, intruder = make_merchant()

    response = ApiClient(token=token_for(intruder)).post_json(
        f"/api/v1/merchant/listings/{listing.pk}/delist", {}
    )

    assert response.status_code == 404
    assert _state(listing) == before
    assert not AuditEvent.objects.filter(action="review.listing_delist").exists()


@pytest.mark.req("R2.1.2")
def test_a_manual_rejection_cites_rule_span_and_article_like_an_automatic_finding() -> None:
    merchant, _owner = make_merchant()
    product = make_product(merchant.pk, "general", title="手工陶瓷马克杯 办公室耐用水杯")
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    reviewer = make_staff("listing_reviewer")
    client = ApiClient(token=token_for(reviewer))
    assert client.post_json(f"/api/v1/review/listings/{listing.pk}/claim", {}).status_code == 200
    path = f"/api/v1/review/listings/{listing.pk}/reject"

    bad = client.post_json(
        path,
        {
            "reason_codes": ["prohibited_claim"],
            "findings": [
                {"rule": "AD9-3-FIRST", "field": "title", "text": "第一"},
                {"rule": "NOPE", "field": "title"},
                {"rule": "AD9-3-FIRST", "field": "nowhere"},
            ],
        },
    )
    assert bad.status_code == 422
    assert [(e["loc"], e["code"]) for e in bad.json()["errors"]] == [
        (["body", "findings", 0, "text"], "span_not_found"),
        (["body", "findings", 1, "rule"], "unknown_rule"),
        (["body", "findings", 2, "field"], "unknown_field"),
    ]
    assert ListingVersion.objects.for_merchant(merchant.pk).get().status == VersionStatus.QUEUED

    response = client.post_json(
        path,
        {
            "reason_codes": ["prohibited_claim"],
            "note": "耐用无依据",
            "findings": [
                {"rule": "AD9-3-FIRST", "field": "title", "text": "耐用", "message": "删去或提供依据"},
                {"rule": "COMPLETENESS-ATTRIBUTE", "field": "attributes", "article": "电子商务法第十七条"},
            ],
        },
    )

    assert response.status_code == 200, response.content
    manual = [f for f in response.json()["findings"] if f["stage"] == "manual"]
    assert manual == [
        {
            "stage": "manual",
            "rule": "AD9-3-FIRST",
            "field": "title",
            "start": 11,
            "end": 13,
            "text": "耐用",
            "basis": "广告法第九条第（三）项",
            "severity": "block",
            "message": "删去或提供依据",
        },
        {
            "stage": "manual",
            "rule": "COMPLETENESS-ATTRIBUTE",
            "field": "attributes",
            "start": 0,
            "end": 0,
            "text": "",
            "basis": "电子商务法第十七条",
            "severity": "block",
            "message": "",
        },
    ]
    assert product.title[11:13] == "耐用"
    assert Finding.objects.for_merchant(merchant.pk).filter(stage="manual").count() == 2
    note = MerchantNotification.objects.for_merchant(merchant.pk).get(kind="listing_rejected")
    assert [(f["rule"], f["text"], f["basis"]) for f in note.data["findings"]] == [
        ("AD9-3-FIRST", "耐用", "广告法第九条第（三）项"),
        ("COMPLETENESS-ATTRIBUTE", "", "电子商务法第十七条"),
    ]


# ---- console


def _console(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def _rule_name(rule_id: str) -> str:
    from django.utils import translation

    from mallops.core.words import label

    with translation.override("zh-hans"):
        return label(rule_id, "compliance.rule")


def test_console_take_down_shows_the_rule_by_name_to_staff_and_merchant() -> None:
    merchant, owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live_listing(merchant.pk, reviewer)
    staff = _console(make_staff("product_ops"))

    page = staff.get(f"/review/listings/{listing.pk}/").content.decode()
    assert (
        'data-testid="take-down"' in page and f'<option value="{SUPERLATIVE}" title="{SUPERLATIVE}">' in page
    )
    response = staff.post(
        f"/review/listings/{listing.pk}/take-down",
        {"reason": "标题含绝对化用语", "rule": SUPERLATIVE, "article": ""},
    )

    assert response.status_code == 302
    assert _state(listing)[:1] == (ListingStatus.TAKEN_DOWN,)
    mine = _console(owner).get(f"/review/mine/{listing.pk}/").content.decode()
    card = mine[mine.index('data-testid="takedown"') :]
    assert _rule_name(SUPERLATIVE) in card and "广告法第九条第（三）项" in card and "标题含绝对化用语" in card
    assert 'data-testid="delist"' not in mine  # not on sale any more
    # the form is gone once the listing is down
    assert 'data-testid="take-down"' not in staff.get(f"/review/listings/{listing.pk}/").content.decode()


def test_console_delist_is_own_store_only() -> None:
    merchant, owner = make_merchant()
    listing = _live_listing(merchant.pk, make_staff("listing_reviewer"))
    _other, intruder = make_merchant()

    assert _console(intruder).post(f"/review/mine/{listing.pk}/delist", {"reason": "x"}).status_code == 404
    assert _state(listing)[0] == ListingStatus.LIVE

    response = _console(owner).post(f"/review/mine/{listing.pk}/delist", {"reason": "换季下架"})
    assert response.status_code == 302
    assert _state(listing)[2:] == ("merchant", "换季下架")


def test_console_rejection_with_a_cited_finding() -> None:
    merchant, _owner = make_merchant()
    product = make_product(merchant.pk, "general", title="手工陶瓷马克杯 办公室耐用水杯")
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk)
    reviewer = make_staff("listing_reviewer")
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    client = _console(reviewer)
    page = client.get(f"/review/listings/{listing.pk}/").content.decode()
    assert 'name="finding-0-rule"' in page and '<option value="selling_points[0]">' in page

    response = client.post(
        f"/review/listings/{listing.pk}/reject",
        {
            "reason_codes": ["prohibited_claim"],
            "note": "",
            "finding-0-rule": "AD9-3-FIRST",
            "finding-0-field": "title",
            "finding-0-text": "耐用",
            "finding-0-article": "",
            "finding-1-rule": "",
        },
    )

    assert response.status_code == 302
    finding = Finding.objects.for_merchant(merchant.pk).get(stage="manual")
    assert (finding.rule, finding.field, finding.start, finding.end, finding.basis) == (
        "AD9-3-FIRST",
        "title",
        11,
        13,
        "广告法第九条第（三）项",
    )


def test_platform_product_list_filters_and_exports_across_stores() -> None:
    reviewer = make_staff("listing_reviewer")
    first, _o1 = make_merchant(name="甲店")
    second, _o2 = make_merchant(name="乙店")
    live = _live_listing(first.pk, reviewer)
    draft = make_product(second.pk, "general", title="乙店草稿杯")
    viewer = _console(make_staff("content_ops"))

    page = viewer.get("/review/products/").content.decode()
    assert "乙店草稿杯" in page and "甲店" in page
    assert f'href="/review/listings/{live.pk}/"' in page
    only_live = viewer.get("/review/products/?status=live").content.decode()
    assert "乙店草稿杯" not in only_live and "手工陶瓷马克杯" in only_live
    only_second = viewer.get(f"/review/products/?merchant={second.pk}&q=草稿").content.decode()
    assert "乙店草稿杯" in only_second and "手工陶瓷马克杯" not in only_second
    export = viewer.get("/review/products/?status=draft&export=csv")
    rows = export.content.decode("utf-8-sig").strip().splitlines()
    assert len(rows) == 2 and f"#{draft.pk}" in rows[1]
    assert _console(make_staff("cs_agent")).get("/review/products/").status_code == 403

    api = ApiClient(token=token_for(make_staff("content_ops")))
    body = api.get_json("/api/v1/platform/products?status=live").json()
    assert body["count"] == 1 and body["items"][0]["merchant_name"] == "甲店"
    assert body["items"][0]["listing_id"] == live.pk and body["items"][0]["is_visible"] is True
    drafts = api.get_json(f"/api/v1/platform/products?merchant_id={second.pk}").json()
    assert [(i["id"], i["status"], i["listing_id"]) for i in drafts["items"]] == [(draft.pk, "draft", None)]
