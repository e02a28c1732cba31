"""Standard procedures as data (R5.1.5): a procedure per kind of ticket, its owner and versioned checklists.

A procedure applies to ticket categories (a category belongs to one procedure at most). Its checklist
lives in versions: a draft is written, then published (the previous published version is retired in the
same transaction), and a published version can be retired without a successor (the procedure then
applies to nobody until the next one is published). The owner is a staff account holding
``ticket.supervise`` (CS supervisor or similar). Every write is one transaction and one audit event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mallops.accounts.models import User
from mallops.accounts.roles import ROLES, Kind
from mallops.accounts.selectors import user_permissions
from mallops.accounts.services import require_permission
from mallops.audit.services import audit_record
from mallops.core.actors import Actor
from mallops.core.errors import FieldError, conflict, not_found, validation_error
from mallops.service.errors import ServiceCode
from mallops.service.models import Category, Procedure, ProcedureStep, ProcedureVersion

OWNER_PERMISSION = "ticket.supervise"
MAX_STEPS = 30

# The three standard procedures (R5.1.5); installed by the demo data or the console's "install" button.
STANDARD: list[dict[str, Any]] = [
    {
        "code": "returns",
        "name": "退货退款处理",
        "categories": [Category.RETURN.value],
        "steps": [
            ("核实订单与签收日期", "在订单详情核对商品、签收日期和支付金额。", True),
            (
                "判断七天无理由资格",
                "对照不适用情形（定制、鲜活易腐、已拆封数字商品等）和下单时的确认。",
                True,
            ),
            ("请顾客上传凭证", "质量问题需照片；无理由退货需商品完好。", False),
            ("在售后单中提交退货申请", "选择退货的订单行，金额以该行实付分摊为准。", True),
            ("告知顾客退款时间与方式", "原路退回，说明到账时间。", True),
        ],
    },
    {
        "code": "complaints",
        "name": "投诉处理",
        "categories": [Category.COMPLAINT.value],
        "resolve_requires_training": True,
        "steps": [
            ("24小时内受理并告知顾客", "回复顾客已受理，并说明72小时内给出处理结果。", True),
            ("记录事实与顾客诉求", "在内部备注中写明经过、涉及人员和顾客的诉求。", True),
            ("判断是否严重投诉", "涉及人身安全、群体性或媒体曝光的，升级为严重投诉。", True),
            ("提出处理方案并征得顾客同意", "", True),
            ("记录处理结果与改进建议", "", True),
        ],
    },
    {
        "code": "order_queries",
        "name": "订单查询处理",
        "categories": [Category.ORDER_QUERY.value],
        "steps": [
            ("核实顾客身份与订单号", "仅向下单人透露订单信息。", True),
            ("查询订单状态与物流", "", True),
            ("答复顾客并给出下一步", "如需改地址、催发货，说明时限。", True),
        ],
    },
]


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def snapshot(procedure: Procedure) -> dict[str, Any]:
    current = current_version(procedure)
    return {
        "code": procedure.code,
        "name": procedure.name,
        "categories": list(procedure.categories),
        "owner": procedure.owner_id,
        "pass_mark": procedure.pass_mark,
        "resolve_requires_training": procedure.resolve_requires_training,
        "current_version": None if current is None else current.number,
    }


def current_version(procedure: Procedure) -> ProcedureVersion | None:
    """The published version, or None when the procedure has none (not in force)."""
    version: ProcedureVersion | None = procedure.versions.filter(
        state=ProcedureVersion.State.PUBLISHED
    ).first()
    return version


def version_for_category(category: str) -> ProcedureVersion | None:
    """The published version of the procedure that applies to ``category``, if any."""
    for procedure in Procedure.objects.all():
        if category in procedure.categories:
            return current_version(procedure)
    return None


def _owner(owner_id: int | None, field: str = "owner_id") -> User:
    owner = User.objects.filter(pk=owner_id, kind=Kind.STAFF, is_active=True).first() if owner_id else None
    if owner is None:
        raise validation_error([FieldError(("body", field), "no such active staff account", "not_found")])
    if OWNER_PERMISSION not in user_permissions(owner):
        raise validation_error(
            [
                FieldError(
                    ("body", field), "the owner must be a CS supervisor (ticket.supervise)", "not_supervisor"
                )
            ]
        )
    return owner


def _categories(categories: list[str], *, exclude: int | None = None) -> list[str]:
    errors: list[FieldError] = []
    if not categories:
        errors.append(FieldError(("body", "categories"), "at least one ticket category", "required"))
    taken: dict[str, str] = {}
    others = Procedure.objects.all() if exclude is None else Procedure.objects.exclude(pk=exclude)
    for other in others:
        taken.update({c: other.code for c in other.categories})
    for i, category in enumerate(categories):
        if category not in Category.values:
            errors.append(
                FieldError(
                    ("body", "categories", i), f"one of {', '.join(Category.values)}", "invalid_choice"
                )
            )
        elif category in taken:
            errors.append(
                FieldError(
                    ("body", "categories", i), f"already covered by procedure {taken[category]}", "duplicate"
                )
            )
    if errors:
        raise validation_error(errors)
    return sorted(set(categories))


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: list[FieldError] = []
    if not steps:
        errors.append(FieldError(("body", "steps"), "at least one step", "required"))
    if len(steps) > MAX_STEPS:
        errors.append(FieldError(("body", "steps"), f"at most {MAX_STEPS} steps", "too_many"))
    clean = []
    for i, step in enumerate(steps):
        title = str(step.get("title") or "").strip()
        if not title or len(title) > 200:
            errors.append(FieldError(("body", "steps", i, "title"), "1 to 200 characters", "invalid"))
        clean.append(
            {
                "title": title,
                "guidance": str(step.get("guidance") or "").strip()[:2000],
                "is_required": bool(step.get("is_required", True)),
            }
        )
    if clean and not any(s["is_required"] for s in clean):
        errors.append(FieldError(("body", "steps"), "at least one required step", "no_required_step"))
    if errors:
        raise validation_error(errors)
    return clean


def _pass_mark(value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= 100:
        raise validation_error(
            [FieldError(("body", "pass_mark"), "a whole number from 0 to 100", "out_of_range")]
        )
    return value


def procedure_get(code: str) -> Procedure:
    procedure = Procedure.objects.select_related("owner").filter(code=code).first()
    if procedure is None:
        raise not_found("procedure")
    return procedure


def _locked(code: str) -> Procedure:
    procedure = Procedure.objects.select_for_update().filter(code=code).first()
    if procedure is None:
        raise not_found("procedure")
    return procedure


def _add_version(
    procedure: Procedure, steps: list[dict[str, Any]], note: str, at: datetime
) -> ProcedureVersion:
    last = procedure.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ProcedureVersion.objects.create(
        procedure=procedure, number=last + 1, change_note=note.strip()[:300], created_at=at
    )
    ProcedureStep.objects.bulk_create(
        [ProcedureStep(version=version, position=i + 1, **step) for i, step in enumerate(steps)]
    )
    return version


def _publish(version: ProcedureVersion, at: datetime) -> ProcedureVersion | None:
    """Publish ``version``; the previously published one is retired and returned (caller holds the lock)."""
    previous = current_version(version.procedure)
    if previous is not None:
        previous.state = ProcedureVersion.State.RETIRED
        previous.retired_at = at
        previous.save(update_fields=["state", "retired_at"])
    version.state = ProcedureVersion.State.PUBLISHED
    version.published_at = at
    version.save(update_fields=["state", "published_at"])
    return previous


@transaction.atomic
def procedure_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    categories: list[str],
    owner_id: int | None,
    pass_mark: int = 80,
    resolve_requires_training: bool = False,
    steps: list[dict[str, Any]] | None = None,
    publish: bool = False,
    now: datetime | None = None,
) -> Procedure:
    """A new procedure with its owner; ``steps`` make version 1 (published at once with ``publish``)."""
    require_permission(actor, "ticket.supervise")
    at = _now(now)
    errors: list[FieldError] = []
    code = (code or "").strip()
    if (
        not code
        or len(code) > 40
        or not code.replace("_", "").replace("-", "").isalnum()
        or not code.isascii()
    ):
        errors.append(FieldError(("body", "code"), "1 to 40 letters, digits, - or _", "invalid"))
    elif Procedure.objects.filter(code=code).exists():
        errors.append(FieldError(("body", "code"), "a procedure with this code exists", "duplicate"))
    name = (name or "").strip()
    if not name or len(name) > 100:
        errors.append(FieldError(("body", "name"), "1 to 100 characters", "invalid"))
    if errors:
        raise validation_error(errors)
    owner = _owner(owner_id)
    clean_categories = _categories(categories)
    clean_steps = _steps(steps) if steps is not None else None
    procedure = Procedure.objects.create(
        code=code,
        name=name,
        categories=clean_categories,
        owner=owner,
        pass_mark=_pass_mark(pass_mark),
        resolve_requires_training=bool(resolve_requires_training),
        created_at=at,
    )
    if clean_steps is not None:
        version = _add_version(procedure, clean_steps, "first version", at)
        if publish:
            _publish(version, at)
    audit_record(
        actor=actor,
        action="service.procedure_created",
        obj=procedure,
        after=snapshot(procedure),
    )
    return procedure


@transaction.atomic
def procedure_update(*, actor: Actor, code: str, changes: dict[str, Any]) -> Procedure:
    """Change the name, owner, categories, pass mark or whether resolving requires training. The owner
    stays required."""
    require_permission(actor, "ticket.supervise")
    procedure = _locked(code)
    before = snapshot(procedure)
    if "owner_id" in changes:
        procedure.owner = _owner(changes["owner_id"])
    if "categories" in changes:
        procedure.categories = _categories(changes["categories"] or [], exclude=procedure.pk)
    if "pass_mark" in changes:
        procedure.pass_mark = _pass_mark(changes["pass_mark"])
    if changes.get("resolve_requires_training") is not None:
        procedure.resolve_requires_training = bool(changes["resolve_requires_training"])
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if not name or len(name) > 100:
            raise validation_error([FieldError(("body", "name"), "1 to 100 characters", "invalid")])
        procedure.name = name
    procedure.save()
    audit_record(
        actor=actor,
        action="service.procedure_updated",
        obj=procedure,
        before=before,
        after=snapshot(procedure),
    )
    return procedure


@transaction.atomic
def procedure_version_create(
    *,
    actor: Actor,
    code: str,
    steps: list[dict[str, Any]],
    change_note: str = "",
    publish: bool = False,
    now: datetime | None = None,
) -> ProcedureVersion:
    """A new checklist version (draft, or published at once). Agents need training on it again."""
    require_permission(actor, "ticket.supervise")
    at = _now(now)
    procedure = _locked(code)
    version = _add_version(procedure, _steps(steps), change_note, at)
    previous = _publish(version, at) if publish else None
    audit_record(
        actor=actor,
        action="service.procedure_version_created",
        obj=version,
        after={
            "procedure": procedure.code,
            "number": version.number,
            "state": version.state,
            "steps": [s["title"] for s in steps],
            "retired": None if previous is None else previous.number,
        },
    )
    return version


def _version(actor: Actor, code: str, number: int) -> ProcedureVersion:
    """A supervisor's hold on one version: permission checked, the procedure and the version locked."""
    require_permission(actor, "ticket.supervise")
    version = _locked(code).versions.select_for_update().filter(number=number).first()
    if version is None:
        raise not_found("procedure version")
    return version


@transaction.atomic
def procedure_version_publish(
    *, actor: Actor, code: str, number: int, now: datetime | None = None
) -> ProcedureVersion:
    """Publish a draft: it becomes the current version; the previous one is retired."""
    version = _version(actor, code, number)
    if version.state != ProcedureVersion.State.DRAFT:
        raise conflict(
            f"Version {number} is {version.state}; only a draft can be published.", code=ServiceCode.NOT_DRAFT
        )
    previous = _publish(version, _now(now))
    audit_record(
        actor=actor,
        action="service.procedure_version_published",
        obj=version,
        before={"state": "draft", "current_version": None if previous is None else previous.number},
        after={"state": version.state, "current_version": version.number},
    )
    return version


@transaction.atomic
def procedure_version_retire(
    *, actor: Actor, code: str, number: int, now: datetime | None = None
) -> ProcedureVersion:
    """Retire a draft or the published version (the procedure is then not in force until the next one)."""
    version = _version(actor, code, number)
    if version.state == ProcedureVersion.State.RETIRED:
        raise conflict(f"Version {number} is already retired.", code=ServiceCode.ALREADY_RETIRED)
    before = version.state
    version.state = ProcedureVersion.State.RETIRED
    version.retired_at = _now(now)
    version.save(update_fields=["state", "retired_at"])
    audit_record(
        actor=actor,
        action="service.procedure_version_retired",
        obj=version,
        before={"state": before},
        after={"state": version.state},
    )
    return version


@transaction.atomic
def procedures_install_standard(
    *, actor: Actor, owner_id: int | None, now: datetime | None = None
) -> list[Procedure]:
    """Create the standard procedures (returns, complaints, order queries) that do not exist yet, each
    with version 1 published and ``owner_id`` as owner. Existing ones are left alone."""
    require_permission(actor, "ticket.supervise")
    _owner(owner_id)
    made = []
    for spec in STANDARD:
        if Procedure.objects.filter(code=spec["code"]).exists():
            continue
        made.append(
            procedure_create(
                actor=actor,
                code=spec["code"],
                name=spec["name"],
                categories=spec["categories"],
                owner_id=owner_id,
                resolve_requires_training=spec.get("resolve_requires_training", False),
                steps=[{"title": t, "guidance": g, "is_required": r} for t, g, r in spec["steps"]],
                publish=True,
                now=now,
            )
        )
    return made


def possible_owners() -> list[User]:
    """Active staff accounts that may own a procedure (a role granting ``ticket.supervise``)."""
    roles = [code for code, role in ROLES.items() if OWNER_PERMISSION in role.permissions]
    return list(
        User.objects.filter(kind=Kind.STAFF, is_active=True, role_grants__role__in=roles)
        .distinct()
        .order_by("username")
    )
