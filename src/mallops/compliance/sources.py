"""Where the self-inspection reads the live texts that go to buyers: each app's own selector (R7.1.2).

- listings: the live snapshot of every visible listing (``review.selectors.live_listing_texts``), with the
  field paths the listing review uses;
- promotions: name, description and rules text of every live promotion; coupons: the batch name
  (``pricing.selectors.live_marketing_texts``);
- reply templates: title and body of every template in use (``service.selectors.live_reply_templates``).
"""

from __future__ import annotations

from datetime import datetime

from mallops.compliance.report import InspectedObject


def live_objects(*, now: datetime) -> list[InspectedObject]:
    from mallops.pricing.selectors import live_marketing_texts
    from mallops.review.selectors import live_listing_texts
    from mallops.service.selectors import live_reply_templates

    objects: list[InspectedObject] = []
    for listing, category, texts in live_listing_texts():
        title = next((text for path, _field, text in texts if path == "title"), "")
        objects.append(
            InspectedObject(
                "listing", str(listing.pk), title[:200], category, tuple(texts), listing.merchant_id
            )
        )
    promotions, batches = live_marketing_texts(now=now)
    for promotion in promotions:
        objects.append(
            InspectedObject(
                "promotion",
                str(promotion.pk),
                promotion.name,
                "general",
                (
                    ("name", "title", promotion.name),
                    ("description", "description", promotion.description),
                    ("rules_text", "description", promotion.rules_text),
                ),
                promotion.merchant_id,
            )
        )
    for batch in batches:
        objects.append(
            InspectedObject(
                "coupon",
                str(batch.pk),
                batch.name,
                "general",
                (("name", "title", batch.name),),
                batch.merchant_id,
            )
        )
    for template in live_reply_templates():
        objects.append(
            InspectedObject(
                "reply_template",
                str(template.pk),
                template.title,
                "general",
                (("title", "title", template.title), ("body", "description", template.body)),
            )
        )
    return objects
