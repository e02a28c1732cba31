"""The contract through which apps hand a buyer's personal data to data-subject requests.

An app registers a ``DataHandler`` (usually in its ``AppConfig.ready``)::

    from mallops.dsr.exporters import DataHandler, register
    register(DataHandler("service", export=tickets_of, erase=erase_tickets))

``export(buyer, ctx)`` returns a JSON-serialisable dict: the buyer's data, decrypted. ``erase(buyer, ctx)``
erases or anonymises what nothing requires keeping and returns ``{"erased": [...], "frozen": [...]}``; for
records a law requires to keep it records ``PersonalDataHold`` rows through ``ctx.hold`` instead (PIPL
Art. 47: store and secure only). Both run inside the completing service's transaction. ``release(object_type,
object_id)`` erases one held record when its hold ends (the ``dsr.hold_release`` sweep calls it).

The accounts profile and addresses, and the buyer's orders, are registered here (``register_builtin``);
after-sales, flash sales and the privacy records in ``mallops.dsr.sources``; service tickets in
``mallops.service.personal_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from mallops.core.actors import Actor
from mallops.dsr.models import RequestKind
from mallops.privacy.services import personal_field_reveal

TRANSACTION_RETENTION_YEARS = 3  # ECL Art. 31: transaction information kept >= 3 years after completion
ECL31 = "ECL Art. 31（商品、服务和交易信息保存不少于三年）"


@dataclass
class Context:
    actor: Actor
    dsr: Any
    now: datetime
    holds: list[tuple[str, str, str, str, date]] = field(default_factory=list)
    handler: str = ""

    def hold(self, object_type: str, object_id: Any, legal_basis: str, until: date) -> None:
        self.holds.append((self.handler, object_type, str(object_id), legal_basis, until))


@dataclass(frozen=True)
class DataHandler:
    name: str
    export: Callable[[Any, Context], dict[str, Any]]
    # what the section holds, listed in the export's ``sources`` for the buyer
    description: str = ""
    erase: Callable[[Any, Context], dict[str, Any]] | None = None
    # erase one held record once its retention duty has ended (``dsr.hold_release`` sweep)
    release: Callable[[str, str], None] | None = None


_HANDLERS: dict[str, DataHandler] = {}


def register(handler: DataHandler) -> None:
    _HANDLERS[handler.name] = handler


def handlers() -> list[DataHandler]:
    return [_HANDLERS[name] for name in sorted(_HANDLERS)]


def handler(name: str) -> DataHandler | None:
    return _HANDLERS.get(name)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


# --- accounts -------------------------------------------------------------------------------------------

PROFILE_FIELDS = ("username", "display_name", "phone", "email", "first_name", "last_name")


def export_profile(buyer: Any, ctx: Context) -> dict[str, Any]:
    """Profile fields in full, each revealed through the privacy service (audited per field), plus the
    address book."""
    # the audit log shows this reason to people: the request kind by its label, not its code
    reason = f"DSR-{ctx.dsr.pk} {RequestKind(ctx.dsr.kind).label}：为个人信息主体提供个人信息副本"
    profile = {
        name: personal_field_reveal(actor=ctx.actor, obj=buyer, field_name=name, reason=reason)
        for name in PROFILE_FIELDS
    }
    profile["date_joined"] = _iso(buyer.date_joined)
    addresses = [
        {
            "recipient": a.recipient,
            "phone": a.phone,
            "province": a.province,
            "city": a.city,
            "district": a.district,
            "detail": a.detail,
            "is_default": a.is_default,
        }
        for a in buyer.addresses.order_by("pk")
    ]
    return {"profile": profile, "addresses": addresses}


def erase_profile(buyer: Any, ctx: Context) -> dict[str, Any]:
    """Anonymise the account (sign-in ends; tokens revoked) and delete the address book: nothing requires
    keeping them once the orders hold their own copy of the delivery address."""
    from mallops.accounts.models import ApiToken, LoginFailure

    LoginFailure.objects.filter(username=buyer.username).delete()
    buyer.username = f"erased-{buyer.pk}"
    buyer.display_name = buyer.phone = buyer.phone_index = ""
    buyer.email = buyer.first_name = buyer.last_name = ""
    buyer.is_active = False
    buyer.set_unusable_password()
    buyer.save()
    ApiToken.objects.filter(user=buyer, revoked_at__isnull=True).update(revoked_at=ctx.now)
    addresses, _ = buyer.addresses.all().delete()
    return {"erased": ["accounts.user: " + ", ".join(PROFILE_FIELDS), f"accounts.address: {addresses}"]}


# --- orders ---------------------------------------------------------------------------------------------

SHIP_FIELDS = ("ship_recipient", "ship_phone", "ship_province", "ship_city", "ship_district", "ship_detail")


def _orders(buyer: Any) -> Any:
    from mallops.orders.models import Order

    return Order.objects.unscoped(reason="data-subject request of the buyer").filter(buyer=buyer)


def export_orders(buyer: Any, ctx: Context) -> dict[str, Any]:
    from mallops.orders.models import OrderLine

    rows = list(_orders(buyer).select_related("merchant").order_by("created_at", "pk"))
    lines: dict[int, list[Any]] = {}
    for line in (
        OrderLine.objects.unscoped(reason="data-subject request of the buyer")
        .filter(order__in=[o.pk for o in rows])
        .order_by("pk")
    ):
        lines.setdefault(line.order_id, []).append(line)
    orders = []
    for order in rows:
        orders.append(
            {
                "number": order.number,
                "store": order.merchant.name,
                "status": order.status,
                "created_at": _iso(order.created_at),
                "paid_fen": order.paid_fen,
                "refunded_fen": order.refunded_fen,
                **{name: getattr(order, name) for name in SHIP_FIELDS},
                "carrier": order.carrier,
                "tracking_number": order.tracking_number,
                "lines": [
                    {"sku": line.sku_code, "title": line.title, "qty": line.qty, "paid_fen": line.paid_fen}
                    for line in lines.get(order.pk, [])
                ],
            }
        )
    return {"orders": orders}


def order_hold_until(order: Any, now: datetime) -> date | None:
    """When the order's transaction record may go; None when it may go now. An order still running is
    kept for the contract until it ends, then three years (ECL Art. 31)."""
    ended = order.completed_at or order.cancelled_at
    if ended is None:
        return (now + timedelta(days=365 * TRANSACTION_RETENTION_YEARS)).date()
    until = ended.date().replace(year=ended.year + TRANSACTION_RETENTION_YEARS)
    return until if until > now.date() else None


def erase_orders(buyer: Any, ctx: Context) -> dict[str, Any]:
    """Orders within the retention period are frozen (a hold each); older ones lose the delivery data."""
    frozen, anonymised = [], []
    for order in _orders(buyer).select_for_update().order_by("pk"):
        until = order_hold_until(order, ctx.now)
        if until is not None:
            ctx.hold("orders.order", order.pk, ECL31, until)
            frozen.append(order.number)
        else:
            _anonymise_order(order)
            anonymised.append(order.number)
    return {"frozen": frozen, "anonymised": anonymised}


def _anonymise_order(order: Any) -> None:
    for name in (*SHIP_FIELDS, "tracking_number"):
        setattr(order, name, "")
    order.save(update_fields=[*SHIP_FIELDS, "tracking_number"])


def release_order(object_type: str, object_id: str) -> None:
    """The retention period of a held order is over: its delivery data goes (the amounts stay)."""
    order = _orders_all().select_for_update().filter(pk=int(object_id)).first()
    if order is not None:
        _anonymise_order(order)


def _orders_all() -> Any:
    from mallops.orders.models import Order

    return Order.objects.unscoped(reason="end of a retention hold after a deletion request")


def register_builtin() -> None:
    register(
        DataHandler(
            "accounts", description="账户资料和收货地址簿", export=export_profile, erase=erase_profile
        )
    )
    register(
        DataHandler(
            "orders",
            description="订单：商品、金额、收货信息和物流单号",
            export=export_orders,
            erase=erase_orders,
            release=release_order,
        )
    )
