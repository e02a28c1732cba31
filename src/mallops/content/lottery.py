"""Writes of lucky draws (R4.4.1), ``content.manage``, one audited transaction each.

``draw_create`` refuses a prize worth more than ``LOTTERY_MAX_PRIZE_FEN`` (422 ``prize_over_cap`` citing
反不正当竞争法 Art. 11 (2025; Art. 10 in 2019)); ``draw_update`` changes rules and prizes only before the
start (409 ``draw_rules_locked``, 规范促销行为暂行规定 Art. 13); ``draw_start`` discloses them and publishes
the commitment; ``entrant_add`` records entries while open; ``draw_run`` reveals the seed and records the
winners computed by ``draw.winners``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record, audited
from mallops.content import conf, draw
from mallops.content.errors import ContentCode
from mallops.content.models import ContentPost, DrawStatus, LuckyDraw, LuckyEntrant, LuckyPrize, LuckyWinner
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, conflict, not_found, validation_error

PERMISSION = "content.manage"


@dataclass(frozen=True)
class PrizeInput:
    name: str
    value_fen: int
    quantity: int


def _check_prizes(prizes: Sequence[PrizeInput]) -> None:
    cap = conf.value("LOTTERY_MAX_PRIZE_FEN")
    if not prizes:
        raise validation_error([FieldError(("body", "prizes"), "at least one prize", "required")])
    errors = [
        FieldError(("body", "prizes", index, "quantity"), "at least 1", "invalid")
        for index, prize in enumerate(prizes)
        if prize.quantity < 1 or prize.value_fen < 0 or not prize.name.strip()
    ]
    if errors:
        raise validation_error(errors)
    over = draw.prizes_over_cap([p.value_fen for p in prizes], cap)
    if over:
        raise DomainError(
            detail="A single prize is worth more than the lawful cap.",
            code=ContentCode.PRIZE_OVER_CAP,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(("body", "prizes", index, "value_fen"), f"at most {cap} fen", "prize_over_cap")
                for index in over
            ],
            extra={"cap_fen": cap, "basis": conf.PRIZE_CAP_BASIS},
        )


def _write_prizes(row: LuckyDraw, prizes: Sequence[PrizeInput]) -> None:
    LuckyPrize.objects.filter(draw=row).delete()
    LuckyPrize.objects.bulk_create(
        LuckyPrize(draw=row, position=i + 1, name=p.name.strip(), value_fen=p.value_fen, quantity=p.quantity)
        for i, p in enumerate(prizes)
    )


def _locked(draw_id: int) -> LuckyDraw:
    row = LuckyDraw.objects.select_for_update().filter(pk=draw_id).first()
    if row is None:
        raise not_found("lucky draw")
    return row


def draw_create(
    *,
    actor: Actor,
    title: str,
    rules: str,
    draw_at: datetime,
    prizes: Sequence[PrizeInput],
    post_id: int | None = None,
) -> LuckyDraw:
    """A lucky draw being written. Errors: 422 ``prize_over_cap`` (a prize's ``value_fen`` above the cap;
    equal is allowed), 422 ``validation_error``, 403."""
    require_permission(actor, PERMISSION)
    _check_prizes(prizes)
    if not title.strip() or not rules.strip() or timezone.is_naive(draw_at):
        raise validation_error([FieldError(("body",), "title, rules and a zoned draw time", "required")])
    if post_id is not None and not ContentPost.objects.filter(pk=post_id).exists():
        raise validation_error([FieldError(("body", "post_id"), "no such post", "not_found")])
    with audited():
        row = LuckyDraw.objects.create(
            post_id=post_id,
            title=title.strip(),
            rules=rules.strip(),
            draw_at=draw_at.astimezone(UTC),
            created_by_id=actor.user_id or 0,
        )
        _write_prizes(row, prizes)
        audit_record(
            actor=actor,
            action="content.draw.create",
            obj=row,
            after={"title": row.title, "prizes": [p.value_fen for p in prizes]},
        )
    return row


def draw_update(*, actor: Actor, draw_id: int, rules: str, prizes: Sequence[PrizeInput]) -> LuckyDraw:
    """Change rules and prizes before the start. Errors: 409 ``draw_rules_locked`` after it, 422, 404."""
    require_permission(actor, PERMISSION)
    _check_prizes(prizes)
    with audited():
        row = _locked(draw_id)
        if row.status != DrawStatus.DRAFT:
            raise conflict(
                "A lucky draw's rules and prizes cannot change after it starts.",
                code=ContentCode.DRAW_RULES_LOCKED,
                basis=conf.DISCLOSURE_BASIS,
            )
        row.rules = rules.strip()
        row.save(update_fields=["rules"])
        _write_prizes(row, prizes)
        audit_record(actor=actor, action="content.draw.update", obj=row, after={"prizes": len(prizes)})
    return row


def draw_start(
    *, actor: Actor, draw_id: int, now: datetime | None = None, seed: str | None = None
) -> LuckyDraw:
    """Disclose the rules and open entries: a fresh secret seed is kept and its SHA-256 published.
    Errors: 409 ``draw_rules_locked`` (already started), 404, 403."""
    require_permission(actor, PERMISSION)
    with audited():
        row = _locked(draw_id)
        if row.status != DrawStatus.DRAFT:
            raise conflict("The lucky draw has started.", code=ContentCode.DRAW_RULES_LOCKED)
        secret = seed or draw.new_seed()
        row.seed, row.commitment = secret, draw.commitment(secret)
        row.status, row.started_at = DrawStatus.OPEN, now or timezone.now()
        row.save(update_fields=["seed", "commitment", "status", "started_at"])
        audit_record(actor=actor, action="content.draw.start", obj=row, after={"commitment": row.commitment})
    return row


def entrant_add(*, actor: Actor, draw_id: int, codes: Sequence[str], now: datetime | None = None) -> int:
    """Record entries (imported or typed) while the draw is open; a code already entered is skipped.
    Returns how many were new. Errors: 409 ``draw_not_open``, 422 (an empty or over-long code), 404."""
    require_permission(actor, PERMISSION)
    clean = sorted({c.strip() for c in codes})
    if not clean or any(not c or len(c) > 64 for c in clean):
        raise validation_error([FieldError(("body", "codes"), "1-64 characters each", "invalid")])
    now = now or timezone.now()
    with audited():
        row = _locked(draw_id)
        if row.status != DrawStatus.OPEN:
            raise conflict("The lucky draw is not open.", code=ContentCode.DRAW_NOT_OPEN)
        known = set(LuckyEntrant.objects.filter(draw=row, code__in=clean).values_list("code", flat=True))
        new = [c for c in clean if c not in known]
        LuckyEntrant.objects.bulk_create(LuckyEntrant(draw=row, code=c, entered_at=now) for c in new)
        audit_record(actor=actor, action="content.draw.entrants", obj=row, after={"added": len(new)})
    return len(new)


def draw_run(*, actor: Actor, draw_id: int, now: datetime | None = None) -> list[LuckyWinner]:
    """Reveal the seed and record the winners (``draw.winners``). Errors: 409 ``draw_not_open``, 404."""
    require_permission(actor, PERMISSION)
    with audited():
        row = _locked(draw_id)
        if row.status != DrawStatus.OPEN:
            raise conflict("The lucky draw is not open.", code=ContentCode.DRAW_NOT_OPEN)
        entrants = {e.code: e for e in LuckyEntrant.objects.filter(draw=row)}
        prizes = list(LuckyPrize.objects.filter(draw=row).order_by("position"))
        awards = draw.winners(row.seed, row.pk, entrants, [draw.PrizeSlot(p.pk, p.quantity) for p in prizes])
        by_id = {p.pk: p for p in prizes}
        rows = LuckyWinner.objects.bulk_create(
            LuckyWinner(draw=row, prize=by_id[a.prize_id], entrant=entrants[a.entrant], rank=a.rank)
            for a in awards
        )
        row.status, row.drawn_at = DrawStatus.DRAWN, now or timezone.now()
        row.save(update_fields=["status", "drawn_at"])
        audit_record(
            actor=actor,
            action="content.draw.run",
            obj=row,
            after={"seed": row.seed, "winners": [a.entrant for a in awards]},
        )
    return rows
