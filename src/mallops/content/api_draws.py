"""HTTP API of lucky draws under /api/v1/content/draws (R4.4.1, ``content.manage``). The seed stays
secret until the draw (only its SHA-256 commitment is shown); after it, the seed, the entrant codes and
the winners are shown so anyone can recompute them (docs/content.md)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Status

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.content import lottery
from mallops.content.models import BODY_MAX, TITLE_MAX, DrawStatus, LuckyDraw
from mallops.core.actors import Actor
from mallops.core.errors import not_found
from mallops.core.inputs import Fen, Id, MultilineText, Quantity, Schema, Text

router = Router(tags=["content"], auth=api_auth)


class LuckyPrizeIn(Schema):
    name: Text = Field(..., min_length=1, max_length=TITLE_MAX)
    value_fen: Fen
    quantity: Quantity


class LuckyDrawIn(Schema):
    title: Text = Field(..., min_length=1, max_length=TITLE_MAX)
    rules: MultilineText = Field(..., min_length=1, max_length=BODY_MAX)
    draw_at: datetime
    post_id: Id | None = None
    prizes: list[LuckyPrizeIn] = Field(..., min_length=1, max_length=20)


class LuckyEntrantsIn(Schema):
    codes: list[Text] = Field(..., min_length=1, max_length=5000)


class LuckyPrizeOut(Schema):
    id: int
    position: int
    name: str
    value_fen: int
    quantity: int


class LuckyWinnerOut(Schema):
    rank: int
    prize_id: int
    entrant: str


class LuckyDrawOut(Schema):
    id: int
    title: str
    rules: str
    draw_at: datetime
    status: str
    commitment: str
    seed: str | None  # revealed only once drawn
    prizes: list[LuckyPrizeOut]
    entrants: int
    winners: list[LuckyWinnerOut]
    prize_cost_fen: int  # market value of the prizes awarded


def _actor(request: HttpRequest) -> Actor:
    return request_actor(request)


def _out(draw_id: int) -> LuckyDrawOut:
    row = LuckyDraw.objects.filter(pk=draw_id).first()
    if row is None:
        raise not_found("lucky draw")
    prizes = list(row.prizes.order_by("position"))
    values = {p.pk: p.value_fen for p in prizes}
    winners = [
        LuckyWinnerOut(rank=w.rank, prize_id=w.prize_id, entrant=w.entrant.code)
        for w in row.winners.select_related("entrant").order_by("rank")
    ]
    return LuckyDrawOut(
        id=row.pk,
        title=row.title,
        rules=row.rules,
        draw_at=row.draw_at,
        status=row.status,
        commitment=row.commitment,
        seed=row.seed if row.status == DrawStatus.DRAWN else None,
        prizes=[
            LuckyPrizeOut(
                id=p.pk, position=p.position, name=p.name, value_fen=p.value_fen, quantity=p.quantity
            )
            for p in prizes
        ],
        entrants=row.entrants.count(),
        winners=winners,
        prize_cost_fen=sum(values[w.prize_id] for w in winners),
    )


@router.post("/content/draws", response={201: LuckyDrawOut}, summary="Create a lucky draw")
def content_draw_create(request: HttpRequest, payload: LuckyDrawIn) -> Status[LuckyDrawOut]:
    row = lottery.draw_create(
        actor=_actor(request),
        title=payload.title,
        rules=payload.rules,
        draw_at=payload.draw_at,
        post_id=payload.post_id,
        prizes=[lottery.PrizeInput(p.name, p.value_fen, p.quantity) for p in payload.prizes],
    )
    return Status(201, _out(row.pk))


@router.get("/content/draws/{draw_id}", response=LuckyDrawOut, summary="A lucky draw and its results")
def content_draw_detail(request: HttpRequest, draw_id: int) -> LuckyDrawOut:
    require_permission(_actor(request), lottery.PERMISSION)
    return _out(draw_id)


@router.post("/content/draws/{draw_id}/start", response=LuckyDrawOut, summary="Disclose and open")
def content_draw_start(request: HttpRequest, draw_id: int) -> LuckyDrawOut:
    lottery.draw_start(actor=_actor(request), draw_id=draw_id)
    return _out(draw_id)


@router.post("/content/draws/{draw_id}/entrants", response=LuckyDrawOut, summary="Record entries")
def content_draw_entrants(request: HttpRequest, draw_id: int, payload: LuckyEntrantsIn) -> LuckyDrawOut:
    lottery.entrant_add(actor=_actor(request), draw_id=draw_id, codes=list(payload.codes))
    return _out(draw_id)


@router.post("/content/draws/{draw_id}/draw", response=LuckyDrawOut, summary="Reveal the seed and draw")
def content_draw_run(request: HttpRequest, draw_id: int) -> LuckyDrawOut:
    lottery.draw_run(actor=_actor(request), draw_id=draw_id)
    return _out(draw_id)
