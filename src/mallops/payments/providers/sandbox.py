"""The sandbox provider: a payment provider living inside the project (demo and tests need nothing external).

Notifications are signed like a real provider's: HMAC-SHA256 over ``timestamp + "\\n" + nonce + "\\n" +
canonical body`` (canonical = JSON with sorted keys, no spaces, UTF-8), sent in the headers
``X-Sandbox-Timestamp``, ``X-Sandbox-Nonce`` and ``X-Sandbox-Signature`` (hex). A timestamp more than
``WINDOW_SECONDS`` (5 minutes) away from the receiver's clock is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from mallops.core.inputs import is_ascii_digits
from mallops.core.money import refund_cap_check
from mallops.core.timeutil import SHANGHAI
from mallops.payments.errors import PaymentsCode
from mallops.payments.models import SandboxTransaction
from mallops.payments.providers.base import Notification, ProviderPayment, SignatureError

WINDOW_SECONDS = 300
TS_HEADER, NONCE_HEADER, SIG_HEADER = "X-Sandbox-Timestamp", "X-Sandbox-Nonce", "X-Sandbox-Signature"


def secret() -> bytes:
    configured = getattr(settings, "MALLOPS", {}).get("SANDBOX_PAY_SECRET")
    if configured:
        return str(configured).encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"mallops sandbox pay", hashlib.sha256).digest()


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(body: bytes, timestamp: str, nonce: str, key: bytes | None = None) -> str:
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body
    return hmac.new(key or secret(), message, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, now: datetime) -> dict[str, str]:
    timestamp, nonce = str(int(now.timestamp())), secrets.token_hex(8)
    return {TS_HEADER: timestamp, NONCE_HEADER: nonce, SIG_HEADER: sign(body, timestamp, nonce)}


def _as_provider(row: SandboxTransaction) -> ProviderPayment:
    return ProviderPayment(
        out_trade_no=row.out_trade_no,
        txn_id=row.txn_id,
        amount_fen=row.amount_fen,
        status=row.status,
        paid_at=row.paid_at,
        refunded_fen=row.refunded_fen,
    )


class SandboxProvider:
    name = "sandbox"

    def create_payment(self, *, out_trade_no: str, amount_fen: int, description: str) -> ProviderPayment:
        row, _ = SandboxTransaction.objects.get_or_create(
            out_trade_no=out_trade_no,
            defaults={"txn_id": "sbx" + secrets.token_hex(12), "amount_fen": amount_fen},
        )
        return _as_provider(row)

    def verify_notification(self, *, body: bytes, headers: dict[str, str], now: datetime) -> Notification:
        timestamp = headers.get(TS_HEADER, "")
        nonce = headers.get(NONCE_HEADER, "")
        signature = headers.get(SIG_HEADER, "")
        if not is_ascii_digits(timestamp, max_digits=12) or not nonce or not signature:
            raise SignatureError("missing signature headers")
        if abs(now.timestamp() - int(timestamp)) > WINDOW_SECONDS:
            raise SignatureError("timestamp outside the 5-minute window")
        if not hmac.compare_digest(sign(body, timestamp, nonce), signature):
            raise SignatureError("signature mismatch")
        try:
            data = json.loads(body)
            return Notification(
                event_id=str(data["event_id"]),
                kind=str(data["kind"]),
                out_trade_no=str(data["out_trade_no"]),
                txn_id=str(data["txn_id"]),
                amount_fen=int(data["amount_fen"]),
                at=datetime.fromisoformat(str(data["at"])),
                body=data,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise SignatureError(f"malformed body: {exc}") from exc

    def query(self, out_trade_no: str) -> ProviderPayment | None:
        row = SandboxTransaction.objects.filter(out_trade_no=out_trade_no).first()
        return _as_provider(row) if row else None

    @transaction.atomic
    def refund(self, *, out_trade_no: str, out_refund_no: str, amount_fen: int) -> ProviderPayment:
        row = SandboxTransaction.objects.select_for_update().get(out_trade_no=out_trade_no)
        if row.status not in ("SUCCESS", "REFUND"):
            raise ValueError("nothing was paid to refund")
        # the provider's books apply the same cap as ours (one rule: core.money.refund_cap_check)
        refund_cap_check(
            paid_fen=row.amount_fen,
            refunded_fen=row.refunded_fen,
            amount_fen=amount_fen,
            code=PaymentsCode.REFUND_EXCEEDS_PAYMENT,
        )
        row.refunded_fen += amount_fen
        row.status = "REFUND"
        row.save(update_fields=["refunded_fen", "status"])
        return _as_provider(row)

    def statement(self, day: date) -> list[ProviderPayment]:
        start = datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)
        rows = SandboxTransaction.objects.filter(paid_at__gte=start, paid_at__lt=start + timedelta(days=1))
        return [_as_provider(r) for r in rows.order_by("pk")]

    # ---- the sandbox's "buyer pays" button: the provider books it and produces its notification

    @transaction.atomic
    def simulate_pay(self, out_trade_no: str, now: datetime) -> tuple[bytes, dict[str, str]]:
        row = SandboxTransaction.objects.select_for_update().get(out_trade_no=out_trade_no)
        if row.status == "NOTPAY":
            row.status, row.paid_at = "SUCCESS", now
            row.save(update_fields=["status", "paid_at"])
        body = canonical(
            {
                "event_id": f"evt_{row.txn_id}_success",
                "kind": "TRADE.SUCCESS",
                "out_trade_no": row.out_trade_no,
                "txn_id": row.txn_id,
                "amount_fen": row.amount_fen,
                "at": (row.paid_at or now).isoformat(),
            }
        )
        return body, signed_headers(body, now)
