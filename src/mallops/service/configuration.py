"""Customer-service configuration a fresh install needs (R5.4.1, R5.4.2, R5.2.4): agent profiles for
routing, the reply library for suggestions, and who in management receives serious complaints.

Writes need ``ticket.supervise``; each runs in one transaction and writes one audit event.

* An agent profile belongs to an active staff user holding ``cs_agent`` or ``cs_supervisor`` (store
  scope: a store, or the platform when empty) or to an active store member with ``merchant_cs`` (scope:
  that member's store, always). Skills are ticket categories.
* A reply template's text passes the compliance engine before it goes live: an engine ``block`` refuses
  the save (``compliance_blocked``, findings in ``extra``); ``review`` findings are kept on the template
  and shown. Variables are written ``{买家昵称}``; an unknown one is refused (``unknown_variable``).
* An escalation target names, per complaint severity, a defined staff role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.models import Merchant, MerchantMember, RoleGrant, User
from mallops.accounts.roles import ROLES, STAFF_ROLES, Kind
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.compliance.engine import check_text
from mallops.core.actors import Actor
from mallops.core.errors import DomainError, FieldError, not_found, validation_error
from mallops.service.errors import ServiceCode
from mallops.service.models import (
    AgentProfile,
    Category,
    ComplaintSeverity,
    EscalationTarget,
    ReplyTemplate,
    Ticket,
)

SUPERVISE = "ticket.supervise"
PLATFORM_AGENT_ROLES = ("cs_agent", "cs_supervisor")
STORE_AGENT_ROLE = "merchant_cs"
MAX_OPEN_LIMIT = 500

# the variables a reply may contain and how a ticket fills them (R5.4.2)
VARIABLES = ("买家昵称", "订单号", "工单号", "店铺名称")
_VARIABLE = re.compile(r"\{([^{}\s]{1,20})\}")


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _body(field: str) -> tuple[str, ...]:
    return ("body", field)


# --- agent profiles -------------------------------------------------------------------------------------


def eligible_agents() -> list[User]:
    """Active users who may get an agent profile and have none yet, by username."""
    staff = RoleGrant.objects.filter(role__in=PLATFORM_AGENT_ROLES).values("user_id")
    store = MerchantMember.objects.unscoped(reason="agent candidates").filter(
        role=STORE_AGENT_ROLE, is_active=True
    )
    users = User.objects.filter(is_active=True, cs_profile__isnull=True).filter(
        pk__in=[*staff.values_list("user_id", flat=True), *store.values_list("user_id", flat=True)]
    )
    return list(users.order_by("username"))


def _skills(skills: list[str]) -> list[str]:
    unknown = [s for s in skills if s not in Category.values]
    if unknown:
        raise validation_error(
            [FieldError(_body("skills"), f"one of {', '.join(Category.values)}", "invalid_choice")]
        )
    return [c for c in Category.values if c in set(skills)]


def _scope(user: User, merchant_id: int | None) -> Merchant | None:
    """The store an agent works for, checked against the user's role."""
    if user.kind == Kind.MERCHANT:
        member = MerchantMember.objects.unscoped(reason="agent scope").filter(user=user).first()
        if member is None or member.role != STORE_AGENT_ROLE or not member.is_active:
            raise validation_error(
                [FieldError(_body("user_id"), "needs the CS agent or CS supervisor role", "not_an_agent")]
            )
        if merchant_id is not None and merchant_id != member.merchant_id:
            raise validation_error(
                [FieldError(_body("merchant_id"), "a store member works for their own store", "wrong_store")]
            )
        return Merchant.objects.get(pk=member.merchant_id)
    if (
        user.kind != Kind.STAFF
        or not RoleGrant.objects.filter(user=user, role__in=PLATFORM_AGENT_ROLES).exists()
    ):
        raise validation_error(
            [FieldError(_body("user_id"), "needs the CS agent or CS supervisor role", "not_an_agent")]
        )
    if merchant_id is None:
        return None
    merchant = Merchant.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise validation_error([FieldError(_body("merchant_id"), "no such merchant", "not_found")])
    return merchant


def _max_open(value: int) -> int:
    if not 1 <= value <= MAX_OPEN_LIMIT:
        raise validation_error(
            [FieldError(_body("max_open"), f"a whole number from 1 to {MAX_OPEN_LIMIT}", "out_of_range")]
        )
    return value


def _profile_state(profile: AgentProfile) -> dict[str, Any]:
    return {
        "user": profile.user_id,
        "merchant": profile.merchant_id,
        "skills": list(profile.skills),
        "max_open": profile.max_open,
        "is_available": profile.is_available,
    }


@transaction.atomic
def agent_profile_create(
    *,
    actor: Actor,
    user_id: int,
    skills: list[str],
    merchant_id: int | None = None,
    max_open: int = 30,
    is_available: bool = True,
) -> AgentProfile:
    """Give a CS user a routing profile; routing (``service.routing``) considers them at once."""
    require_permission(actor, SUPERVISE)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise validation_error([FieldError(_body("user_id"), "no such user", "not_found")])
    if AgentProfile.objects.filter(user=user).exists():
        raise validation_error([FieldError(_body("user_id"), "already has a profile", "duplicate")])
    profile = AgentProfile.objects.create(
        user=user,
        merchant=_scope(user, merchant_id),
        skills=_skills(skills),
        max_open=_max_open(max_open),
        is_available=is_available,
    )
    audit_record(
        actor=actor,
        action="service.agent_profile_created",
        obj=profile,
        after=_profile_state(profile),
    )
    return profile


@transaction.atomic
def agent_profile_update(*, actor: Actor, profile_id: int, changes: dict[str, Any]) -> AgentProfile:
    """Change skills, store scope, capacity or availability (on/off duty)."""
    require_permission(actor, SUPERVISE)
    profile = AgentProfile.objects.select_for_update().select_related("user").filter(pk=profile_id).first()
    if profile is None:
        raise not_found("agent profile")
    before = _profile_state(profile)
    allowed = {"skills", "merchant_id", "max_open", "is_available"}
    for name in changes:
        if name not in allowed:
            raise validation_error([FieldError(_body(name), "cannot be changed", "read_only")])
    if "skills" in changes:
        profile.skills = _skills(changes["skills"])
    if "merchant_id" in changes:
        profile.merchant = _scope(profile.user, changes["merchant_id"])
    if "max_open" in changes:
        profile.max_open = _max_open(changes["max_open"])
    if "is_available" in changes:
        profile.is_available = bool(changes["is_available"])
    profile.save()
    audit_record(
        actor=actor,
        action="service.agent_profile_updated",
        obj=profile,
        before=before,
        after=_profile_state(profile),
    )
    return profile


# --- reply library --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextFinding:
    """One compliance finding on a reply's text (the engine's rule, span and legal basis)."""

    field: str
    rule: str
    start: int
    end: int
    text: str
    basis: str
    severity: str

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def compliance_findings(title: str, body: str) -> list[TextFinding]:
    """The compliance engine over the title (read as a title) and the body (read as a description)."""
    found = []
    for field, engine_field, text in (("title", "title", title), ("body", "description", body)):
        if text.strip():
            for hit in check_text(engine_field, text):
                found.append(
                    TextFinding(field, hit.rule, hit.start, hit.end, hit.text, hit.basis, str(hit.severity))
                )
    return found


def template_variables(body: str) -> list[str]:
    return list(dict.fromkeys(_VARIABLE.findall(body)))


def fill_variables(body: str, ticket: Ticket) -> str:
    """The reply with its variables taken from ``ticket``; a variable without a value stays as written."""
    values = {
        "买家昵称": getattr(ticket.buyer, "display_name", "") or "",
        "订单号": ticket.order_ref,
        "工单号": ticket.number,
        "店铺名称": ticket.merchant.name if ticket.merchant is not None else "",
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1)) or m.group(0), body)


def _template_input(title: str, category: str, keywords: str, body: str) -> tuple[str, str, str, str]:
    errors = []
    title, keywords, body = title.strip(), keywords.strip(), body.strip()
    if not title:
        errors.append(FieldError(_body("title"), "must not be empty", "required"))
    elif len(title) > 100:
        errors.append(FieldError(_body("title"), "at most 100 characters", "too_long"))
    if category and category not in Category.values:
        errors.append(FieldError(_body("category"), f"one of {', '.join(Category.values)}", "invalid_choice"))
    if len(keywords) > 200:
        errors.append(FieldError(_body("keywords"), "at most 200 characters", "too_long"))
    if not body:
        errors.append(FieldError(_body("body"), "must not be empty", "required"))
    elif len(body) > 2000:
        errors.append(FieldError(_body("body"), "at most 2000 characters", "too_long"))
    unknown = [v for v in template_variables(body) if v not in VARIABLES]
    if unknown:
        errors.append(
            FieldError(
                _body("body"),
                f"unknown variable {{{unknown[0]}}}; use one of {', '.join('{' + v + '}' for v in VARIABLES)}",
                "unknown_variable",
            )
        )
    if errors:
        raise validation_error(errors)
    return title, category, keywords, body


def _checked(title: str, body: str) -> list[dict[str, Any]]:
    """Findings kept on the template; raises when one blocks (nothing is saved)."""
    findings = compliance_findings(title, body)
    blocking = [f for f in findings if f.severity == "block"]
    if blocking:
        raise DomainError(
            detail="The reply breaks content rules and cannot go live.",
            code=ServiceCode.COMPLIANCE_BLOCKED,
            status=422,
            title="Validation failed",
            errors=[
                FieldError(_body(f.field), f"{f.text}: {f.basis}", "compliance_blocked") for f in blocking
            ],
            extra={"findings": [f.as_dict() for f in findings]},
        )
    return [f.as_dict() for f in findings]


def _template_state(template: ReplyTemplate) -> dict[str, Any]:
    return {
        "title": template.title,
        "category": template.category,
        "keywords": template.keywords,
        "body": template.body,
        "is_active": template.is_active,
        "findings": len(template.findings),
    }


@transaction.atomic
def reply_template_create(
    *,
    actor: Actor,
    title: str,
    body: str,
    category: str = "",
    keywords: str = "",
) -> ReplyTemplate:
    """Add a reply to the library (live at once when the compliance check passes)."""
    require_permission(actor, SUPERVISE)
    title, category, keywords, body = _template_input(title, category, keywords, body)
    template = ReplyTemplate.objects.create(
        title=title, category=category, keywords=keywords, body=body, findings=_checked(title, body)
    )
    audit_record(
        actor=actor,
        action="service.reply_template_created",
        obj=template,
        after=_template_state(template),
    )
    return template


@transaction.atomic
def reply_template_update(
    *,
    actor: Actor,
    template_id: int,
    title: str,
    body: str,
    category: str = "",
    keywords: str = "",
) -> ReplyTemplate:
    """Edit a live reply; the new text passes the compliance check again before it replaces the old."""
    require_permission(actor, SUPERVISE)
    template = ReplyTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise not_found("reply template")
    if not template.is_active:
        raise DomainError(
            detail="A retired reply cannot be edited.",
            code=ServiceCode.TEMPLATE_RETIRED,
            status=409,
            title="Conflict",
        )
    before = _template_state(template)
    title, category, keywords, body = _template_input(title, category, keywords, body)
    template.findings = _checked(title, body)
    template.title, template.category, template.keywords, template.body = title, category, keywords, body
    template.save()
    audit_record(
        actor=actor,
        action="service.reply_template_updated",
        obj=template,
        before=before,
        after=_template_state(template),
    )
    return template


@transaction.atomic
def reply_template_retire(*, actor: Actor, template_id: int, now: datetime | None = None) -> ReplyTemplate:
    """Take a reply out of the library (kept for the record; suggestions stop at once)."""
    require_permission(actor, SUPERVISE)
    template = ReplyTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise not_found("reply template")
    if template.is_active:
        template.is_active = False
        template.retired_at = _now(now)
        template.save(update_fields=["is_active", "retired_at", "updated_at"])
        audit_record(
            actor=actor,
            action="service.reply_template_retired",
            obj=template,
            before={"is_active": True},
            after={"is_active": False},
        )
    return template


# --- escalation targets ---------------------------------------------------------------------------------

DEFAULT_MANAGEMENT_ROLE = "platform_admin"


def management_role(severity: str) -> str:
    """The role that receives serious complaints of ``severity`` (platform admins when not set)."""
    target = EscalationTarget.objects.filter(severity=severity).first()
    return target.role if target is not None else DEFAULT_MANAGEMENT_ROLE


@transaction.atomic
def escalation_target_set(
    *, actor: Actor, severity: str, role: str, now: datetime | None = None
) -> EscalationTarget:
    """Choose the management role for one complaint severity (a defined staff role, never free text)."""
    require_permission(actor, SUPERVISE)
    errors = []
    if severity not in ComplaintSeverity.values:
        errors.append(
            FieldError(_body("severity"), f"one of {', '.join(ComplaintSeverity.values)}", "invalid_choice")
        )
    if role not in STAFF_ROLES:
        errors.append(FieldError(_body("role"), f"one of {', '.join(STAFF_ROLES)}", "invalid_choice"))
    if errors:
        raise validation_error(errors)
    target = EscalationTarget.objects.select_for_update().filter(severity=severity).first()
    before = {"role": target.role if target else None}
    if target is None:
        target = EscalationTarget(severity=severity)
    target.role = role
    target.updated_at = _now(now)
    target.updated_by_id = actor.user_id
    target.save()
    audit_record(
        actor=actor,
        action="service.escalation_target_set",
        obj=target,
        before=before,
        after={"severity": severity, "role": role},
    )
    return target


def role_label(code: str) -> str:
    """A role's name in the reader's language (Chinese by default)."""
    from django.utils.translation import get_language

    role = ROLES.get(code)
    if role is None:
        return code
    return role.label_zh if (get_language() or "zh-hans").startswith("zh") else role.label_en


def staff_role_choices() -> list[tuple[str, str]]:
    """The defined staff roles with their names (the select of the escalation form)."""
    return [(code, role_label(code)) for code in STAFF_ROLES]
