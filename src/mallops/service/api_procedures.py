"""API of standard procedures, ticket checklists and training records (R5.1.5, R8.2.1, R8.4.1).

Routes are added to the service router (imported at the end of ``mallops.service.api``). Agents
(``ticket.handle``) read procedures; supervisors (``ticket.supervise``) write them and record training.
"""

# No ``from __future__ import annotations``: see mallops.service.api (``@paginate`` and string annotations).

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Status
from ninja.pagination import paginate

from mallops.accounts.services import require_permission
from mallops.core.actors import Actor
from mallops.core.inputs import Id, IdOrZero, MultilineText, Schema, SmallInt
from mallops.core.pagination import Pagination
from mallops.service import checklist, procedures, training
from mallops.service.api import _merchant, _staff, _staff_only, router
from mallops.service.models import Procedure, ProcedureVersion, TrainingRecord
from mallops.service.schemas import ChecklistItemOut, checklist_item_out


class StepIn(Schema):
    title: str = ""
    guidance: MultilineText = ""
    is_required: bool = True


class ProcedureIn(Schema):
    code: str = ""
    name: str = ""
    categories: list[str] = []
    owner_id: Id | None = None
    pass_mark: SmallInt = 80
    resolve_requires_training: bool = False
    steps: list[StepIn] | None = None
    publish: bool = False


class ProcedurePatch(Schema):
    name: str | None = None
    owner_id: Id | None = None
    categories: list[str] | None = None
    pass_mark: SmallInt | None = None
    resolve_requires_training: bool | None = None


class VersionIn(Schema):
    steps: list[StepIn] = []
    change_note: MultilineText = ""
    publish: bool = False


class InstallIn(Schema):
    owner_id: Id | None = None


class StepOut(Schema):
    position: int
    title: str
    guidance: str
    is_required: bool


class ProcedureVersionOut(Schema):
    number: int
    state: str
    change_note: str
    created_at: datetime
    published_at: datetime | None
    retired_at: datetime | None
    steps: list[StepOut]
    trained_agents: int

    @staticmethod
    def resolve_steps(obj: ProcedureVersion) -> list[Any]:
        return list(obj.steps.order_by("position"))

    @staticmethod
    def resolve_trained_agents(obj: ProcedureVersion) -> int:
        return len(training.trained_user_ids(obj))


class ProcedureOut(Schema):
    code: str
    name: str
    categories: list[str]
    owner_id: int
    owner: str
    pass_mark: int
    resolve_requires_training: bool
    current_version: int | None
    versions: list[ProcedureVersionOut]

    @staticmethod
    def resolve_owner(obj: Procedure) -> str:
        return obj.owner.username

    @staticmethod
    def resolve_current_version(obj: Procedure) -> int | None:
        current = procedures.current_version(obj)
        return None if current is None else current.number

    @staticmethod
    def resolve_versions(obj: Procedure) -> list[Any]:
        return list(obj.versions.order_by("number"))


class StepSetIn(Schema):
    step_id: IdOrZero = 0
    done: bool = True
    note: MultilineText = ""


class TrainingIn(Schema):
    user_id: IdOrZero = 0
    procedure: str = ""
    version: SmallInt | None = None
    score: SmallInt = -1
    completed_at: datetime | None = None
    note: MultilineText = ""


class TrainingOut(Schema):
    id: int
    user_id: int
    procedure: str
    version: int
    completed_at: datetime
    score: int
    passed: bool
    recorded_by_id: int | None
    recorded_at: datetime
    note: str

    @staticmethod
    def resolve_procedure(obj: TrainingRecord) -> str:
        return obj.version.procedure.code

    @staticmethod
    def resolve_version(obj: TrainingRecord) -> int:
        return obj.version.number


class MatrixColumnOut(Schema):
    procedure: str
    name: str
    owner: str
    current_version: int | None


class MatrixCellOut(Schema):
    procedure: str
    status: str
    score: int | None
    completed_at: datetime | None


class MatrixRowOut(Schema):
    user_id: int
    username: str
    store: str
    cells: list[MatrixCellOut]


class MatrixOut(Schema):
    procedures: list[MatrixColumnOut]
    agents: list[MatrixRowOut]


def _supervisor(request: HttpRequest) -> Actor:
    actor = _staff(request)
    require_permission(actor, "ticket.supervise")
    return actor


@router.get("/service/procedures", response=list[ProcedureOut], summary="Standard procedures and owners")
def procedure_list(request: HttpRequest) -> list[Any]:
    require_permission(_staff_only(request), "ticket.handle")
    return list(Procedure.objects.select_related("owner").order_by("code"))


@router.post(
    "/service/procedures",
    response={201: ProcedureOut},
    summary="Create a procedure with its owner (steps make version 1)",
)
def procedure_create(request: HttpRequest, payload: ProcedureIn) -> Status[Any]:
    data = payload.dict()
    if data["steps"] is not None:
        data["steps"] = [dict(s) for s in data["steps"]]
    procedure = procedures.procedure_create(actor=_supervisor(request), **data)
    return Status(201, procedure)


@router.post(
    "/service/procedures/install-standard",
    response={201: list[ProcedureOut]},
    summary="Create the missing standard procedures (returns, complaints, order queries)",
)
def procedure_install(request: HttpRequest, payload: InstallIn) -> Status[Any]:
    made = procedures.procedures_install_standard(actor=_supervisor(request), owner_id=payload.owner_id)
    return Status(201, made)


@router.get("/service/procedures/{code}", response=ProcedureOut, summary="One procedure with its versions")
def procedure_get(request: HttpRequest, code: str) -> Procedure:
    require_permission(_staff_only(request), "ticket.handle")
    return procedures.procedure_get(code)


@router.patch("/service/procedures/{code}", response=ProcedureOut, summary="Change name, owner, categories")
def procedure_update(request: HttpRequest, code: str, payload: ProcedurePatch) -> Procedure:
    return procedures.procedure_update(
        actor=_supervisor(request), code=code, changes=payload.dict(exclude_unset=True)
    )


@router.post(
    "/service/procedures/{code}/versions",
    response={201: ProcedureVersionOut},
    summary="A new checklist version (draft, or published at once)",
)
def version_create(request: HttpRequest, code: str, payload: VersionIn) -> Status[Any]:
    version = procedures.procedure_version_create(
        actor=_supervisor(request),
        code=code,
        steps=[dict(s) for s in payload.dict()["steps"]],
        change_note=payload.change_note,
        publish=payload.publish,
    )
    return Status(201, version)


@router.post(
    "/service/procedures/{code}/versions/{number}/publish",
    response=ProcedureVersionOut,
    summary="Publish a draft (the previous version is retired; agents need training on it)",
)
def version_publish(request: HttpRequest, code: str, number: int) -> ProcedureVersion:
    return procedures.procedure_version_publish(actor=_supervisor(request), code=code, number=number)


@router.post(
    "/service/procedures/{code}/versions/{number}/retire",
    response=ProcedureVersionOut,
    summary="Retire a version",
)
def version_retire(request: HttpRequest, code: str, number: int) -> ProcedureVersion:
    return procedures.procedure_version_retire(actor=_supervisor(request), code=code, number=number)


@router.get("/service/training", response=MatrixOut, summary="Who is trained: agents x procedures")
def training_matrix(request: HttpRequest) -> MatrixOut:
    _supervisor(request)
    matrix = training.training_matrix()
    codes = [p.code for p, _ in matrix.procedures]
    return MatrixOut(
        procedures=[
            MatrixColumnOut(
                procedure=p.code,
                name=p.name,
                owner=p.owner.username,
                current_version=None if v is None else v.number,
            )
            for p, v in matrix.procedures
        ],
        agents=[
            MatrixRowOut(
                user_id=row.user_id,
                username=row.username,
                store=row.store,
                cells=[
                    MatrixCellOut(procedure=code, status=c.status, score=c.score, completed_at=c.completed_at)
                    for code, c in zip(codes, row.cells, strict=True)
                ],
            )
            for row in matrix.rows
        ],
    )


@router.get(
    "/service/training/records", response=list[TrainingOut], summary="Training and assessment records"
)
@paginate(Pagination)
def training_records(request: HttpRequest, user_id: int | None = None, procedure: str = "") -> Any:
    _supervisor(request)
    rows = TrainingRecord.objects.select_related("version__procedure")
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if procedure:
        rows = rows.filter(version__procedure__code=procedure)
    return rows.order_by("-completed_at", "-pk")


@router.post(
    "/service/training",
    response={201: TrainingOut},
    summary="Record a training and its assessment (passed = score >= pass mark)",
)
def training_create(request: HttpRequest, payload: TrainingIn) -> Status[Any]:
    record = training.training_record(
        actor=_supervisor(request),
        user_id=payload.user_id,
        procedure_code=payload.procedure,
        version_number=payload.version,
        score=payload.score,
        completed_at=payload.completed_at,
        note=payload.note,
    )
    return Status(201, record)


def _step_route(prefix: str, actor_of: Callable[[HttpRequest], Actor], tag: str) -> None:
    @router.post(
        f"{prefix}/{{ticket_id}}/checklist",
        response=ChecklistItemOut,
        summary=f"{tag}: tick or untick a step of the ticket's procedure checklist",
        operation_id=f"{tag}_checklist_step",
    )
    def step_set(request: HttpRequest, ticket_id: int, payload: StepSetIn) -> ChecklistItemOut:
        row = checklist.ticket_step_set(
            actor=actor_of(request),
            ticket_id=ticket_id,
            step_id=payload.step_id,
            done=payload.done,
            note=payload.note,
        )
        return checklist_item_out(row)


_step_route("/service/tickets", _staff, "service")
_step_route("/merchant/tickets", _merchant, "merchant")
