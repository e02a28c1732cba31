"""Recompute a drawn lucky draw from its published data (used by ``mallops content verify-draw`` and
tests). Reads without an actor: everything it reads is public once the draw is drawn."""

from __future__ import annotations

from dataclasses import dataclass

from mallops.content import draw
from mallops.content.models import DrawStatus, LuckyDraw, LuckyEntrant, LuckyPrize, LuckyWinner


@dataclass(frozen=True)
class Verification:
    commitment: str
    seed: str
    seed_matches: bool
    recomputed: list[draw.Award]
    recorded: list[draw.Award]

    @property
    def matches(self) -> bool:
        return self.seed_matches and self.recomputed == self.recorded


def verify_draw(*, draw_id: int) -> Verification | None:
    row = LuckyDraw.objects.filter(pk=draw_id, status=DrawStatus.DRAWN).first()
    if row is None:
        return None
    codes = list(LuckyEntrant.objects.filter(draw=row).values_list("code", flat=True))
    prizes = [
        draw.PrizeSlot(p.pk, p.quantity) for p in LuckyPrize.objects.filter(draw=row).order_by("position")
    ]
    recorded = [
        draw.Award(prize_id=w.prize_id, entrant=w.entrant.code, rank=w.rank)
        for w in LuckyWinner.objects.filter(draw=row).select_related("entrant").order_by("rank")
    ]
    return Verification(
        commitment=row.commitment,
        seed=row.seed,
        seed_matches=draw.seed_matches(row.seed, row.commitment),
        recomputed=draw.winners(row.seed, row.pk, codes, prizes),
        recorded=recorded,
    )
