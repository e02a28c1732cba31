"""Writes of marketing: channels and their daily spend (R4.1.1).

Every write needs ``promotion.manage``, runs in one audited transaction and records an audit event. Spend
is one row per channel and day: entering or importing the same channel and day again replaces the amount
(an import run twice leaves the same rows), and the audit event keeps the amount before.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Final

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.accounts.services import require_any_permission, require_permission
from mallops.audit.services import audit_record, audited
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.core.money import parse_yuan
from mallops.marketing.errors import MarketingCode
from mallops.marketing.models import BuyerTag, Channel, ChannelSpend
from mallops.marketing.tags import TARGETING

MAX_SPEND_FEN: Final = 10**12  # ¥10 billion a day: a typo guard, not a business rule
MAX_IMPORT_ROWS: Final = 5_000
CSV_HEADER: Final = ("channel", "day", "amount_yuan")


def _check_spend(amount_fen: int, loc: tuple[str | int, ...]) -> list[FieldError]:
    if amount_fen < 0:
        return [FieldError(loc, "Spend cannot be negative.", "negative")]
    if amount_fen > MAX_SPEND_FEN:
        return [FieldError(loc, "Spend is implausibly large.", "too_large")]
    return []


def channel_create(
    *, actor: Actor, code: str, name: str, kind: str, utm_source: str, is_active: bool = True
) -> Channel:
    """A new channel; ``utm_source`` is stored lower-case (touches are matched lower-case).

    Errors: 422 on an unknown kind or empty field, 409 ``channel_exists`` when the code or the UTM source is
    taken.
    """
    require_permission(actor, "promotion.manage")
    errors = []
    if kind not in Channel.Kind.values:
        errors.append(FieldError(("body", "kind"), "Unknown channel kind.", "choice"))
    for field, value in (("code", code), ("name", name), ("utm_source", utm_source)):
        if not value.strip():
            errors.append(FieldError(("body", field), "Required.", "required"))
    if errors:
        raise validation_error(errors)
    source = utm_source.strip().lower()
    with audited():
        if (
            Channel.objects.filter(code=code.strip()).exists()
            or Channel.objects.filter(utm_source=source).exists()
        ):
            raise DomainError(
                detail="A channel with this code or UTM source exists.",
                code=MarketingCode.CHANNEL_EXISTS,
                status=409,
                title="Conflict",
            )
        channel = Channel(
            code=code.strip(), name=name.strip(), kind=kind, utm_source=source, is_active=is_active
        )
        channel.full_clean()
        channel.save()
        audit_record(
            actor=actor,
            action="marketing.channel.create",
            obj=channel,
            after={"code": channel.code, "kind": channel.kind, "utm_source": channel.utm_source},
        )
    return channel


def _upsert(*, actor: Actor, channel: Channel, day: date, amount_fen: int, source: str) -> ChannelSpend:
    row = ChannelSpend.objects.select_for_update().filter(channel=channel, day=day).first()
    before = None if row is None else {"amount_fen": row.amount_fen}
    if row is None:
        row = ChannelSpend(channel=channel, day=day, amount_fen=amount_fen, source=source)
    else:
        row.amount_fen, row.source = amount_fen, source
    row.save()
    if before is None or before["amount_fen"] != amount_fen:
        audit_record(
            actor=actor,
            action="marketing.spend.set",
            obj=row,
            before=before,
            after={"channel": channel.code, "day": day.isoformat(), "amount_fen": amount_fen},
        )
    return row


def spend_set(
    *, actor: Actor, channel_id: int, day: date, amount_fen: int, source: str = "console"
) -> ChannelSpend:
    """Set the spend of a channel on a day (replacing any earlier amount). 404 on an unknown channel."""
    require_permission(actor, "promotion.manage")
    errors = _check_spend(amount_fen, ("body", "amount_fen"))
    if errors:
        raise validation_error(errors)
    with audited():
        channel = Channel.objects.filter(pk=channel_id).first()
        if channel is None:
            raise DomainError(
                detail="No such channel.", code=MarketingCode.CHANNEL_NOT_FOUND, status=404, title="Not found"
            )
        return _upsert(actor=actor, channel=channel, day=day, amount_fen=amount_fen, source=source)


@dataclass(frozen=True)
class SpendImport:
    rows: int  # rows in the file
    changed: int  # rows whose stored amount is new or different


def spend_import_csv(*, actor: Actor, text: str) -> SpendImport:
    """Import ``channel,day,amount_yuan`` rows (channel code, ISO day, 元 with at most two decimals).

    All or nothing: any bad row refuses the whole file with a 422 naming each bad row and column
    (``("body", "file", <row number>, <column>)``, row 1 is the header). A channel and day listed twice in
    one file is an error. Importing the same file again changes nothing.
    """
    require_permission(actor, "promotion.manage")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    lines = list(reader)
    if not lines or tuple(c.strip().lower() for c in lines[0]) != CSV_HEADER:
        raise validation_error(
            [FieldError(("body", "file", 1), "The first row must be: channel,day,amount_yuan.", "header")]
        )
    body = lines[1:]
    if len(body) > MAX_IMPORT_ROWS:
        raise validation_error([FieldError(("body", "file"), "Too many rows.", "too_many")])
    channels = {c.code: c for c in Channel.objects.all()}
    errors: list[FieldError] = []
    parsed: list[tuple[Channel, date, int]] = []
    seen: set[tuple[str, date]] = set()
    for number, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != 3:
            errors.append(FieldError(("body", "file", number), "Expected 3 columns.", "columns"))
            continue
        code, day_text, amount_text = (cell.strip() for cell in cells)
        channel = channels.get(code)
        if channel is None:
            errors.append(FieldError(("body", "file", number, "channel"), "Unknown channel.", "unknown"))
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            errors.append(FieldError(("body", "file", number, "day"), "Not a date (YYYY-MM-DD).", "date"))
            day = None
        try:
            amount = parse_yuan(amount_text)
        except ValueError:
            errors.append(
                FieldError(("body", "file", number, "amount_yuan"), "Not an amount in yuan.", "amount")
            )
            amount = None
        if amount is not None:
            errors.extend(_check_spend(amount, ("body", "file", number, "amount_yuan")))
        if channel is None or day is None or amount is None:
            continue
        if (code, day) in seen:
            errors.append(
                FieldError(("body", "file", number), "This channel and day appear twice.", "duplicate")
            )
            continue
        seen.add((code, day))
        parsed.append((channel, day, amount))
    if errors:
        raise validation_error(errors, detail="The spend file has errors; nothing was imported.")
    changed = 0
    with audited():
        for channel, day, amount in parsed:
            existing = (
                ChannelSpend.objects.filter(channel=channel, day=day)
                .values_list("amount_fen", flat=True)
                .first()
            )
            if existing != amount:
                changed += 1
                _upsert(actor=actor, channel=channel, day=day, amount_fen=amount, source="csv")
    return SpendImport(rows=len(parsed), changed=changed)


@dataclass(frozen=True)
class TagResult:
    tagged: int  # buyers newly given the tag
    unknown: list[str]  # names that are no active buyer


def buyer_tags_add(*, actor: Actor, tag: str, usernames: list[str]) -> TagResult:
    """Give ``tag`` to the listed buyers (1-1000; a buyer already tagged is unchanged). A tag picks a
    campaign's audience; it sends nothing, so no consent is asked here (the campaign asks)."""
    require_any_permission(actor, TARGETING)
    tag = tag.strip()
    errors = []
    if not tag or len(tag) > 30:
        errors.append(FieldError(("body", "tag"), "1 to 30 characters.", "length"))
    if not usernames or len(usernames) > 1000:
        errors.append(FieldError(("body", "usernames"), "Give 1 to 1000 buyer usernames.", "count"))
    if errors:
        raise validation_error(errors)
    buyers = dict(
        User.objects.filter(username__in=usernames, kind=Kind.BUYER, is_active=True).values_list(
            "username", "pk"
        )
    )
    with audited():
        held = set(
            BuyerTag.objects.filter(tag=tag, buyer_id__in=buyers.values()).values_list("buyer_id", flat=True)
        )
        new = [BuyerTag(buyer_id=pk, tag=tag) for pk in sorted(set(buyers.values()) - held)]
        BuyerTag.objects.bulk_create(new)
        if new:
            audit_record(
                actor=actor,
                action="marketing.buyer_tag.add",
                object_type="marketing.buyertag",
                object_id=tag,
                after={"tag": tag, "tagged": len(new)},
            )
    return TagResult(tagged=len(new), unknown=sorted(set(usernames) - set(buyers)))
