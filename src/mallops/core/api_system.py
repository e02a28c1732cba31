"""System endpoints: version and the idempotency self-test echo used by clients to check their retries."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

import mallops
from mallops.core.idempotency import require_idempotency_key
from mallops.core.inputs import Fen, Schema

router = Router(tags=["system"])


class VersionOut(Schema):
    version: str


class EchoIn(Schema):
    message: str
    amount_fen: Fen = 0


class EchoOut(Schema):
    message: str
    amount_fen: int
    request_id: str


@router.get("/version", response=VersionOut, summary="Running version (MAJOR.MINOR.PATCH)")
def version(request: HttpRequest) -> VersionOut:
    return VersionOut(version=mallops.__version__)


@router.post("/echo", response=EchoOut, summary="Echo a payload; requires an Idempotency-Key")
def echo(request: HttpRequest, payload: EchoIn) -> EchoOut:
    require_idempotency_key(request)
    return EchoOut(message=payload.message, amount_fen=payload.amount_fen, request_id=request.request_id)  # type: ignore[attr-defined]
