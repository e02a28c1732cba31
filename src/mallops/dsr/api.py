"""Privacy API: the current policy (public), staff publishing, the buyer's consents and data requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.profile_api import router as profile_router
from mallops.core.inputs import Id, MultilineText, Schema, Text
from mallops.dsr import consent, requests
from mallops.dsr.models import DataSubjectRequest, PrivacyPolicy

router = Router(tags=["privacy"], auth=api_auth)


class PurposeIn(Schema):
    code: str = Field(min_length=2, max_length=40)
    name: str = Field(min_length=1, max_length=60)
    scope: str = Field(min_length=1, max_length=500)
    retention: str = Field(min_length=1, max_length=200)
    legal_basis: Literal["consent", "contract", "legal_duty", "emergency", "other_law"]
    retention_days: int | None = Field(
        None, ge=0, le=36_500, description="The period in days the retention sweeps enforce (optional)"
    )


class PolicyIn(Schema):
    version: str = Field(min_length=1, max_length=20)
    text: MultilineText = Field(min_length=1, max_length=100_000)
    purposes: list[PurposeIn] = Field(min_length=1, max_length=50)


class PurposeOut(Schema):
    code: str
    name: str
    scope: str
    retention: str
    legal_basis: str
    retention_days: int | None = None


class PrivacyPolicyOut(Schema):
    version: str
    published_at: datetime
    text: str
    purposes: list[PurposeOut]


def _policy_out(policy: PrivacyPolicy) -> PrivacyPolicyOut:
    return PrivacyPolicyOut(
        version=policy.version,
        published_at=policy.published_at,
        text=policy.text,
        purposes=[PurposeOut(**p) for p in policy.purposes],
    )


@router.get("/privacy/policy", response=PrivacyPolicyOut, auth=None, summary="The current privacy policy")
def policy_current(request: HttpRequest) -> PrivacyPolicyOut:
    return _policy_out(consent.require_current_policy())


@router.post("/privacy/policies", response={201: PrivacyPolicyOut}, summary="Publish a new policy version")
def policy_publish(request: HttpRequest, payload: PolicyIn) -> Status[Any]:
    policy = consent.policy_publish(
        actor=request_actor(request),
        version=payload.version,
        text=payload.text,
        purposes=[p.dict(exclude_none=True) for p in payload.purposes],
    )
    return Status(201, _policy_out(policy))


class ConsentOut(Schema):
    purpose: str
    name: str
    legal_basis: str
    status: str
    policy_version: str | None
    at: datetime | None
    needs_renewal: bool


class ConsentListOut(Schema):
    policy_version: str
    needs_renewal: bool
    items: list[ConsentOut]


class ConsentIn(Schema):
    purpose: str = Field(min_length=1, max_length=40)
    action: Literal["grant", "withdraw"]


@router.get("/me/consents", response=ConsentListOut, summary="My consent per purpose of the current policy")
def my_consents(request: HttpRequest) -> ConsentListOut:
    consent.require_buyer(request_actor(request))
    policy, states = consent.consent_states(request.user)
    items = [ConsentOut(**vars(s)) for s in states]
    return ConsentListOut(
        policy_version=policy.version, needs_renewal=any(s.needs_renewal for s in states), items=items
    )


@router.post("/me/consents", response={201: ConsentOut}, summary="Grant or withdraw consent for a purpose")
def my_consent_change(request: HttpRequest, payload: ConsentIn) -> Status[Any]:
    state = consent.consent_change(
        actor=request_actor(request), purpose=payload.purpose, action=payload.action
    )
    return Status(201, ConsentOut(**vars(state)))


class DataCorrectionIn(Schema):
    field: Literal[
        "display_name",
        "phone",
        "address.recipient",
        "address.phone",
        "address.province",
        "address.city",
        "address.district",
        "address.detail",
    ]
    value: Text = Field(min_length=1, max_length=120, description="The correct value")
    address_id: Id | None = Field(None, description="For an address field: which of my addresses")


class DataRequestIn(Schema):
    kind: Literal["access", "portability", "correction", "deletion", "withdrawal"]
    note: MultilineText = Field(default="", max_length=2000)
    purposes: list[str] = Field(default_factory=list, max_length=50)
    correction: DataCorrectionIn | None = Field(
        None, description="What a correction request changes (else explain it in note)"
    )


class DataRequestOut(Schema):
    id: int
    kind: str
    status: str
    submitted_at: datetime
    due_at: datetime
    overdue: bool
    closed_at: datetime | None
    reason: str
    result: dict[str, Any]
    export_ready: bool
    correction_field: str


class RequestListOut(Schema):
    items: list[DataRequestOut]
    count: int


def _request_out(row: DataSubjectRequest) -> DataRequestOut:
    return DataRequestOut(
        id=row.pk,
        kind=row.kind,
        status=row.status,
        submitted_at=row.submitted_at,
        due_at=row.due_at,
        overdue=row.overdue,
        closed_at=row.closed_at,
        reason=row.reason,
        result=row.result,
        export_ready=bool(row.export),
        correction_field=row.correction_field,
    )


@router.post("/me/data-requests", response={201: DataRequestOut}, summary="Submit a data-subject request")
def my_request_submit(request: HttpRequest, payload: DataRequestIn) -> Status[Any]:
    fix = payload.correction
    row = requests.request_submit(
        actor=request_actor(request),
        kind=payload.kind,
        note=payload.note,
        purposes=payload.purposes,
        correction=requests.Correction(fix.field, fix.value, fix.address_id) if fix else None,
    )
    return Status(201, _request_out(row))


@router.get("/me/data-requests", response=RequestListOut, summary="My data-subject requests")
def my_requests(request: HttpRequest) -> RequestListOut:
    items = [_request_out(r) for r in requests.buyer_requests(actor=request_actor(request))]
    return RequestListOut(items=items, count=len(items))


@router.get(
    "/me/data-requests/{request_id}", response=DataRequestOut, summary="One of my data-subject requests"
)
def my_request_get(request: HttpRequest, request_id: int) -> DataRequestOut:
    return _request_out(requests.buyer_request_get(actor=request_actor(request), request_id=request_id))


@router.get(
    "/me/data-requests/{request_id}/export",
    response={200: dict[str, Any]},
    summary="Download the JSON copy of my data (access or portability request, once completed)",
)
def my_request_export(request: HttpRequest, request_id: int) -> HttpResponse:
    row = requests.buyer_request_get(actor=request_actor(request), request_id=request_id)
    body = requests.export_body(row)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mallops-my-data-{row.pk}.json"'
    return response


# --- staff (privacy.dsr.handle) -------------------------------------------------------------------------


class StaffRequestOut(DataRequestOut):
    buyer_id: int
    note: str
    purposes: list[str]
    escalated_at: datetime | None
    correction_address_id: int | None
    correction_value: str


class StaffRequestListOut(Schema):
    items: list[StaffRequestOut]
    count: int


def _staff_out(row: DataSubjectRequest) -> StaffRequestOut:
    return StaffRequestOut(
        **_request_out(row).dict(),
        buyer_id=row.buyer_id,
        note=row.note,
        purposes=list(row.purposes),
        escalated_at=row.escalated_at,
        correction_address_id=row.correction_address_id,
        correction_value=str(row.correction_value),
    )


class CompleteIn(Schema):
    note: MultilineText = Field(default="", max_length=500)


class DataRequestRejectIn(Schema):
    code: Literal["identity_unverified", "manifestly_unfounded", "legal_exception", "other"]
    reason: MultilineText = Field(min_length=1, max_length=450)


@router.get(
    "/privacy/data-requests",
    response=StaffRequestListOut,
    summary="Queue of data-subject requests (by due date)",
)
def staff_requests(
    request: HttpRequest, status: Literal["open", "completed", "rejected"] = "open"
) -> StaffRequestListOut:
    items = [_staff_out(r) for r in requests.staff_queue(actor=request_actor(request), status=status)[:500]]
    return StaffRequestListOut(items=items, count=len(items))


@router.get(
    "/privacy/data-requests/{request_id}", response=StaffRequestOut, summary="One data-subject request"
)
def staff_request_get(request: HttpRequest, request_id: int) -> StaffRequestOut:
    return _staff_out(requests.staff_request_get(actor=request_actor(request), request_id=request_id))


@router.post(
    "/privacy/data-requests/{request_id}/complete",
    response=StaffRequestOut,
    summary="Carry out and close a data-subject request",
)
def staff_request_complete(request: HttpRequest, request_id: int, payload: CompleteIn) -> StaffRequestOut:
    row = requests.request_complete(actor=request_actor(request), request_id=request_id, note=payload.note)
    return _staff_out(row)


@router.post(
    "/privacy/data-requests/{request_id}/reject",
    response=StaffRequestOut,
    summary="Refuse a data-subject request with a reason code and text",
)
def staff_request_reject(
    request: HttpRequest, request_id: int, payload: DataRequestRejectIn
) -> StaffRequestOut:
    row = requests.request_reject(
        actor=request_actor(request), request_id=request_id, code=payload.code, reason=payload.reason
    )
    return _staff_out(row)


# the buyer's own profile and address book (R1.3.4: view and correct), served by the accounts app's router;
# mounted here so that the privacy rights of ``/me/...`` come from one place
router.add_router("", profile_router)
