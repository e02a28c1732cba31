"""Buyer self-service API: ``/me/profile`` and ``/me/addresses`` (R1.3.4). Parse, authorise, call one
service from :mod:`mallops.accounts.profile`, serialise. Address changes are assessed by risk control first
(``address_change_assess``: it commits on its own, so before the write; it never refuses a change, it
feeds the account-takeover and linkage rules)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from mallops.accounts import profile, risk_gate
from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.models import Address, User
from mallops.core.inputs import Phone, Schema, Text

router = Router(tags=["identity"], auth=api_auth)


class BuyerProfileOut(Schema):
    username: str
    display_name: str
    phone: str


class BuyerProfilePatchIn(Schema):
    display_name: Text | None = Field(None, min_length=1, max_length=50)
    phone: Phone | None = None


class BuyerAddressIn(Schema):
    recipient: Text = Field(min_length=2, max_length=20)
    phone: Phone
    province: Text = Field(min_length=2, max_length=20, description="e.g. 浙江省")
    city: Text = Field(min_length=2, max_length=30, description="e.g. 杭州市")
    district: Text = Field(min_length=2, max_length=30, description="e.g. 西湖区")
    detail: Text = Field(min_length=5, max_length=120)
    is_default: bool = False


class BuyerAddressPatchIn(Schema):
    recipient: Text | None = Field(None, min_length=2, max_length=20)
    phone: Phone | None = None
    province: Text | None = Field(None, min_length=2, max_length=20)
    city: Text | None = Field(None, min_length=2, max_length=30)
    district: Text | None = Field(None, min_length=2, max_length=30)
    detail: Text | None = Field(None, min_length=5, max_length=120)
    is_default: bool | None = None


class BuyerAddressOut(Schema):
    id: int
    recipient: str
    phone: str
    province: str
    city: str
    district: str
    detail: str
    is_default: bool


class BuyerAddressListOut(Schema):
    items: list[BuyerAddressOut]
    count: int


def _profile_out(user: User) -> BuyerProfileOut:
    return BuyerProfileOut(username=user.username, display_name=user.display_name, phone=user.phone)


def _address_out(row: Address) -> BuyerAddressOut:
    return BuyerAddressOut(
        id=row.pk,
        recipient=row.recipient,
        phone=row.phone,
        province=row.province,
        city=row.city,
        district=row.district,
        detail=row.detail,
        is_default=row.is_default,
    )


@router.get("/me/profile", response=BuyerProfileOut, summary="My profile (buyers)")
def my_profile(request: HttpRequest) -> BuyerProfileOut:
    return _profile_out(profile.profile_get(actor=request_actor(request)))


@router.patch("/me/profile", response=BuyerProfileOut, summary="Change my display name or mobile number")
def my_profile_update(request: HttpRequest, payload: BuyerProfilePatchIn) -> BuyerProfileOut:
    user = profile.profile_update(
        actor=request_actor(request), display_name=payload.display_name, phone=payload.phone
    )
    return _profile_out(user)


@router.get("/me/addresses", response=BuyerAddressListOut, summary="My address book")
def my_addresses(request: HttpRequest) -> BuyerAddressListOut:
    items = [_address_out(row) for row in profile.address_list(actor=request_actor(request))]
    return BuyerAddressListOut(items=items, count=len(items))


@router.post("/me/addresses", response={201: BuyerAddressOut}, summary="Add an address")
def my_address_create(request: HttpRequest, payload: BuyerAddressIn) -> Status[Any]:
    actor = request_actor(request)
    buyer_id = profile.require_buyer(actor)
    data = profile.AddressInput(**payload.dict())
    profile.address_check({name: getattr(data, name) for name in profile.ADDRESS_FIELDS})
    risk_gate.address_change_assess(buyer_id=buyer_id, address=profile.address_text(data), request=request)
    return Status(201, _address_out(profile.address_create(actor=actor, data=data)))


@router.patch("/me/addresses/{address_id}", response=BuyerAddressOut, summary="Change an address")
def my_address_update(request: HttpRequest, address_id: int, payload: BuyerAddressPatchIn) -> BuyerAddressOut:
    actor = request_actor(request)
    current = profile.address_get(actor=actor, address_id=address_id)
    # a field sent as null changes nothing (the default flag cannot be nulled)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    profile.address_check({k: v for k, v in changes.items() if k in profile.ADDRESS_FIELDS})
    if set(changes) & set(profile.ADDRESS_FIELDS):
        merged = {name: changes.get(name, getattr(current, name)) for name in profile.ADDRESS_FIELDS}
        risk_gate.address_change_assess(
            buyer_id=current.user_id,
            address=profile.address_text(profile.AddressInput(**merged)),
            request=request,
        )
    row = profile.address_update(actor=actor, address_id=address_id, changes=changes)
    return _address_out(row)


@router.delete("/me/addresses/{address_id}", response={204: None}, summary="Delete an address")
def my_address_delete(request: HttpRequest, address_id: int) -> Status[None]:
    profile.address_delete(actor=request_actor(request), address_id=address_id)
    return Status(204, None)
