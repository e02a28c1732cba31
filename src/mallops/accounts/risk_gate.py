"""Risk control on the buyer's sign-in, registration and address changes (the accounts API asks).

Risk sits above accounts in the app graph (docs/adr/0006), so accounts does not import it: risk registers
its assessments here when it starts (``RiskConfig.ready``). Each takes the buyer, the request (for the
device and address context) and what is assessed, raises ``risk_blocked`` when risk blocks it, and commits
on its own. Without a registration the API refuses (``LookupError``): it never skips risk control.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_GATES: dict[str, Callable[..., Any]] = {}


def register_risk_gates(
    *, login: Callable[..., Any], register: Callable[..., Any], address_change: Callable[..., Any]
) -> None:
    """``login(buyer_id=, request=)``, ``register(buyer_id=, request=)``,
    ``address_change(buyer_id=, address=, request=)``."""
    _GATES.update(login=login, register=register, address_change=address_change)


def _gate(name: str) -> Callable[..., Any]:
    try:
        return _GATES[name]
    except KeyError:
        raise LookupError("no app registered the buyer risk gates (accounts.risk_gate)") from None


def login_assess(*, buyer_id: int, request: Any) -> None:
    _gate("login")(buyer_id=buyer_id, request=request)


def register_assess(*, buyer_id: int, request: Any) -> None:
    _gate("register")(buyer_id=buyer_id, request=request)


def address_change_assess(*, buyer_id: int, address: str, request: Any) -> None:
    _gate("address_change")(buyer_id=buyer_id, address=address, request=request)
