"""Consent binds analytics ingestion (R3.1.2; PIPL Art. 13-15): an event about a buyer who has not consented
to the ``analytics`` purpose is stored **without the person**.

Decision per purpose (docs/privacy.md "Consent binds"): analytics events serve the ``analytics`` purpose.
Aggregate figures (visitors, GMV, payment methods, funnels by step) remain lawful on anonymised events
(PIPL Art. 4: anonymised information is not personal information), so the event is kept for them but
cut loose from the buyer: its ``distinct_id`` becomes a random ``anon:<hex>`` used once, and the properties
that could lead back to the buyer (order and ticket numbers, ids, blind-indexed contact values, the
anonymous id an ``$identify`` would merge) are removed. An ``$identify`` event so anonymised merges nothing.
Events whose ``distinct_id`` is no buyer account (an anonymous device id never merged into one) are not
personal to us and pass unchanged: the client SDK asks the visitor before sending anything.

The person behind an event is its ``distinct_id`` as a buyer's username, or the account an earlier
``$identify`` merged it into (``analytics.IdentityAlias``, read here read-only).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

from mallops.accounts.models import User
from mallops.accounts.roles import Kind
from mallops.dsr.consent_selectors import consenting_user_ids
from mallops.dsr.contracts import Purpose
from mallops.dsr.hooks import identity_merges

ANONYMOUS_PREFIX: Final = "anon:"
# properties that name the person or a record of theirs; removed from an event stored without the person
LINKING_PROPERTIES: Final = frozenset(
    {"$anon_distinct_id", "order_id", "order", "ticket", "user_id", "buyer", "buyer_id", "username"}
)
BLIND_INDEX_PREFIX: Final = "bi:"


def _unlinked(properties: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in properties.items():
        if isinstance(key, str) and key.lower() in LINKING_PROPERTIES:
            continue
        if isinstance(value, str) and value.startswith(BLIND_INDEX_PREFIX):
            continue
        result[key] = _unlinked(value) if isinstance(value, Mapping) else value
    return result


def unlinked_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """The properties without what leads back to the person (an event's properties when de-identified)."""
    return _unlinked(properties)


def anonymise_event(event: dict[str, Any]) -> dict[str, Any]:
    """The event without the person (see the module docstring)."""
    properties = event.get("properties")
    anonymous = {**event, "distinct_id": f"{ANONYMOUS_PREFIX}{uuid.uuid4().hex}"}
    if isinstance(properties, Mapping):
        anonymous["properties"] = _unlinked(properties)
    return anonymous


def _people(distinct_ids: set[str]) -> dict[str, int]:
    """distinct id -> buyer account id, directly (username) or through an identity merge."""
    canonical = identity_merges(distinct_ids)  # analytics registers it (dsr.hooks); it calls us at ingestion
    names = distinct_ids | set(canonical.values())
    accounts = dict(User.objects.filter(username__in=names, kind=Kind.BUYER).values_list("username", "pk"))
    people: dict[str, int] = {}
    for distinct_id in distinct_ids:
        pk = accounts.get(canonical.get(distinct_id, distinct_id)) or accounts.get(distinct_id)
        if pk is not None:
            people[distinct_id] = pk
    return people


def events_consent_bind(events: list[Any]) -> list[Any]:
    """The batch as it may be stored: same length and order (error line numbers stay right); events of
    buyers without ``analytics`` consent anonymised. Other shapes pass for the store to reject."""
    ids = {
        e["distinct_id"]
        for e in events
        if isinstance(e, dict) and isinstance(e.get("distinct_id"), str) and e["distinct_id"]
    }
    if not ids:
        return events
    people = _people(ids)
    if not people:
        return events
    allowed = consenting_user_ids(set(people.values()), Purpose.ANALYTICS)
    bound: list[Any] = []
    for event in events:
        distinct_id = event.get("distinct_id") if isinstance(event, dict) else None
        # any other shape (a list, a number...) is left for the store to reject
        person = people.get(distinct_id) if isinstance(distinct_id, str) else None
        if person is not None and person not in allowed:
            bound.append(anonymise_event(event))
        else:
            bound.append(event)
    return bound
