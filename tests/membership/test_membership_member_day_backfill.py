"""Migration membership.0005: a member day made before 0003 (no MemberDay row) gets the tier it names."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.membership.member_days import member_day_create
from mallops.membership.models import MemberDay
from mallops.membership.services import TierInput, tier_create
from mallops.pricing import services as promotions
from mallops.testing.factories import make_staff

backfill = importlib.import_module("mallops.membership.migrations.0005_member_day_backfill")


@pytest.mark.django_db
def test_old_member_days_get_their_tier_and_hand_made_members_only_promotions_stay_open() -> None:
    # given a member day as made before 0003 (its MemberDay row missing) and a hand-made members-only one
    staff = make_staff("product_ops")
    tier_create(actor=actor_of(staff), data=TierInput(code="silver", name="白银会员", rank=1, min_growth=100))
    gold = tier_create(
        actor=actor_of(staff), data=TierInput(code="gold", name="黄金会员", rank=2, min_growth=500)
    )
    day = timezone.localdate()
    old = member_day_create(actor=actor_of(staff), tier_id=gold.pk, day=day, min_fen=20_000, off_fen=3_000)
    MemberDay.objects.filter(promotion=old).delete()
    start, end = old.starts_at, old.ends_at
    hand_made = promotions.promotion_create(
        actor=actor_of(staff),
        merchant_id=None,
        data=promotions.PromotionInput(
            name="会员专享",
            kind="threshold",
            starts_at=start,
            ends_at=end,
            tiers=[{"min": 10_000, "off": 500}],
            members_only=True,
            description="会员专享满减",
        ),
    )

    # when the migration runs on its historical models (twice: it is idempotent)
    apps = MigrationLoader(connection).project_state(("membership", "0005_member_day_backfill")).apps
    backfill.forwards(apps, None)
    backfill.forwards(apps, None)

    # then the old member day is gold's, on its Beijing day; the hand-made one has no tier
    assert list(MemberDay.objects.values_list("promotion_id", "tier_id", "day")) == [(old.pk, gold.pk, day)]
    assert not MemberDay.objects.filter(promotion=hand_made).exists()
