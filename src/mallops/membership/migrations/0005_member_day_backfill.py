"""Member days created before ``0003_member_day`` get their tier (issue 21).

Before 0003 a member day was a members-only platform 满减 with no link to its tier, so it reached every
platform member. ``member_day_create`` always named it after the tier: description ``<tier name>会员日专享``
(name ``<tier name>日``). This finds those promotions without a ``MemberDay`` row and links each to the
tier its description names (the day is the promotion's Beijing start date), so the tier gate limits it to
that tier as intended. A members-only promotion whose description names no tier (made by hand on 促销活动)
is left alone: it still reaches every platform member (docs/membership.md). Reversing keeps the rows
(``0003`` reversed drops them with the table).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import migrations

BEIJING = ZoneInfo("Asia/Shanghai")
SUFFIX = "会员日专享"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    Tier = apps.get_model("membership", "Tier")
    MemberDay = apps.get_model("membership", "MemberDay")
    Promotion = apps.get_model("pricing", "Promotion")
    tiers = {f"{t.name}{SUFFIX}": t for t in Tier.objects.all()}
    linked = set(MemberDay.objects.values_list("promotion_id", flat=True))
    rows = Promotion.objects.filter(members_only=True, merchant__isnull=True, description__endswith=SUFFIX)
    for promotion in rows.order_by("pk"):
        tier = tiers.get(promotion.description)
        if tier is None or promotion.pk in linked:
            continue
        MemberDay.objects.create(
            tier=tier, day=promotion.starts_at.astimezone(BEIJING).date(), promotion=promotion
        )


class Migration(migrations.Migration):
    dependencies = [
        ("membership", "0004_birthday_gift"),
        ("pricing", "0002_membership"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
