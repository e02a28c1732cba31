"""Whether the buyer's consent allows a purpose (PIPL Art. 13-16): the one read every consent-bound feature
makes (analytics ingestion, segment campaigns and coupon issues, recommendations)::

    from mallops.dsr.contracts import Purpose
    from mallops.dsr.consent_selectors import consent_allows
    if consent_allows(buyer.pk, Purpose.MARKETING): ...
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from django.db.models import QuerySet

from mallops.core.fixedsql import FixedQuery
from mallops.dsr.models import ConsentAction, ConsentRecord, LegalBasis, PrivacyPolicy

# --- consent (PIPL Art. 13-16) ----------------------------------------------------------------------------

# (user id, purpose) -> allowed, for the current moment only; None outside a request (no caching: a worker
# or a CLI run always reads the database, so a withdrawal binds them at once too)
_CACHE: contextvars.ContextVar[dict[tuple[int, str], bool] | None] = contextvars.ContextVar(
    "dsr_consent_cache", default=None
)


@contextmanager
def consent_cache() -> Iterator[None]:
    """Cache ``consent_allows`` answers for the block (one HTTP request: see ``DsrConfig.ready``)."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def consent_cache_begin(**kwargs: Any) -> None:
    """``request_started`` receiver: a fresh cache for the request."""
    _CACHE.set({})


def consent_cache_end(**kwargs: Any) -> None:
    """``request_finished`` receiver: nothing cached outlives the request."""
    _CACHE.set(None)


def consent_cache_forget(user_id: int) -> None:
    """A grant or withdrawal of ``user_id`` was just recorded: the rest of the request sees it."""
    cache = _CACHE.get()
    if cache:
        for key in [k for k in cache if k[0] == user_id]:
            del cache[key]


class _Policy(NamedTuple):
    """What the decision reads of a privacy policy version."""

    pk: int
    purposes: list[dict[str, Any]]


def _current_policy() -> QuerySet[Any]:
    """The current version (the builder of ``_CURRENT_POLICY``: every storefront page's tracking asks)."""
    rows: QuerySet[Any] = (
        PrivacyPolicy.objects.filter(is_current=True).order_by("pk").values("pk", "purposes")
    )
    return rows


def _latest_records(user_ids: list[int], purpose: str) -> QuerySet[Any]:
    """Grants and withdrawals of ``purpose`` by ``user_ids``, oldest first (the builder of ``_RECORDS``)."""
    rows: QuerySet[Any] = (
        ConsentRecord.objects.filter(buyer_id__in=user_ids, purpose=purpose)
        .order_by("at", "pk")
        .values("buyer_id", "action", "policy_id")
    )
    return rows


# the reads for "now" of one user, compiled once per connection (``core.fixedsql``); a read at a past moment
# or of many users uses the ORM
_CURRENT_POLICY = FixedQuery("dsr.current_policy", _current_policy)
_RECORDS = FixedQuery("dsr.consent_records", _latest_records)


def _policy_at(at: datetime | None) -> _Policy | None:
    if at is None:
        rows = _CURRENT_POLICY.rows(limit=1)
    else:
        past = PrivacyPolicy.objects.filter(published_at__lte=at).order_by("-published_at", "-pk")
        rows = [dict(row) for row in past.values("pk", "purposes")[:1]]
    return _Policy(int(rows[0]["pk"]), list(rows[0]["purposes"] or [])) if rows else None


def _consenting(user_ids: set[int], purpose: str, at: datetime | None, policy: _Policy | None) -> set[int]:
    """The decision itself (see :func:`consent_allows`), for many users in three queries."""
    if policy is None or not user_ids:
        return set()
    declared = next((p for p in policy.purposes if p.get("code") == purpose), None)
    if declared is None:
        return set()
    if declared.get("legal_basis") != LegalBasis.CONSENT:
        return set(user_ids)
    if at is None and len(user_ids) == 1:  # a page's question (a bulk read has a statement per length)
        rows = _RECORDS.rows(user_ids=sorted(user_ids), purpose=purpose)
    else:
        records = _latest_records(sorted(user_ids), purpose)
        rows = list(records if at is None else records.filter(at__lte=at))
    latest: dict[int, tuple[str, int]] = {}
    for row in rows:
        latest[row["buyer_id"]] = (row["action"], row["policy_id"])
    return {
        uid
        for uid, (action, policy_id) in latest.items()
        if action == ConsentAction.GRANTED and policy_id == policy.pk
    }


def consent_allows(user_id: int, purpose: str, at: datetime | None = None) -> bool:
    """Whether ``purpose`` may process the personal data of ``user_id`` (at ``at``; default now).

    Fails closed: False when no privacy policy is published (at ``at``) or it does not declare the purpose.
    True when the policy rests the purpose on another legal basis than consent (contract, legal duty...).
    For a consent-based purpose, True only when the user's latest grant or withdrawal for it (up to ``at``)
    is a grant under that very policy version: a new version needs consent again (PIPL Art. 14, the same
    rule as ``consent_states``'s ``needs_renewal``). A withdrawal binds from the moment it is recorded.
    Answers for "now" are cached for the current HTTP request (a grant or withdrawal clears the user's).
    """
    cache = _CACHE.get() if at is None else None
    key = (int(user_id), str(purpose))
    if cache is not None and key in cache:
        return cache[key]
    allowed = int(user_id) in _consenting({int(user_id)}, str(purpose), at, _policy_at(at))
    if cache is not None:
        cache[key] = allowed
    return allowed


def consenting_user_ids(user_ids: Iterable[int], purpose: str, at: datetime | None = None) -> set[int]:
    """The ``user_ids`` that :func:`consent_allows` allows for ``purpose`` (one decision, bulk reads)."""
    wanted = {int(u) for u in user_ids}
    cache = _CACHE.get() if at is None else None
    if cache is not None and all((u, str(purpose)) in cache for u in wanted):
        return {u for u in wanted if cache[(u, str(purpose))]}
    allowed = _consenting(wanted, str(purpose), at, _policy_at(at))
    if cache is not None:
        cache.update({(u, str(purpose)): u in allowed for u in wanted})
    return allowed


def buyer_names_without_consent(usernames: Iterable[str], purpose: str) -> set[str]:
    """Of ``usernames``, the buyer accounts whose consent for ``purpose`` does not stand (never given or
    withdrawn); names that are no buyer account (device ids, test ids) are not in the answer."""
    from mallops.accounts.models import User
    from mallops.accounts.roles import Kind

    buyers = dict(
        User.objects.filter(kind=Kind.BUYER, username__in=set(usernames)).values_list("pk", "username")
    )
    allowed = consenting_user_ids(buyers, purpose)
    return {name for pk, name in buyers.items() if pk not in allowed}


def withdrawn_user_ids(user_ids: Iterable[int], purpose: str) -> set[int]:
    """The ``user_ids`` whose latest answer for ``purpose`` (any policy version) is a withdrawal: what a
    withdrawal hook had to de-identify (the retention sweep catches up when a hook failed)."""
    latest: dict[int, str] = {}
    rows = ConsentRecord.objects.filter(buyer_id__in={int(u) for u in user_ids}, purpose=purpose)
    for buyer_id, action in rows.order_by("at", "pk").values_list("buyer_id", "action"):
        latest[buyer_id] = action
    return {uid for uid, action in latest.items() if action == ConsentAction.WITHDRAWN}
