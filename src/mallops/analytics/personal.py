"""Personal properties in events (R3.1.2): one registry, dropped or hashed before anything is stored.

Events should carry pseudonymous ids only. When a client still sends a personal property, the ingestion
filter applies the registry at any nesting depth, comparing names case-insensitively:

* ``drop``: the value is removed (no analytic use justifies keeping it: names, addresses, ID numbers, IPs);
* ``hash``: the value is replaced by ``"bi:" + blind_index(value, namespace="analytics")`` (HMAC-SHA256 under
  the platform's blind-index key), so equal values still match each other across events and devices, but
  the value cannot be recovered by enumerating, e.g., all phone numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final

from mallops.analytics.store.events import PersonalDataPolicy
from mallops.privacy.keys import get_keyring


class Action(StrEnum):
    DROP = "drop"
    HASH = "hash"


PERSONAL_PROPERTIES: Final[dict[str, Action]] = {
    # identity
    "name": Action.DROP,
    "real_name": Action.DROP,
    "full_name": Action.DROP,
    "id_number": Action.DROP,
    "id_card": Action.DROP,
    "passport": Action.DROP,
    "birthday": Action.DROP,
    # location
    "address": Action.DROP,
    "street": Action.DROP,
    "ip": Action.DROP,
    "ip_address": Action.DROP,
    "latitude": Action.DROP,
    "longitude": Action.DROP,
    # financial / secrets
    "bank_card": Action.DROP,
    "card_number": Action.DROP,
    "password": Action.DROP,
    # contact and stable device ids: useful to match, never stored in clear
    "phone": Action.HASH,
    "mobile": Action.HASH,
    "email": Action.HASH,
    "openid": Action.HASH,
    "unionid": Action.HASH,
    "device_id": Action.HASH,
    "imei": Action.HASH,
    "idfa": Action.HASH,
    "oaid": Action.HASH,
}
HASH_PREFIX: Final = "bi:"
NAMESPACE: Final = "analytics"

# The store drops the same keys again as a second line of defence; hashing is done here (the store's own
# HMAC would hash the blind index a second time).
STORE_POLICY: Final = PersonalDataPolicy(
    drop=frozenset(key for key, action in PERSONAL_PROPERTIES.items() if action is Action.DROP),
    hash=frozenset(),
)


def hash_value(value: object) -> str:
    text = value if isinstance(value, str) else str(value)
    return HASH_PREFIX + get_keyring().blind_index(text, namespace=NAMESPACE)


def filter_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``properties`` with the registry applied (nested objects too; lists are kept as sent)."""
    result: dict[str, Any] = {}
    for key, value in properties.items():
        action = PERSONAL_PROPERTIES.get(key.lower()) if isinstance(key, str) else None
        if action is Action.DROP:
            continue
        if action is Action.HASH:
            if value is None or (isinstance(value, str) and value.startswith(HASH_PREFIX)):
                result[key] = value
            else:
                result[key] = hash_value(value)
        elif isinstance(value, Mapping):
            result[key] = filter_properties(value)
        else:
            result[key] = value
    return result
