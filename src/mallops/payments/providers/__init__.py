"""Payment providers behind one interface; ``get_provider(name)`` returns the configured one."""

from __future__ import annotations

from mallops.payments.providers.base import (
    Notification,
    PaymentProvider,
    ProviderPayment,
    SignatureError,
)
from mallops.payments.providers.sandbox import SandboxProvider

_PROVIDERS: dict[str, PaymentProvider] = {}


def get_provider(name: str = "sandbox") -> PaymentProvider:
    if name != "sandbox":
        raise KeyError(name)
    if name not in _PROVIDERS:
        _PROVIDERS[name] = SandboxProvider()
    return _PROVIDERS[name]


__all__ = ["Notification", "PaymentProvider", "ProviderPayment", "SignatureError", "get_provider"]
