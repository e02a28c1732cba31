"""Identity API: tokens, who am I, buyers, staff, merchants, and the merchant's own staff."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from pydantic import Field

from mallops.accounts import licences, risk_gate, selectors, services
from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.errors import AccountsCode
from mallops.accounts.models import Merchant, MerchantMember, User
from mallops.accounts.roles import ROLES, Kind
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import Schema, multipart_files
from mallops.core.pagination import Pagination

router = Router(tags=["identity"])
merchant_router = Router(tags=["merchant"], auth=api_auth)


def _actor(request: HttpRequest) -> Actor:
    """The ``Actor`` of the authenticated user (the router's auth guarantees one)."""
    return request_actor(request)


def _ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=256)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class MerchantRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    username: str
    kind: str
    roles: list[str]
    merchant: MerchantRef | None


@router.post("/auth/token", response={201: TokenOut}, auth=None, summary="Issue an API token")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    issued = services.token_issue_or_record_failure(
        username=payload.username, password=payload.password, ip=_ip(request)
    )
    if issued.record.user.kind == Kind.BUYER:
        risk_gate.login_assess(buyer_id=issued.record.user_id, request=request)
    return Status(201, TokenOut(token=issued.token, expires_at=issued.expires_at))


@router.delete("/auth/token", response={204: None}, auth=api_auth, summary="Revoke the token in use")
def token_delete(request: HttpRequest) -> Status[Any]:
    token_id = getattr(request.user, "_token_id", None)
    if token_id is None:
        raise DomainError(
            detail="Sign out of the console instead.", code=AccountsCode.NOT_A_TOKEN, status=400
        )
    services.token_revoke(actor=_actor(request), token_id=token_id)
    return Status(204, None)


@router.get("/me", response=MeOut, auth=api_auth, summary="The signed-in user")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.user
    member = selectors.user_merchant(user)
    return MeOut(
        username=user.username,
        kind=user.kind,
        roles=sorted(selectors.user_role_codes(user)),
        merchant=MerchantRef(id=member.merchant.pk, name=member.merchant.name) if member else None,
    )


class BuyerIn(Schema):
    phone: str
    password: str
    display_name: str = ""


class BuyerOut(Schema):
    username: str
    kind: str


@router.post("/buyers", response={201: BuyerOut}, auth=None, summary="Register a buyer (mobile + password)")
def buyer_create(request: HttpRequest, payload: BuyerIn) -> Status[Any]:
    user = services.buyer_register(
        phone=payload.phone, password=payload.password, display_name=payload.display_name
    )
    # after the registration's own transaction: risk assessment commits on its own
    risk_gate.register_assess(buyer_id=user.pk, request=request)
    return Status(201, BuyerOut(username=user.username, kind=user.kind))


class StaffIn(Schema):
    username: str
    password: str
    roles: list[str]
    email: str = ""


class StaffPatch(Schema):
    roles: list[str] | None = None
    is_active: bool | None = None
    email: str | None = None


class StaffPasswordIn(Schema):
    password: str = Field(min_length=1, max_length=256)


class StaffRoleOut(Schema):
    code: str
    label_zh: str
    label_en: str
    permissions: list[str]


class StaffOut(Schema):
    id: int
    username: str
    is_active: bool
    roles: list[str]


def _staff_out(user: User) -> StaffOut:
    return StaffOut(
        id=user.pk,
        username=user.username,
        is_active=user.is_active,
        roles=sorted(selectors.user_role_codes(user)),
    )


@router.get("/staff", response=list[StaffOut], auth=api_auth, summary="Platform staff")
@paginate(Pagination)
def staff_list(request: HttpRequest, **kwargs: Any) -> list[StaffOut]:
    services.require_permission(_actor(request), "staff.manage")
    return [_staff_out(u) for u in User.objects.filter(kind=Kind.STAFF).order_by("pk")]


@router.post("/staff", response={201: StaffOut}, auth=api_auth, summary="Create a staff account")
def staff_create(request: HttpRequest, payload: StaffIn) -> Status[Any]:
    user = services.staff_create(
        actor=_actor(request),
        username=payload.username,
        password=payload.password,
        roles=payload.roles,
        email=payload.email,
    )
    return Status(201, _staff_out(user))


@router.patch("/staff/{user_id}", response=StaffOut, auth=api_auth, summary="Change roles or disable")
def staff_patch(request: HttpRequest, user_id: int, payload: StaffPatch) -> StaffOut:
    user = services.staff_update(
        actor=_actor(request),
        user_id=user_id,
        roles=payload.roles,
        is_active=payload.is_active,
        email=payload.email,
    )
    return _staff_out(user)


@router.post("/staff/{user_id}/password", response={204: None}, auth=api_auth, summary="Set a new password")
def staff_password(request: HttpRequest, user_id: int, payload: StaffPasswordIn) -> Status[Any]:
    services.staff_password_set(actor=_actor(request), user_id=user_id, password=payload.password)
    return Status(204, None)


@router.get(
    "/staff-roles", response=list[StaffRoleOut], auth=api_auth, summary="The staff roles one can grant"
)
def staff_roles(request: HttpRequest) -> list[StaffRoleOut]:
    services.require_permission(_actor(request), "staff.manage")
    return [
        StaffRoleOut(code=r.code, label_zh=r.label_zh, label_en=r.label_en, permissions=sorted(r.permissions))
        for r in ROLES.values()
        if r.kind is Kind.STAFF
    ]


class UnlockIn(Schema):
    username: str


@router.post("/auth/unlock", response={204: None}, auth=api_auth, summary="Unlock a locked sign-in")
def login_unlock(request: HttpRequest, payload: UnlockIn) -> Status[Any]:
    services.login_unlock(actor=_actor(request), username=payload.username)
    return Status(204, None)


class MerchantIn(Schema):
    name: str
    licence_number: str
    contact_name: str
    contact_phone: str
    owner_username: str
    owner_password: str


class MerchantOut(Schema):
    id: int
    name: str
    licence_number: str
    is_active: bool
    suspended_reason: str
    has_licence_file: bool

    @staticmethod
    def resolve_has_licence_file(merchant: Merchant) -> bool:
        return bool(merchant.licence_file)


class MerchantPatch(Schema):
    name: str | None = None
    licence_number: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


class MerchantReasonIn(Schema):
    reason: str = Field(max_length=200)


@router.get("/merchants", response=list[MerchantOut], auth=api_auth, summary="Merchants (platform)")
@paginate(Pagination)
def merchant_list(request: HttpRequest, **kwargs: Any) -> Any:
    services.require_permission(_actor(request), "merchant.view")
    return Merchant.objects.order_by("pk")


@router.post("/merchants", response={201: MerchantOut}, auth=api_auth, summary="Onboard a merchant")
def merchant_create(request: HttpRequest, payload: MerchantIn) -> Status[Any]:
    merchant = services.merchant_onboard(actor=_actor(request), **payload.dict())
    return Status(201, merchant)


@router.patch("/merchants/{merchant_id}", response=MerchantOut, auth=api_auth, summary="Edit a merchant")
def merchant_patch(request: HttpRequest, merchant_id: int, payload: MerchantPatch) -> Merchant:
    return services.merchant_update(actor=_actor(request), merchant_id=merchant_id, **payload.dict())


@router.post(
    "/merchants/{merchant_id}/suspend", response=MerchantOut, auth=api_auth, summary="Suspend a merchant"
)
def merchant_suspend(request: HttpRequest, merchant_id: int, payload: MerchantReasonIn) -> Merchant:
    return services.merchant_suspend(actor=_actor(request), merchant_id=merchant_id, reason=payload.reason)


@router.post(
    "/merchants/{merchant_id}/resume", response=MerchantOut, auth=api_auth, summary="Resume a merchant"
)
def merchant_resume(request: HttpRequest, merchant_id: int, payload: MerchantReasonIn) -> Merchant:
    return services.merchant_resume(actor=_actor(request), merchant_id=merchant_id, reason=payload.reason)


@router.post(
    "/merchants/{merchant_id}/licence",
    response=MerchantOut,
    auth=api_auth,
    summary="Upload the business licence scan (multipart field 'file': PDF, JPEG or PNG, at most 10 MB)",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                }
            }
        }
    },
)
def merchant_licence_upload(request: HttpRequest, merchant_id: int) -> Merchant:
    services.require_permission(_actor(request), "merchant.onboard")
    _form, files = multipart_files(request)  # read only after the permission check
    return licences.merchant_licence_upload(
        actor=_actor(request), merchant_id=merchant_id, upload=files.get("file")
    )


@router.get("/merchants/{merchant_id}/licence", auth=api_auth, summary="The business licence scan (the file)")
def merchant_licence_file(request: HttpRequest, merchant_id: int) -> FileResponse:
    handle, content_type = licences.merchant_licence_open(actor=_actor(request), merchant_id=merchant_id)
    return FileResponse(handle, content_type=content_type or "application/octet-stream")


class MemberOut(Schema):
    id: int
    username: str
    role: str
    is_active: bool


class MemberIn(Schema):
    username: str
    password: str
    role: str


class MemberPatch(Schema):
    role: str | None = None
    is_active: bool | None = None


def _member_out(member: MerchantMember) -> MemberOut:
    return MemberOut(
        id=member.pk, username=member.user.username, role=member.role, is_active=member.is_active
    )


@merchant_router.get("/staff", response=list[MemberOut], summary="My store's staff")
@paginate(Pagination)
def merchant_staff_list(request: HttpRequest, **kwargs: Any) -> list[MemberOut]:
    services.require_permission(_actor(request), "store.staff.view")
    return [_member_out(m) for m in selectors.merchant_staff_list(actor=_actor(request))]


@merchant_router.get("/staff/{member_id}", response=MemberOut, summary="One of my store's staff")
def merchant_staff_get(request: HttpRequest, member_id: int) -> MemberOut:
    services.require_permission(_actor(request), "store.staff.view")
    return _member_out(selectors.merchant_staff_get(actor=_actor(request), member_id=member_id))


@merchant_router.post("/staff", response={201: MemberOut}, summary="Add a member to my store")
def merchant_staff_add(request: HttpRequest, payload: MemberIn) -> Status[Any]:
    member = services.merchant_member_add(
        actor=_actor(request),
        username=payload.username,
        password=payload.password,
        role=payload.role,
    )
    return Status(201, _member_out(member))


@merchant_router.patch(
    "/staff/{member_id}", response=MemberOut, summary="Change the role of my store's member, or remove them"
)
def merchant_staff_patch(request: HttpRequest, member_id: int, payload: MemberPatch) -> MemberOut:
    member = services.merchant_member_update(
        actor=_actor(request),
        member_id=member_id,
        role=payload.role,
        is_active=payload.is_active,
    )
    return _member_out(member)
