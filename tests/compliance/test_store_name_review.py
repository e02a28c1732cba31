"""Issue 17, R1.4.1: a store name with review findings waits for content operations, like a listing or an
announcement; content operations approve it or reject it with a note (a block finding is refused on save,
``test_inspection_scope.py``)."""

from __future__ import annotations

import pytest
from django.test import Client

from mallops.accounts import services as account_services
from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.stores import selectors, services
from mallops.stores.models import StoreNameDecision
from mallops.testing.factories import make_merchant, make_staff

NATURAL = ("AD28-NATURAL", "纯天然", "广告法第二十八条第二款第（二）项", "review")

pytestmark = pytest.mark.django_db


def _pending(actor: object) -> list[tuple[int, str, list[tuple[str, str, str, str]]]]:
    return [
        (row.merchant_id, row.name, [(f["rule"], f["text"], f["basis"], f["severity"]) for f in row.findings])
        for row in selectors.pending_store_names(actor=actor_of(actor))
    ]


@pytest.mark.req("R1.4.1")
def test_a_store_name_with_review_findings_waits_for_content_operations() -> None:
    admin = make_staff("platform_admin")
    content_ops = make_staff("content_ops")
    merchant, owner = make_merchant("小林家居")
    make_merchant("老王五金")  # a clean name: never queued
    # given: platform staff rename the store to a name the packs ask a person to check; it is saved
    account_services.merchant_update(actor=actor_of(admin), merchant_id=merchant.pk, name="小林纯天然茶庄")
    assert _pending(content_ops) == [(merchant.pk, "小林纯天然茶庄", [NATURAL])]

    # only content operations decide; a denied attempt changes nothing
    for actor in (owner, make_staff("listing_reviewer")):
        with pytest.raises(DomainError) as denied:
            services.store_name_decide(
                actor=actor_of(actor), merchant_id=merchant.pk, name="小林纯天然茶庄", approve=True
            )
        assert denied.value.code == "permission_denied"
    with pytest.raises(DomainError) as no_note:
        services.store_name_decide(
            actor=actor_of(content_ops), merchant_id=merchant.pk, name="小林纯天然茶庄", approve=False
        )
    assert no_note.value.status == 422
    assert StoreNameDecision.objects.unscoped(reason="test").count() == 0

    # when: rejected with a note, the name leaves the queue and the decision is audited
    row = services.store_name_decide(
        actor=actor_of(content_ops),
        merchant_id=merchant.pk,
        name="小林纯天然茶庄",
        approve=False,
        note="无法证明纯天然",
    )
    assert (row.decision, row.note, [f["rule"] for f in row.findings]) == (
        "rejected",
        "无法证明纯天然",
        ["AD28-NATURAL"],
    )
    assert _pending(content_ops) == []
    # a decided or stale name cannot be decided again
    with pytest.raises(DomainError) as again:
        services.store_name_decide(
            actor=actor_of(content_ops), merchant_id=merchant.pk, name="小林纯天然茶庄", approve=True
        )
    assert again.value.status == 404

    # a rename brings the new name to decide; the console approves it and shows no rule id
    account_services.merchant_update(actor=actor_of(admin), merchant_id=merchant.pk, name="最新潮流馆")
    client = Client()
    client.force_login(content_ops)
    page = client.get("/stores/notices/review/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "最新潮流馆" in page and "广告法第九条第（三）项" in page and "AD9-3-SUPERLATIVE-ZUI" not in page
    response = client.post(f"/stores/names/{merchant.pk}/approve", {"name": "最新潮流馆"})
    assert response.status_code == 302
    assert _pending(content_ops) == []
    assert Merchant.objects.get(pk=merchant.pk).name == "最新潮流馆"
    assert list(
        AuditEvent.objects.filter(action__startswith="stores.name.")
        .order_by("pk")
        .values_list("action", "merchant_id")
    ) == [("stores.name.reject", merchant.pk), ("stores.name.approve", merchant.pk)]
