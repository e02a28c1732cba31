"""Who a strategy or campaign reaches (R4.1.2, R4.2.1): segment, tier and tags, then marketing consent.

The criteria given are combined with AND: a buyer must be in the RFM segment (analytics' last daily
refresh), hold the membership tier, and carry every tag. Only active buyer accounts count. Consent binds
and fails closed: a buyer without marketing consent now (``dsr`` consent, PIPL Art. 13-15) is dropped
before anything is sent, issued or listed, and only counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.analytics.segments import SEGMENTS, segment_usernames
from mallops.core.actors import Actor
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.marketing.models import BuyerTag
from mallops.marketing.targeting import in_holdout
from mallops.membership.selectors import members


@dataclass(frozen=True)
class Audience:
    matched: int  # buyers meeting the criteria
    no_consent: int  # of them, without marketing consent (dropped)
    buyers: list[User]  # the consenting ones, by id

    def split(self, *, scope: str, scope_id: int, percent: int) -> tuple[list[User], list[User]]:
        """(treated, holdout) by the deterministic holdout of ``scope`` ``scope_id``."""
        treated: list[User] = []
        holdout: list[User] = []
        for buyer in self.buyers:
            chosen = in_holdout(scope=scope, scope_id=scope_id, buyer_id=buyer.pk, percent=percent)
            (holdout if chosen else treated).append(buyer)
        return treated, holdout


def resolve(
    *, actor: Actor, segment: str = "", tier_code: str = "", tags: list[str] | None = None
) -> Audience:
    """The audience of the criteria as ``actor`` sees it (the tier criterion reads the member list, which
    needs ``promotion.view``). No criterion at all matches nobody."""
    tags = [t for t in (tags or []) if t]
    if not (segment or tier_code or tags):
        return Audience(matched=0, no_consent=0, buyers=[])
    qs = User.objects.filter(kind=Kind.BUYER, is_active=True)
    if segment:
        qs = qs.filter(username__in=segment_usernames(segment) if segment in SEGMENTS else [])
    if tier_code:
        qs = qs.filter(pk__in=list(members(actor=actor).filter(tier__code=tier_code).values_list("buyer_id")))
    for tag in tags:
        qs = qs.filter(pk__in=BuyerTag.objects.filter(tag=tag).values("buyer_id"))
    found = list(qs.order_by("pk"))
    consenting = consenting_user_ids([b.pk for b in found], Purpose.MARKETING)
    buyers = [b for b in found if b.pk in consenting]
    return Audience(matched=len(found), no_consent=len(found) - len(buyers), buyers=buyers)
