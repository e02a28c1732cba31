"""``POST /api/v1/compliance/check``: the CLI's JSON shapes over HTTP (a stateless calculator)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Body, Router

from mallops.compliance.api_inspections import router as inspections_router
from mallops.compliance.engine import check_items, validate_items
from mallops.core.errors import validation_error
from mallops.core.jsonpath import problems_to_errors

router = Router(tags=["compliance"])


@router.post(
    "/check",
    response=dict[str, Any],
    auth=None,
    summary="Check listing texts against the advertising/pricing rule packs",
    description=(
        'Body: `{"items": [{"id", "title", "description"?, "category"?}]}` (up to 10,000 items). Answer: '
        '`{"results": [{"id", "verdict": "pass|review|block", "findings": [{"rule", "field", "start", "end", '
        '"text", "basis", "severity"}]}]}`. Offsets are Python string offsets into the field. Stateless: no '
        "data is read or stored, so no sign-in is needed."
    ),
)
def check(request: HttpRequest, payload: Body[Any]) -> dict[str, Any]:
    problems = validate_items(payload)
    if problems:
        raise validation_error(problems_to_errors(problems))
    return {"results": check_items(payload["items"])}


# the self-inspection (staff, signed in) under the same prefix
router.add_router("", inspections_router)
