"""The provider interface, shaped like WeChat Pay / Alipay: create, signed async notification, query,
refund, and a daily statement for reconciliation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol


class SignatureError(Exception):
    """The notification's signature or timestamp did not verify."""


@dataclass(frozen=True)
class ProviderPayment:
    out_trade_no: str
    txn_id: str
    amount_fen: int
    status: str  # NOTPAY, SUCCESS, CLOSED, REFUND
    paid_at: datetime | None
    refunded_fen: int = 0


@dataclass(frozen=True)
class Notification:
    event_id: str
    kind: str  # TRADE.SUCCESS or REFUND.SUCCESS
    out_trade_no: str
    txn_id: str
    amount_fen: int
    at: datetime
    body: dict[str, object]


class PaymentProvider(Protocol):
    name: str

    def create_payment(self, *, out_trade_no: str, amount_fen: int, description: str) -> ProviderPayment: ...

    def verify_notification(self, *, body: bytes, headers: dict[str, str], now: datetime) -> Notification: ...

    def query(self, out_trade_no: str) -> ProviderPayment | None: ...

    def refund(self, *, out_trade_no: str, out_refund_no: str, amount_fen: int) -> ProviderPayment: ...

    def statement(self, day: date) -> list[ProviderPayment]: ...
