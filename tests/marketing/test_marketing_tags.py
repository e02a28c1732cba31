"""买家标签: counts per tag, assign/unassign, rename (open campaigns follow), delete; the console pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.core.errors import DomainError
from mallops.dsr.testing import grant_consent
from mallops.marketing import campaigns, services, tags
from mallops.marketing.models import BuyerTag, Campaign
from mallops.testing.factories import make_staff
from mallops.testing.orders import make_buyer
from mallops.testing.pricing import make_batch

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.cookies["django_language"] = "zh-hans"
    client.force_login(user)
    return client


def test_tags_are_counted_renamed_with_open_campaigns_and_removed() -> None:
    # given two tags and a draft campaign whose audience names one of them
    ops = make_staff("product_ops")
    buyers = [make_buyer(f"tag-{i}") for i in range(3)]
    services.buyer_tags_add(actor=actor_of(ops), tag="母婴", usernames=[b.username for b in buyers])
    services.buyer_tags_add(actor=actor_of(ops), tag="夜猫子", usernames=[buyers[0].username])
    grant_consent(buyers[:2], ["marketing"])
    channel = services.channel_create(
        actor=actor_of(ops), code="sms", name="短信", kind="private_domain", utm_source="sms"
    )
    now = timezone.now()
    draft = campaigns.campaign_create(
        actor=actor_of(ops),
        data=campaigns.CampaignInput(
            name="母婴周",
            channel_id=channel.pk,
            offer_kind="coupon",
            coupon_batch_id=make_batch(None, name="满99减10").pk,
            message="母婴好物，送您一张满99减10券",
            starts_at=now + timedelta(days=1),
            ends_at=now + timedelta(days=7),
            tags=("母婴",),
        ),
    )

    assert sorted((r["tag"], r["buyers"]) for r in tags.tag_counts(actor=ops)) == [("夜猫子", 1), ("母婴", 3)]
    use = tags.tag_use(actor=ops, tag="母婴")
    assert (use.buyers, use.consenting, [c.pk for c in use.campaigns]) == (3, 2, [draft.pk])

    # when 母婴 is renamed to 夜猫子's neighbour and then merged into 夜猫子
    assert tags.buyer_tag_rename(actor=actor_of(ops), tag="母婴", new_name="宝妈") == 3
    assert Campaign.objects.get(pk=draft.pk).tags == ["宝妈"]
    assert tags.buyer_tag_rename(actor=actor_of(ops), tag="宝妈", new_name="夜猫子") == 3
    assert sorted(BuyerTag.objects.values_list("tag", "buyer_id")) == [("夜猫子", b.pk) for b in buyers]

    # then unassign one buyer, then delete the tag; a viewer may not change anything
    with pytest.raises(DomainError):
        tags.buyer_tag_remove(actor=actor_of(make_staff("compliance_auditor")), tag="夜猫子")
    assert tags.buyer_tag_remove(actor=actor_of(ops), tag="夜猫子", buyer_ids=[buyers[0].pk]) == 1
    assert tags.buyer_tag_remove(actor=actor_of(ops), tag="夜猫子") == 2
    assert not BuyerTag.objects.exists()
    assert AuditEvent.objects.filter(action="marketing.buyer_tag.rename").count() == 2
    assert AuditEvent.objects.filter(action="marketing.buyer_tag.remove").count() == 2
    with pytest.raises(DomainError) as missing:
        tags.buyer_tag_rename(actor=actor_of(ops), tag="没有", new_name="有")
    assert missing.value.status == 404


def test_tag_console_pages_create_assign_unassign_and_rename() -> None:
    ops = make_staff("product_ops")
    buyer, other = make_buyer("tagpage-a"), make_buyer("tagpage-b")
    client = _client(ops)

    created = client.post(
        "/marketing/tags/", {"tag": "夜猫子", "usernames": f"{buyer.username}\nnobody-here"}
    )
    assert created.status_code == 302 and created["Location"].startswith("/marketing/tags/")
    listed = client.get("/marketing/tags/").content.decode()
    assert "买家标签" in listed and "夜猫子" in listed and 'aria-current="page">买家标签<' in listed

    page_url = created["Location"]
    client.post(page_url, {"action": "assign", "tag": "夜猫子", "usernames": other.username})
    page = client.get(page_url).content.decode()
    assert "ta***" in page and buyer.username not in page  # buyers masked
    assert BuyerTag.objects.filter(tag="夜猫子").count() == 2
    client.post(page_url, {"action": "unassign", "buyer": other.pk})
    assert list(BuyerTag.objects.values_list("buyer_id", flat=True)) == [buyer.pk]
    renamed = client.post(page_url, {"action": "rename", "new_name": "早起鸟"})
    assert renamed.status_code == 302
    assert list(BuyerTag.objects.values_list("tag", flat=True)) == ["早起鸟"]
    # a viewer reads but may not change
    viewer = _client(make_staff("compliance_auditor"))
    assert viewer.get("/marketing/tags/").status_code == 200
    assert viewer.post("/marketing/tags/", {"tag": "x", "usernames": buyer.username}).status_code == 403
    assert viewer.get("/marketing/campaigns/new/").status_code == 403
    # 用户运营 tags buyers and drafts campaigns (their duty); approving and launching stays promotion.manage
    user_ops = _client(make_staff("user_ops"))
    tagged = user_ops.post("/marketing/tags/", {"tag": "学生", "usernames": buyer.username})
    assert tagged.status_code == 302 and BuyerTag.objects.filter(tag="学生").count() == 1
    assert user_ops.get("/marketing/campaigns/new/").status_code == 200
    assert "/marketing/campaigns/new/" in user_ops.get("/marketing/campaigns/").content.decode()
