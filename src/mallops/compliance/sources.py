"""Where the self-inspection reads what goes to buyers: each app's own selector (R7.1.2).

Compliance sits below the apps it screens in the app graph (docs/adr/0006), so it imports none of them:
each owner registers its selector here when it starts (``register_source`` in its ``AppConfig.ready``,
one name per selector below). A source nobody registered raises ``LookupError`` (a self-inspection must
not pass because it read nothing).

Texts (checked with the rule packs in force):

- listings: the live snapshot of every visible listing (``review.selectors.live_listing_texts``), with the
  field paths the listing review uses;
- promotions: name, description and rules text of every live promotion; coupons: the batch name
  (``pricing.selectors.live_marketing_texts``);
- reply templates: title and body of every template in use (``service.selectors.live_reply_templates``);
- store names and live store announcements (``stores.selectors.live_store_texts``);
- stores' replies to product reviews that buyers see (``product_reviews.selectors.live_store_replies``).

Other problems (``compliance.problems``): prices of live promotions and of live listings that show a
reference price (``pricing.selectors.live_price_findings``), and data handling
(``dsr.inspection_selectors.data_handling_facts``), with the exports and reveals of personal data of the
last 90 days from the audit log (``audit.selectors.audit_events``) and what the actors' roles granted
(``accounts.roles``, the role matrix).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mallops.compliance.problems import (
    ACCESS_ACTIONS,
    ACCESS_LOOKBACK,
    DataFacts,
    PersonalDataAccess,
    PricedObject,
    data_hits,
    needed_permissions,
    price_hits,
)
from mallops.compliance.report import Hit, InspectedObject

# name -> the owner's selector registered under it
SOURCES = (
    "live_listing_texts",  # review
    "live_marketing_texts",  # pricing
    "live_price_findings",  # pricing
    "live_reply_templates",  # service
    "live_store_texts",  # stores
    "live_store_replies",  # product_reviews
    "data_handling_facts",  # dsr
)
_SOURCES: dict[str, Callable[..., Any]] = {}


def register_source(name: str, selector: Callable[..., Any]) -> None:
    """Called by the owning app when it starts (``SOURCES`` says which app registers which name)."""
    if name not in SOURCES:
        raise ValueError(f"unknown compliance source {name!r}")
    _SOURCES[name] = selector


def registered_sources() -> frozenset[str]:
    return frozenset(_SOURCES)


def _source(name: str) -> Callable[..., Any]:
    try:
        return _SOURCES[name]
    except KeyError:
        raise LookupError(f"no app registered the compliance source {name!r}") from None


def live_inputs(*, now: datetime) -> tuple[list[InspectedObject], list[Hit]]:
    """Every live object with its texts, and the price and data-handling problems found now."""
    live_listing_texts = _source("live_listing_texts")
    live_marketing_texts = _source("live_marketing_texts")
    live_price_findings = _source("live_price_findings")
    live_reply_templates = _source("live_reply_templates")
    live_store_texts = _source("live_store_texts")
    live_store_replies = _source("live_store_replies")

    objects: list[InspectedObject] = []
    priced_listings: list[tuple[str, str, int, list[dict[str, Any]]]] = []
    for listing, category, texts in live_listing_texts():
        title = next((text for path, _field, text in texts if path == "title"), "")
        objects.append(
            InspectedObject(
                "listing", str(listing.pk), title[:200], category, tuple(texts), listing.merchant_id
            )
        )
        assert listing.live_version is not None
        skus = list(listing.live_version.snapshot.get("skus", []))
        if any(sku.get("reference_price_fen") is not None for sku in skus):
            priced_listings.append((str(listing.pk), title[:200], listing.merchant_id, skus))
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
    for store in live_store_texts():
        objects.append(
            InspectedObject(
                "store_name",
                str(store.merchant_id),
                store.name,
                "general",
                (("name", "title", store.name),),
                store.merchant_id,
            )
        )
        if store.notice_id is not None:
            objects.append(
                InspectedObject(
                    "store_notice",
                    str(store.notice_id),
                    store.name,
                    "general",
                    (("notice", "description", store.notice),),
                    store.merchant_id,
                )
            )
    for reply in live_store_replies():
        objects.append(
            InspectedObject(
                "review_reply",
                str(reply.pk),
                reply.text[:40],
                "general",
                (("reply", "description", reply.text),),
                reply.merchant_id,
            )
        )

    priced_promotions, per_listing = live_price_findings(
        now=now, listings=[(merchant_id, skus) for _pk, _title, merchant_id, skus in priced_listings]
    )
    priced = [
        PricedObject("promotion", str(row.pk), row.name, row.merchant_id, tuple(found))
        for row, found in priced_promotions
    ] + [
        PricedObject("listing", pk, title, merchant_id, tuple(found))
        for (pk, title, merchant_id, _skus), found in zip(priced_listings, per_listing, strict=True)
        if found
    ]
    return objects, price_hits(priced) + data_hits(_data_facts(now), now=now)


def _data_facts(now: datetime) -> DataFacts:
    facts = _source("data_handling_facts")(now=now)
    return DataFacts(
        policy_version=facts.policy_version,
        policy_published_at=facts.policy_published_at,
        purposes_without_retention=facts.purposes_without_retention,
        undeclared_fields=facts.undeclared_fields,
        overdue_requests=tuple((r.request_id, r.kind, r.due_at) for r in facts.overdue_requests),
        retention_due=tuple((r.rule, r.label, r.count) for r in facts.retention_due),
        access=personal_data_access(now=now),
    )


def personal_data_access(*, now: datetime) -> tuple[PersonalDataAccess, ...]:
    """Exports and reveals of personal data audited in the lookback window, oldest first."""
    from mallops.accounts.roles import PERMISSIONS, ROLES, permissions_for
    from mallops.audit.selectors import audit_events
    from mallops.privacy.contracts import PRIVACY_PERMISSIONS

    words = {**PRIVACY_PERMISSIONS, **{code: permission.label_zh for code, permission in PERMISSIONS.items()}}

    out: list[PersonalDataAccess] = []
    events = audit_events(since=now - ACCESS_LOOKBACK, until=now).filter(action__in=ACCESS_ACTIONS)
    for event in events.order_by("seq"):
        after = event.after if isinstance(event.after, dict) else {}
        needed = needed_permissions(event.action, after)
        if needed is None:
            continue
        roles = tuple(str(code) for code in event.actor_roles or ())
        rows = after.get("rows")
        purpose = after.get("purpose") if "purpose" in after else after.get("reason", "")
        out.append(
            PersonalDataAccess(
                event_seq=event.seq,
                action=event.action,
                at=event.at,
                actor=event.actor_username if event.actor_id is not None else "",
                roles=tuple(ROLES[code].label_zh if code in ROLES else code for code in roles),
                needed=needed,
                granted=permissions_for(set(roles)),
                rows=rows if isinstance(rows, int) and rows > 0 else 1,
                purpose=str(purpose or ""),
                labels={code: words[code] for code in needed if code in words},
            )
        )
    return tuple(out)
