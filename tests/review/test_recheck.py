"""Re-check of live listings when a rule pack version changes (R2.1.1, R1.2.3).

New findings put a re-check version in the review queue while the live version stays on sale; nothing is
delisted by the machine. The reviewer's approval keeps it live, a rejection takes it down citing the rule.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.catalogue.fixtures import make_product
from mallops.catalogue.models import MerchantNotification
from mallops.compliance.engine import Engine, load_packs
from mallops.compliance.engine import api as engine_api
from mallops.compliance.engine.rules import parse_pack
from mallops.core.sweeps import registered, run_sweeper
from mallops.review import services
from mallops.review.checks import rules_version
from mallops.review.models import (
    Finding,
    Listing,
    ListingStatus,
    ListingVersion,
    VersionOrigin,
    VersionStatus,
)
from mallops.review.recheck import due_listings
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db

TITLE = "手工陶瓷马克杯 大容量办公室水杯"


def _pack(term: str) -> Any:
    return parse_pack(
        {
            "pack": "zz_recheck_test",
            "version": "2027.1",
            "rules": [
                {
                    "id": "TEST-RECHECK-TERM",
                    "title": "a term the new pack version forbids",
                    "severity": "block",
                    "citation": {"law": "AD", "article": 9, "item": 3},
                    "terms": [term],
                }
            ],
        },
        "zz_recheck_test.yaml",
    )


@pytest.fixture
def new_pack(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Install the shipped packs plus one more (a pack version change); returns a function of the term."""

    def install(term: str) -> None:
        engine = Engine((*load_packs(), _pack(term)))
        monkeypatch.setattr(engine_api, "default_engine", lambda: engine)

    return install


def _sweep() -> int:
    return run_sweeper(registered()["review.rule_recheck"])


def _live(merchant_id: int, reviewer: Any, title: str = TITLE) -> Listing:
    product = make_product(merchant_id, "general", title=title)
    listing = services.listing_create(actor=actor_of(None), merchant_id=merchant_id, product_id=product.pk)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant_id, listing_id=listing.pk)
    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk)
    listing.refresh_from_db()
    return listing


def test_nothing_is_due_while_the_packs_are_unchanged() -> None:
    merchant, _owner = make_merchant()
    listing = _live(merchant.pk, make_staff("listing_reviewer"))
    assert listing.live_version is not None and listing.live_version.rules_version == rules_version()
    assert "ad_absolute@2026.9" in rules_version().split(",")
    assert _sweep() == 0


@pytest.mark.req("R2.1.1")
def test_new_findings_after_a_pack_update_go_to_the_review_queue_and_the_listing_stays_on_sale(
    new_pack: Any,
) -> None:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live(merchant.pk, reviewer)
    live_id = listing.live_version_id
    new_pack("办公室")

    assert _sweep() == 1

    listing.refresh_from_db()
    assert listing.status == ListingStatus.IN_REVIEW and listing.is_visible
    assert listing.live_version_id == live_id
    version = ListingVersion.objects.for_merchant(merchant.pk).get(pk=listing.pending_version_id)
    assert (version.number, version.origin, version.status) == (
        2,
        VersionOrigin.RECHECK,
        VersionStatus.QUEUED,
    )
    assert version.rules_version.endswith(",zz_recheck_test@2027.1")
    assert version.snapshot == ListingVersion.objects.for_merchant(merchant.pk).get(pk=live_id).snapshot
    findings = [
        (f.stage, f.rule, f.field, f.start, f.end, f.text, f.basis, f.severity)
        for f in Finding.objects.for_merchant(merchant.pk).filter(version=version)
    ]
    assert findings == [
        ("compliance", "TEST-RECHECK-TERM", "title", 11, 14, "办公室", "广告法第九条第（三）项", "block")
    ]
    assert TITLE[11:14] == "办公室"
    queue = ApiClient(token=token_for(reviewer)).get_json("/api/v1/review/queue").json()
    assert [(i["listing_id"], i["version"], i["findings"]) for i in queue["items"]] == [(listing.pk, 2, 1)]
    note = MerchantNotification.objects.for_merchant(merchant.pk).get(kind="listing_rechecked")
    assert note.data == {"listing_id": listing.pk, "version": 2, "rules": ["TEST-RECHECK-TERM"]}
    event = AuditEvent.objects.get(action="review.listing_recheck")
    assert event.after is not None and [f["rule"] for f in event.after["new_findings"]] == [
        "TEST-RECHECK-TERM"
    ]
    # handled once: the listing has a waiting version now
    assert _sweep() == 0


def test_approving_the_re_check_keeps_the_listing_live_and_checked_with_the_new_packs(new_pack: Any) -> None:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live(merchant.pk, reviewer)
    new_pack("办公室")
    _sweep()

    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    services.listing_approve(actor=actor_of(reviewer), listing_id=listing.pk, note="属于场景描述，不构成违规")

    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE and listing.is_visible
    assert listing.live_version is not None and listing.live_version.number == 2
    assert _sweep() == 0


@pytest.mark.req("R1.2.3")
def test_rejecting_the_re_check_takes_the_listing_down_citing_the_finding(new_pack: Any) -> None:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live(merchant.pk, reviewer)
    new_pack("办公室")
    _sweep()

    services.listing_claim(actor=actor_of(reviewer), listing_id=listing.pk)
    services.listing_reject(
        actor=actor_of(reviewer),
        listing_id=listing.pk,
        reason_codes=["prohibited_claim"],
        note="按新规则属违规用语",
    )

    listing.refresh_from_db()
    assert listing.status == ListingStatus.TAKEN_DOWN and not listing.is_visible
    assert (
        listing.takedown_kind,
        listing.takedown_rule,
        listing.takedown_article,
        listing.takedown_reason,
    ) == (
        "recheck",
        "TEST-RECHECK-TERM",
        "广告法第九条第（三）项",
        "按新规则属违规用语",
    )
    note = MerchantNotification.objects.for_merchant(merchant.pk).get(kind="listing_taken_down")
    assert note.data["version"] == 2 and note.data["reason_codes"] == ["prohibited_claim"]
    assert _sweep() == 0  # taken down: it is checked again when resubmitted


def test_a_pack_update_without_new_findings_only_marks_the_version_checked(new_pack: Any) -> None:
    merchant, _owner = make_merchant()
    listing = _live(merchant.pk, make_staff("listing_reviewer"))
    new_pack("不会出现的词")

    assert _sweep() == 1

    listing.refresh_from_db()
    assert listing.status == ListingStatus.LIVE and listing.pending_version_id is None
    assert listing.live_version is not None and listing.live_version.rules_version == rules_version()
    assert ListingVersion.objects.for_merchant(merchant.pk).count() == 1
    assert not AuditEvent.objects.filter(action="review.listing_recheck").exists()
    assert _sweep() == 0


def test_a_listing_with_a_waiting_version_or_taken_down_is_not_due(new_pack: Any) -> None:
    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    waiting = _live(merchant.pk, reviewer)
    services.listing_submit(actor=actor_of(None), merchant_id=merchant.pk, listing_id=waiting.pk)
    down = _live(merchant.pk, reviewer, title="北欧风陶瓷马克杯 办公室水杯")
    services.listing_take_down(
        actor=actor_of(reviewer), listing_id=down.pk, reason="虚假宣传", article="广告法第四条"
    )
    new_pack("办公室")

    assert list(due_listings(now=waiting.updated_at)) == []
    assert _sweep() == 0


def test_the_cli_counts_and_runs_the_re_check(new_pack: Any) -> None:
    merchant, _owner = make_merchant()
    listing = _live(merchant.pk, make_staff("listing_reviewer"))
    new_pack("办公室")

    dry = StringIO()
    call_command("review_recheck", "--dry-run", stdout=dry)
    assert json.loads(dry.getvalue()) == {"due": 1, "rules_version": rules_version()}
    listing.refresh_from_db()
    assert listing.pending_version_id is None

    out = StringIO()
    call_command("review_recheck", stdout=out)
    assert json.loads(out.getvalue()) == {"due": 1, "handled": 1, "rules_version": rules_version()}
    listing.refresh_from_db()
    assert listing.pending_version_id is not None


def test_the_queue_and_the_review_page_mark_a_re_check(new_pack: Any) -> None:
    from django.test import Client

    merchant, _owner = make_merchant()
    reviewer = make_staff("listing_reviewer")
    listing = _live(merchant.pk, reviewer)
    new_pack("办公室")
    _sweep()
    client = Client()
    client.force_login(reviewer)

    queue = client.get("/review/").content.decode()
    page = client.get(f"/review/listings/{listing.pk}/").content.decode()

    assert 'data-testid="recheck-note"' in page
    assert '<span class="badge warning" data-status="recheck">规则更新后复查</span>' in queue
    assert f"/review/listings/{listing.pk}/" in queue
