"""Calendar API: list the covered years and import or correct years (``calendar.manage``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.roles import Kind
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError, permission_denied
from mallops.core.inputs import MultilineText, Schema
from mallops.workdays import selectors, services

router = Router(tags=["calendar"], auth=api_auth)


class YearOut(Schema):
    year: int
    source: str
    holidays: int
    makeup_workdays: int
    updated_at: datetime


class YearListOut(Schema):
    items: list[YearOut]
    count: int


class DayOut(Schema):
    date: date
    kind: str
    name: str


class YearDetailOut(YearOut):
    days: list[DayOut]


class ImportIn(Schema):
    format: Literal["json", "csv"] = "json"
    content: MultilineText = Field(min_length=1, max_length=200_000)


def _staff_only(request: HttpRequest) -> None:
    if getattr(request.user, "kind", None) != Kind.STAFF:
        raise permission_denied("staff")


@router.get("/calendar/years", response=YearListOut, summary="Years with holiday data")
def years_list(request: HttpRequest) -> YearListOut:
    _staff_only(request)
    items = [YearOut(**vars(s)) for s in selectors.year_summaries()]
    return YearListOut(items=items, count=len(items))


@router.get("/calendar/years/{year}", response=YearDetailOut, summary="One year's holidays and make-up days")
def year_get(request: HttpRequest, year: int) -> YearDetailOut:
    _staff_only(request)
    summary = next((s for s in selectors.year_summaries() if s.year == year), None)
    if summary is None:
        raise DomainError(
            detail=f"No holiday data for {year}.", code=CoreCode.NOT_FOUND, status=404, title="Not found"
        )
    days = [DayOut(date=d.date, kind=d.kind, name=d.name) for d in selectors.year_days(year)]
    return YearDetailOut(**vars(summary), days=days)


@router.post(
    "/calendar/years",
    response={201: YearListOut},
    summary="Import or correct years (JSON or CSV in the `mallops calendar import` formats)",
)
def years_import(request: HttpRequest, payload: ImportIn) -> Status[Any]:
    rows = services.calendar_import_text(
        actor=request_actor(request), text=payload.content, fmt=payload.format, source="api"
    )
    wanted = {r.year for r in rows}
    items = [YearOut(**vars(s)) for s in selectors.year_summaries() if s.year in wanted]
    return Status(201, YearListOut(items=items, count=len(items)))
