"""Privacy policy versions and consent per buyer × purpose × version (R1.3.3; PIPL Art. 14-17).

Publishing a version makes it the only current one; consent given under an older version must be renewed
(PIPL Art. 14: changed purposes need new consent), which ``consent_states`` reports as ``needs_renewal``.
Consent rows are only ever added: the latest row per buyer and purpose is the state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts import roles
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, validation_error
from mallops.dsr.consent_selectors import consent_cache_forget
from mallops.dsr.errors import DsrCode
from mallops.dsr.hooks import withdrawal_effects
from mallops.dsr.models import ConsentAction, ConsentRecord, LegalBasis, PrivacyPolicy

PUBLISH_PERMISSION = "privacy.policy.publish"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PURPOSE_KEYS = ("code", "name", "scope", "retention", "legal_basis")


def current_policy() -> PrivacyPolicy | None:
    return PrivacyPolicy.objects.filter(is_current=True).first()


def require_current_policy() -> PrivacyPolicy:
    policy = current_policy()
    if policy is None:
        raise DomainError(
            detail="No privacy policy has been published.",
            code=DsrCode.NO_POLICY,
            status=404,
            title="Not found",
        )
    return policy


def require_buyer(actor: Actor) -> None:
    """401 ``unauthenticated`` / 403 ``buyer_only`` (``accounts.roles.require_buyer``, issue 16)."""
    roles.require_buyer(actor)


def _purpose_errors(purposes: Any) -> list[FieldError]:
    errors: list[FieldError] = []
    if not isinstance(purposes, list) or not purposes:
        return [FieldError(("body", "purposes"), "at least one purpose is required", "required")]
    seen: set[str] = set()
    for i, item in enumerate(purposes):
        loc: tuple[str | int, ...] = ("body", "purposes", i)
        if not isinstance(item, dict):
            errors.append(FieldError(loc, "must be an object", "invalid"))
            continue
        for key in PURPOSE_KEYS:
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                errors.append(FieldError((*loc, key), "required", "required"))
        code = item.get("code")
        if isinstance(code, str) and code and not _CODE.match(code):
            errors.append(FieldError((*loc, "code"), "lower-case letters, digits and _", "invalid_code"))
        if isinstance(code, str) and code in seen:
            errors.append(FieldError((*loc, "code"), "purpose codes must be unique", "duplicate"))
        seen.add(str(code))
        basis = item.get("legal_basis")
        if isinstance(basis, str) and basis and basis not in LegalBasis.values:
            errors.append(FieldError((*loc, "legal_basis"), "unknown legal basis", "invalid_choice"))
        days = item.get("retention_days")
        if days is not None and (
            isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 36_500
        ):
            errors.append(FieldError((*loc, "retention_days"), "whole days, 0 to 36500", "invalid"))
    return errors


@transaction.atomic
def policy_publish(*, actor: Actor, version: str, text: str, purposes: list[dict[str, Any]]) -> PrivacyPolicy:
    """Publish a new version and make it the only current one (audited ``privacy.policy_publish``)."""
    require_permission(actor, PUBLISH_PERMISSION)
    version = (version or "").strip()
    errors: list[FieldError] = []
    if not _VERSION.match(version):
        errors.append(FieldError(("body", "version"), "1-20 letters, digits, '.', '_' or '-'", "invalid"))
    elif PrivacyPolicy.objects.filter(version=version).exists():
        errors.append(FieldError(("body", "version"), "this version is already published", "duplicate"))
    if len((text or "").strip()) < 20:
        errors.append(FieldError(("body", "text"), "the policy text is too short", "too_short"))
    errors += _purpose_errors(purposes)
    if errors:
        raise validation_error(errors)
    previous = PrivacyPolicy.objects.select_for_update().filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    cleaned: list[dict[str, Any]] = [
        {key: str(item[key]).strip() for key in PURPOSE_KEYS} for item in purposes
    ]
    for item, clean in zip(purposes, cleaned, strict=True):
        # the machine-readable period the retention sweeps enforce (dsr.retention); optional
        if item.get("retention_days") is not None:
            clean["retention_days"] = int(item["retention_days"])
    policy = PrivacyPolicy.objects.create(
        version=version,
        text=text.strip(),
        purposes=cleaned,
        published_at=timezone.now(),
        published_by_id=actor.user_id,
        is_current=True,
    )
    audit_record(
        actor=actor,
        action="privacy.policy_publish",
        obj=policy,
        before={"current": previous.version if previous else None},
        after={"current": policy.version, "purposes": policy.purpose_codes()},
    )
    return policy


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    name: str
    legal_basis: str
    status: str  # granted, withdrawn, none
    policy_version: str | None
    at: datetime | None
    needs_renewal: bool


def _latest(buyer: Any) -> dict[str, ConsentRecord]:
    latest: dict[str, ConsentRecord] = {}
    for row in ConsentRecord.objects.filter(buyer=buyer).select_related("policy").order_by("at", "pk"):
        latest[row.purpose] = row
    return latest


def consent_states(buyer: Any) -> tuple[PrivacyPolicy, list[ConsentState]]:
    """The buyer's consent for each purpose of the current policy. A grant under an older version (or no
    answer yet for a consent-based purpose) ``needs_renewal``."""
    policy = require_current_policy()
    latest = _latest(buyer)
    states = []
    for purpose in policy.purposes:
        row = latest.get(purpose["code"])
        status = row.action if row else "none"
        stale = row is not None and row.action == ConsentAction.GRANTED and row.policy_id != policy.pk
        unanswered = row is None and purpose["legal_basis"] == LegalBasis.CONSENT
        states.append(
            ConsentState(
                purpose=purpose["code"],
                name=purpose["name"],
                legal_basis=purpose["legal_basis"],
                status=status,
                policy_version=row.policy.version if row else None,
                at=row.at if row else None,
                needs_renewal=stale or unanswered,
            )
        )
    return policy, states


def consent_history(buyer: Any) -> list[ConsentRecord]:
    return list(ConsentRecord.objects.filter(buyer=buyer).select_related("policy").order_by("-at", "-pk"))


def _record(*, buyer_id: int, actor: Actor, policy: PrivacyPolicy, purpose: str, action: str) -> None:
    row = ConsentRecord.objects.create(
        buyer_id=buyer_id, purpose=purpose, policy=policy, action=action, at=timezone.now()
    )
    consent_cache_forget(buyer_id)
    if action == ConsentAction.WITHDRAWN:
        # what other apps hold under the purpose loses the person once the withdrawal commits
        withdrawal_effects(buyer_id, purpose)
    audit_record(
        actor=actor,
        action=f"privacy.consent_{'grant' if action == ConsentAction.GRANTED else 'withdraw'}",
        obj=row,
        after={"buyer": buyer_id, "purpose": purpose, "policy": policy.version},
    )


@transaction.atomic
def consent_change(*, actor: Actor, purpose: str, action: str) -> ConsentState:
    """The buyer grants or withdraws consent for one purpose of the current policy (audited)."""
    require_buyer(actor)
    policy = require_current_policy()
    if purpose not in policy.purpose_codes():
        raise validation_error(
            [FieldError(("body", "purpose"), "not a purpose of the current policy", "unknown")]
        )
    if action not in ("grant", "withdraw"):
        raise validation_error([FieldError(("body", "action"), "grant or withdraw", "invalid_choice")])
    verb = ConsentAction.GRANTED if action == "grant" else ConsentAction.WITHDRAWN
    _record(buyer_id=actor.user_id or 0, actor=actor, policy=policy, purpose=purpose, action=verb)
    _, states = consent_states(actor.user_id)
    return next(s for s in states if s.purpose == purpose)


def consents_withdraw_all(*, buyer: Any, actor: Actor, purposes: list[str] | None) -> list[str]:
    """Withdraw every granted consent of ``buyer`` (or only ``purposes``); returns the purposes withdrawn.
    Runs inside the caller's transaction (the withdrawal request's completion)."""
    policy = current_policy()
    if policy is None:
        return []
    withdrawn = []
    for code, row in sorted(_latest(buyer).items()):
        if row.action == ConsentAction.GRANTED and (not purposes or code in purposes):
            _record(
                buyer_id=buyer.pk,
                actor=actor,
                policy=policy,
                purpose=code,
                action=ConsentAction.WITHDRAWN,
            )
            withdrawn.append(code)
    return withdrawn
