"""Listing review API: the merchant's listings (submit, findings, history, diff) and the platform's
review queue (claim, approve, reject) and metrics."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Body, Router, Status
from ninja.pagination import paginate
from pydantic import Field

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.services import require_permission
from mallops.catalogue.api import merchant_scope, parse_body
from mallops.core.errors import FieldError, validation_error
from mallops.core.inputs import Id, MultilineText, Schema, Text, multipart_files
from mallops.core.pagination import FixedPage, PageRows, Pagination, paginate_rows
from mallops.core.words import label
from mallops.review import importing, list_reads, presenters, product_list, selectors, services
from mallops.review.checks import rule_basis, rule_ids
from mallops.review.contracts import ManualFinding
from mallops.review.models import Listing, ListingVersion

router = Router(tags=["review"], auth=api_auth)


class ListingIn(Schema):
    product_id: Id


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _optional_json(request: HttpRequest) -> Any:
    """The JSON body, or ``{}`` when the request sends none (422 when a JSON body does not parse)."""
    if request.content_type != "application/json" or not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise validation_error([FieldError(("body",), "the body must be JSON", "json_invalid")]) from exc


class ListingOut(Schema):
    id: int
    product_id: int
    title: str
    status: str
    is_visible: bool
    live_version: int | None
    pending_version_id: int | None
    takedown_reason: str
    takedown_kind: str
    takedown_rule: str
    takedown_article: str
    updated_at: datetime

    @staticmethod
    def resolve_title(obj: Listing) -> str:
        return str(obj.product.title)

    @staticmethod
    def resolve_live_version(obj: Listing) -> int | None:
        return obj.live_version.number if obj.live_version else None


class QueueItemOut(Schema):
    listing_id: int
    version: int
    title: str
    category: str
    submitted_at: datetime
    claimed_by: str | None
    claim_due_at: datetime | None
    findings: int

    @staticmethod
    def resolve_version(obj: ListingVersion) -> int:
        return int(obj.number)

    @staticmethod
    def resolve_title(obj: ListingVersion) -> str:
        return str(obj.snapshot.get("title", ""))

    @staticmethod
    def resolve_category(obj: ListingVersion) -> str:
        return str(obj.snapshot.get("category", ""))

    @staticmethod
    def resolve_claimed_by(obj: ListingVersion) -> str | None:
        return obj.claimed_by.username if obj.claimed_by else None

    @staticmethod
    def resolve_findings(obj: Any) -> int:
        return int(getattr(obj, "findings_count", 0) or 0)


class ApproveIn(Schema):
    note: str = ""


class ManualFindingIn(Schema):
    rule: Text = Field(max_length=64)
    field: Text = Field(max_length=120)
    text: Text = Field(default="", max_length=200)
    start: int | None = Field(default=None, ge=0, le=100_000)
    article: Text = Field(default="", max_length=200)
    message: Text = Field(default="", max_length=300)


class ListingRejectIn(Schema):
    reason_codes: list[str]
    note: MultilineText = ""
    findings: list[ManualFindingIn] = Field(default_factory=list, max_length=50)


class TakedownIn(Schema):
    reason: Text = Field(max_length=200)
    rule: Text = Field(default="", max_length=64)
    article: Text = Field(default="", max_length=200)


class DelistIn(Schema):
    reason: Text = Field(default="", max_length=200)


class PlatformProductOut(Schema):
    id: int
    title: str
    merchant_id: int
    merchant_name: str
    category_code: str
    category_name: str
    listing_id: int | None
    status: str
    is_visible: bool
    created_at: datetime
    updated_at: datetime


@router.get("/merchant/listings", response=list[ListingOut], summary="Own listings")
@paginate(Pagination)
def listing_list(request: HttpRequest) -> QuerySet[Listing]:
    return selectors.listing_list(merchant_id=merchant_scope(request))


@router.post("/merchant/listings", response={201: dict[str, Any]}, summary="Open a listing for a product")
def listing_create(request: HttpRequest, payload: ListingIn) -> Status[Any]:
    merchant_id = merchant_scope(request)
    listing = services.listing_create(
        actor=request_actor(request), merchant_id=merchant_id, product_id=payload.product_id
    )
    return Status(201, presenters.listing_summary(listing))


@router.get(
    "/merchant/listings/{listing_id}",
    response=dict[str, Any],
    summary="One own listing with every version, its findings, decisions and the quality score",
)
def listing_get(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    merchant_id = merchant_scope(request)
    return presenters.listing_detail(selectors.listing_get(merchant_id=merchant_id, listing_id=listing_id))


@router.post(
    "/merchant/listings/{listing_id}/submit",
    response=dict[str, Any],
    summary="Submit the product's current content as a new version (automated checks run at once)",
)
def listing_submit(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    merchant_id = merchant_scope(request)
    version = services.listing_submit(
        actor=request_actor(request), merchant_id=merchant_id, listing_id=listing_id
    )
    return presenters.version_dict(version, selectors.version_findings(version))


@router.get(
    "/merchant/listings/{listing_id}/diff",
    response=list[dict[str, Any]],
    summary="Fields changed between two versions",
)
def listing_diff(
    request: HttpRequest, listing_id: int, from_version: int | None = None, to_version: int | None = None
) -> list[dict[str, Any]]:
    merchant_id = merchant_scope(request)
    listing = selectors.listing_get(merchant_id=merchant_id, listing_id=listing_id)
    return selectors.listing_diff(listing, from_version, to_version)


@router.get(
    "/merchant/products/{product_id}/quality",
    response=dict[str, Any],
    summary="Detail-page quality score of the product's current content, with what is missing (R2.2.1)",
)
def product_quality(request: HttpRequest, product_id: int) -> dict[str, Any]:
    merchant_id = merchant_scope(request)
    return selectors.product_quality(merchant_id=merchant_id, product_id=product_id)


@router.get("/review/queue", response=list[QueueItemOut], summary="Versions waiting for review, oldest first")
@paginate_rows
def review_queue(request: HttpRequest) -> FixedPage:
    return list_reads.review_queue_page(actor=request_actor(request))


@router.get(
    "/review/listings/{listing_id}",
    response=dict[str, Any],
    summary="A listing as the reviewer sees it: versions, findings, diff against the live version",
)
def review_listing(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    require_permission(request_actor(request), "listing.view")
    listing = selectors.listing_get_for_platform(
        actor=request_actor(request), permission="listing.view", listing_id=listing_id
    )
    data = presenters.listing_detail(listing)
    versions = selectors.listing_versions(listing)
    live = next((v for v in versions if v.pk == listing.live_version_id), None)
    pending = next((v for v in versions if v.pk == listing.pending_version_id), None)
    data["merchant_id"] = listing.merchant_id
    data["diff_from_live"] = (
        selectors.version_diff(live.snapshot, pending.snapshot)
        if live is not None and pending is not None
        else []
    )
    return data


@router.post(
    "/review/listings/{listing_id}/claim", response=dict[str, Any], summary="Claim a listing for review"
)
def review_claim(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    version = services.listing_claim(actor=request_actor(request), listing_id=listing_id)
    return {"listing_id": listing_id, "version": version.number, "claim_due_at": version.claim_due_at}


@router.post(
    "/review/listings/{listing_id}/approve",
    response=dict[str, Any],
    summary="Approve: the version goes live",
    description='Optional JSON body `{"note": "..."}`; an empty body approves without a note.',
    openapi_extra={
        "requestBody": {
            "required": False,
            "content": {
                "application/json": {"schema": {"type": "object", "properties": {"note": {"type": "string"}}}}
            },
        }
    },
)
def review_approve(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    body = parse_body(ApproveIn, _optional_json(request))
    version = services.listing_approve(actor=request_actor(request), listing_id=listing_id, note=body.note)
    return {"listing_id": listing_id, "version": version.number, "status": version.status}


@router.post(
    "/review/listings/{listing_id}/reject",
    response=dict[str, Any],
    summary="Reject with reason codes and a note",
)
def review_reject(request: HttpRequest, listing_id: int, payload: Body[Any]) -> dict[str, Any]:
    require_permission(request_actor(request), "listing.review")
    body = parse_body(ListingRejectIn, payload)
    version = services.listing_reject(
        actor=request_actor(request),
        listing_id=listing_id,
        reason_codes=body.reason_codes,
        note=body.note,
        findings=[ManualFinding(**f.model_dump()) for f in body.findings],
    )
    return {
        "listing_id": listing_id,
        "version": version.number,
        "status": version.status,
        "reason_codes": version.reason_codes,
        "findings": [presenters.finding_dict(f) for f in selectors.version_findings(version)],
    }


@router.post(
    "/review/listings/{listing_id}/take-down",
    response=dict[str, Any],
    summary="Take a live listing down (listing.takedown): reason, rule, article; the merchant is notified",
    description=(
        "`rule` is a compliance rule id (see `GET /review/rules`), `article` the legal basis (defaults to the "
        "rule's); a rule or an article is required. 409 `not_live` when buyers do not see the listing. "
        "Reversed when the merchant resubmits and a reviewer approves."
    ),
)
def review_take_down(request: HttpRequest, listing_id: int, payload: Body[Any]) -> dict[str, Any]:
    require_permission(request_actor(request), "listing.takedown")
    body = parse_body(TakedownIn, payload)
    listing = services.listing_take_down(
        actor=request_actor(request),
        listing_id=listing_id,
        reason=body.reason,
        rule=body.rule,
        article=body.article,
    )
    return presenters.listing_summary(listing)


@router.get(
    "/review/rules",
    response=list[dict[str, str]],
    summary="Rules a take-down or a manual finding may cite: id, name, legal basis",
)
def review_rules(request: HttpRequest) -> list[dict[str, str]]:
    require_permission(request_actor(request), "listing.view")
    return [
        {"id": rule_id, "name": label(rule_id, "compliance.rule"), "basis": rule_basis(rule_id) or ""}
        for rule_id in rule_ids()
    ]


@router.post(
    "/merchant/listings/{listing_id}/delist",
    response=dict[str, Any],
    summary="Take an own live listing off sale; relisting is a resubmission through review",
)
def listing_delist(request: HttpRequest, listing_id: int) -> dict[str, Any]:
    merchant_id = merchant_scope(request)
    body = parse_body(DelistIn, _optional_json(request))
    listing = services.listing_delist(
        actor=request_actor(request),
        merchant_id=merchant_id,
        listing_id=listing_id,
        reason=body.reason,
    )
    return presenters.listing_summary(listing)


@router.get(
    "/platform/products",
    response=list[PlatformProductOut],
    summary="Every store's products with their listing status (listing.view)",
    description=(
        "Query: `q` (title), `status` (draft, auto_rejected, in_review, rejected, live, taken_down), `category` "
        "(code; its subcategories too), `merchant_id`, `created_from`/`created_to` (YYYY-MM-DD, Beijing days, both "
        "included), `sort` (id, title, created_at, updated_at, status; `-` for descending)."
    ),
)
@paginate_rows
def platform_products(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    category: str = "",
    merchant_id: int = 0,
    created_from: str = "",
    created_to: str = "",
    sort: str = "-id",
) -> PageRows:
    # plain text parameters: this module's annotations are strings, which paginate_rows' wrapper resolves
    # in django-ninja's globals (``date`` is not there); a bad date is ignored, as on the console page
    require_permission(request_actor(request), "listing.view")
    query = product_list.ProductQuery(
        q=q,
        status=status,
        category=category,
        merchant_id=merchant_id or None,
        date_from=_day(created_from),
        date_to=_day(created_to),
        sort=sort,
    )
    products = product_list.filtered(product_list.platform_products(actor=request_actor(request)), query)
    return PageRows(products, lambda page: [product_list.product_row(p) for p in page])


@router.get(
    "/review/metrics", response=dict[str, Any], summary="Pass rate, violations per rule, turnaround, backlog"
)
def review_metrics(
    request: HttpRequest, since: datetime | None = None, until: datetime | None = None
) -> dict[str, Any]:
    require_permission(request_actor(request), "listing.view")
    return selectors.review_metrics(actor=request_actor(request), since=since, until=until)


@router.post(
    "/merchant/listing-imports",
    response=dict[str, Any],
    summary="Bulk import products from CSV/XLSX: dry run, or confirm (all valid, or the valid subset)",
    description=(
        "Multipart form: `file` (.csv or .xlsx), `mode` = `dry_run` (default; nothing is written) or "
        "`confirm`, and `accept_valid_subset` (confirm only: import the products without errors and skip "
        "the rest). A confirm with errors and without `accept_valid_subset` answers 422 and writes nothing. "
        "Errors carry the spreadsheet `row` (header is row 1) and `column`. The body is read only after "
        "the permission check; a malformed multipart body is 400 `invalid_multipart`."
    ),
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "mode": {"type": "string", "enum": ["dry_run", "confirm"], "default": "dry_run"},
                            "accept_valid_subset": {"type": "boolean", "default": False},
                        },
                    }
                }
            }
        }
    },
)
def listing_import(request: HttpRequest) -> dict[str, Any]:
    merchant_id = merchant_scope(request)
    form, files = multipart_files(request)
    upload = files.get("file")
    if upload is None:
        raise validation_error(
            [FieldError(("body", "file"), "send the file as multipart field 'file'", "required")]
        )
    mode = form.get("mode", "dry_run")
    if mode not in ("dry_run", "confirm"):
        raise validation_error([FieldError(("body", "mode"), "dry_run or confirm", "invalid_choice")])
    subset = form.get("accept_valid_subset", "false").lower()
    if subset not in ("true", "false", "1", "0", "on", ""):
        raise validation_error([FieldError(("body", "accept_valid_subset"), "true or false", "bool_parsing")])
    report = importing.listing_import(
        actor=request_actor(request),
        merchant_id=merchant_id,
        filename=upload.name or "",
        content=upload.read(),
        confirm=mode == "confirm",
        accept_valid_subset=subset in ("true", "1", "on"),
    )
    return report.as_dict()
