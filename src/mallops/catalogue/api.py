"""Catalogue API: categories with their schema; the merchant's products, SKU prices, certificates and
notifications (merchant side, ``store.listing.manage``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal, TypeVar

from django.http import HttpRequest, HttpResponse
from ninja import Body, Router, Status
from ninja.pagination import paginate
from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from mallops.accounts.actors import request_actor
from mallops.accounts.auth import api_auth
from mallops.accounts.selectors import user_merchant
from mallops.accounts.services import require_permission
from mallops.catalogue import selectors, services, uploads
from mallops.catalogue.contracts import CategoryInput, ImageInput, ProductInput, SkuInput
from mallops.catalogue.models import (
    Category,
    Certificate,
    MerchantNotification,
    Product,
    ProductImage,
    schema_as_dict,
)
from mallops.catalogue.schema import AttributeSpec, spec_of
from mallops.core.errors import FieldError, not_found, validation_error
from mallops.core.inputs import (
    MAX_SMALL,
    Fen,
    Id,
    MultilineText,
    Schema,
    SmallInt,
    Text,
    multipart_files,
    validate_body,
)
from mallops.core.pagination import Pagination, rows_response

router = Router(tags=["catalogue"], auth=api_auth)

M = TypeVar("M", bound=BaseModel)


def merchant_scope(request: HttpRequest, permission: str = "store.listing.manage") -> int:
    """The signed-in merchant member's store id after the permission check (404 without a store)."""
    require_permission(request_actor(request), permission)
    member = user_merchant(request.user)
    if member is None:
        raise not_found("merchant")
    return int(member.merchant_id)


def parse_body(model: type[M], payload: Any) -> M:
    """Validate a body after the path objects were found (so another store's id answers 404 first).

    The request-body rules of ``mallops.core.inputs`` apply (strict JSON types, text policy).
    """
    try:
        return validate_body(model, payload)
    except PydanticValidationError as exc:
        raise validation_error(
            [
                FieldError(loc=("body", *exc_loc), msg=err["msg"], code=err["type"])
                for err in exc.errors()
                for exc_loc in [tuple(p if isinstance(p, int) else str(p) for p in err["loc"])]
            ]
        ) from exc


class SkuIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    price_fen: Fen
    stock: SmallInt = 0
    spec_values: dict[str, str] = {}
    reference_price_fen: Fen | None = None


class ImageIn(Schema):
    url: str = Field(min_length=1, max_length=500)
    width: int = Field(ge=1, le=100_000)
    height: int = Field(ge=1, le=100_000)
    size_bytes: int = Field(ge=1, le=MAX_SMALL)
    angle: str = ""


class ProductIn(Schema):
    category_code: str
    title: str
    skus: list[SkuIn]
    selling_points: list[str] = []
    description: dict[str, str] = {}
    attributes: dict[str, str] = {}
    images: list[ImageIn] = []
    return_policy: str = "eligible"
    return_exclusion: MultilineText = ""
    external_code: str = ""

    def to_input(self) -> ProductInput:
        return ProductInput(
            category_code=self.category_code,
            title=self.title,
            skus=[SkuInput(**sku.model_dump()) for sku in self.skus],
            selling_points=list(self.selling_points),
            description=dict(self.description),
            attributes=dict(self.attributes),
            images=[ImageInput(**image.model_dump()) for image in self.images],
            return_policy=self.return_policy,
            return_exclusion=self.return_exclusion,
            external_code=self.external_code,
        )


class PriceIn(Schema):
    price_fen: Fen


class CertificateIn(Schema):
    kind: str
    number: str
    expires_on: date
    product_id: Id | None = None


class CategoryAttributeIn(Schema):
    key: Text = Field(max_length=40)
    label: Text = Field(max_length=40)
    type: Literal["text", "number", "choice"] = "text"
    required: bool = True
    unit: Text = Field(default="", max_length=16)
    choices: list[Text] = Field(default_factory=list, max_length=50)


class CategoryIn(Schema):
    code: Text = Field(max_length=64)
    name: Text = Field(max_length=64)
    parent_id: Id | None = None
    compliance_category: Text = "general"
    attributes: list[CategoryAttributeIn] = Field(default_factory=list, max_length=60)
    required_certificates: list[Text] = Field(default_factory=list, max_length=10)
    default_return_exclusion: Text = ""
    is_active: bool = True

    def to_input(self) -> CategoryInput:
        return CategoryInput(
            code=self.code,
            name=self.name,
            parent_id=self.parent_id,
            compliance_category=self.compliance_category,
            attributes=[
                AttributeSpec(
                    key=a.key,
                    label=a.label,
                    type=a.type,
                    required=a.required,
                    unit=a.unit,
                    choices=tuple(a.choices),
                )
                for a in self.attributes
            ],
            required_certificates=list(self.required_certificates),
            default_return_exclusion=self.default_return_exclusion,
            is_active=self.is_active,
        )


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent: str | None
    compliance_category: str
    required_attributes: list[dict[str, Any]]
    attributes: list[dict[str, Any]]
    own_attributes: list[dict[str, Any]]
    required_certificates: list[str]
    default_return_exclusion: str
    is_active: bool


class ProductOut(Schema):
    id: int
    category_code: str
    title: str
    selling_points: list[str]
    description: dict[str, str]
    attributes: dict[str, str]
    return_policy: str
    return_exclusion: str
    external_code: str
    skus: list[dict[str, Any]]
    images: list[dict[str, Any]]
    updated_at: datetime


class ProductSummary(Schema):
    id: int
    category_code: str
    title: str
    updated_at: datetime


class CertificateOut(Schema):
    id: int
    kind: str
    number: str
    expires_on: date
    expired: bool
    product_id: int | None


class ImageOut(Schema):
    id: int
    url: str
    width: int
    height: int
    size_bytes: int
    angle: str
    caption: str
    uploaded: bool


class CertificateFileOut(Schema):
    id: int
    has_file: bool
    file: str


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    data: dict[str, Any]
    created_at: datetime


def category_out(category: Category) -> CategoryOut:
    schema = schema_as_dict(category)
    return CategoryOut(
        id=category.pk,
        code=category.code,
        name=category.name,
        parent=category.parent.code if category.parent else None,
        compliance_category=category.compliance_category,
        required_attributes=schema["required_attributes"],
        attributes=[spec.as_dict() for spec in category.attribute_specs()],
        own_attributes=[spec_of(raw).as_dict() for raw in category.required_attributes],
        required_certificates=schema["required_certificates"],
        default_return_exclusion=category.default_return_exclusion,
        is_active=category.is_active,
    )


def image_out(image: ProductImage) -> ImageOut:
    return ImageOut(
        id=image.pk,
        url=image.url,
        width=image.width,
        height=image.height,
        size_bytes=image.size_bytes,
        angle=image.angle,
        caption=image.caption,
        uploaded=bool(image.file.name),
    )


def product_out(product: Product) -> ProductOut:
    return ProductOut(
        id=product.pk,
        category_code=product.category.code,
        title=product.title,
        selling_points=product.selling_points,
        description=product.description,
        attributes=product.attributes,
        return_policy=product.return_policy,
        return_exclusion=product.return_exclusion,
        external_code=product.external_code,
        skus=[
            {
                "id": sku.pk,
                "code": sku.code,
                "spec_values": sku.spec_values,
                "price_fen": sku.price_fen,
                "reference_price_fen": sku.reference_price_fen,
                "stock": sku.stock,
            }
            for sku in selectors.product_skus(product)
        ],
        images=[image_out(i).model_dump() for i in selectors.product_images(product)],
        updated_at=product.updated_at,
    )


# this process's copy of the rendered category list: (stamp, body, content type). The stamp changes with
# every write to the category table in any process (database triggers, ``CategoryStamp``) and is read on
# every request, so the copy is never older than the rows (docs/performance.md, Session 9).
_category_list_body: tuple[str, bytes, str] | None = None


@router.get("/catalogue/categories", response=list[CategoryOut], summary="Category tree with schemas")
def category_list(request: HttpRequest) -> HttpResponse:
    global _category_list_body
    stamp = selectors.category_stamp()  # before the rows: a write in between only makes the copy newer
    kept = _category_list_body
    if stamp is not None and kept is not None and kept[0] == stamp:
        return HttpResponse(kept[1], content_type=kept[2])
    # one serialisation pass: each row is validated once as CategoryOut and dumped (docs/performance.md)
    response = rows_response(request, [category_out(c).model_dump() for c in selectors.categories()])
    if stamp is not None:
        _category_list_body = (stamp, response.content, response["Content-Type"])
    return response


@router.post(
    "/platform/catalogue/categories",
    response={201: CategoryOut},
    summary="Create a category with its attribute schema and required certificates (catalogue.manage)",
    description=(
        "Attributes: `key` (a-z, 0-9, _), `label` (the Chinese name merchants see and may type), `type` "
        "(text, number, choice), `required`, `unit`, `choices`. Keys and names must not repeat along the tree."
    ),
)
def category_create(request: HttpRequest, payload: CategoryIn) -> Status[Any]:
    category = services.category_create(actor=request_actor(request), data=payload.to_input())
    return Status(201, category_out(category))


@router.put(
    "/platform/catalogue/categories/{category_id}",
    response=CategoryOut,
    summary="Replace a category's fields and own schema (catalogue.manage)",
)
def category_update(request: HttpRequest, category_id: int, payload: Body[Any]) -> CategoryOut:
    require_permission(request_actor(request), "catalogue.manage")
    if not Category.objects.filter(pk=category_id).exists():
        raise not_found("category")
    body = parse_body(CategoryIn, payload)
    category = services.category_update(
        actor=request_actor(request), category_id=category_id, data=body.to_input()
    )
    return category_out(category)


@router.get("/merchant/products", response=list[ProductSummary], summary="Own products")
@paginate(Pagination)
def product_list(request: HttpRequest) -> list[ProductSummary]:
    merchant_id = merchant_scope(request)
    return [
        ProductSummary(id=p.pk, category_code=p.category.code, title=p.title, updated_at=p.updated_at)
        for p in selectors.product_list(merchant_id=merchant_id)
    ]


@router.post("/merchant/products", response={201: ProductOut}, summary="Create a product (SPU with SKUs)")
def product_create(request: HttpRequest, payload: ProductIn) -> Status[Any]:
    merchant_id = merchant_scope(request)
    product = services.product_create(
        actor=request_actor(request), merchant_id=merchant_id, data=payload.to_input()
    )
    return Status(201, product_out(product))


@router.get("/merchant/products/{product_id}", response=ProductOut, summary="One own product")
def product_get(request: HttpRequest, product_id: int) -> ProductOut:
    merchant_id = merchant_scope(request)
    return product_out(selectors.product_get(merchant_id=merchant_id, product_id=product_id))


@router.put(
    "/merchant/products/{product_id}",
    response=ProductOut,
    summary="Replace a product's content (submit its listing again to publish the change)",
)
def product_update(request: HttpRequest, product_id: int, payload: Body[Any]) -> ProductOut:
    merchant_id = merchant_scope(request)
    selectors.product_get(merchant_id=merchant_id, product_id=product_id)
    data = parse_body(ProductIn, payload).to_input()
    product = services.product_update(
        actor=request_actor(request), merchant_id=merchant_id, product_id=product_id, data=data
    )
    return product_out(product)


@router.post("/merchant/skus/{sku_id}/price", response=dict[str, int], summary="Change a SKU's price")
def sku_price_set(request: HttpRequest, sku_id: int, payload: Body[Any]) -> dict[str, int]:
    merchant_id = merchant_scope(request)
    if not selectors.sku_exists(merchant_id=merchant_id, sku_id=sku_id):
        raise not_found("sku")
    body = parse_body(PriceIn, payload)
    sku = services.sku_price_set(
        actor=request_actor(request), merchant_id=merchant_id, sku_id=sku_id, price_fen=body.price_fen
    )
    return {"id": sku.pk, "price_fen": sku.price_fen}


@router.get("/merchant/certificates", response=list[CertificateOut], summary="Own certificates")
@paginate(Pagination)
def certificate_list(request: HttpRequest) -> list[Certificate]:
    return list(selectors.certificate_list(merchant_id=merchant_scope(request)))


@router.post("/merchant/certificates", response={201: CertificateOut}, summary="Add a certificate")
def certificate_create(request: HttpRequest, payload: CertificateIn) -> Status[Any]:
    merchant_id = merchant_scope(request)
    certificate = services.certificate_create(
        actor=request_actor(request),
        merchant_id=merchant_id,
        kind=payload.kind,
        number=payload.number,
        expires_on=payload.expires_on,
        product_id=payload.product_id,
    )
    return Status(201, certificate)


@router.get("/merchant/notifications", response=list[NotificationOut], summary="Messages to the store")
@paginate(Pagination)
def notification_list(request: HttpRequest) -> list[MerchantNotification]:
    return list(selectors.notification_list(merchant_id=merchant_scope(request)))


def _form_text(form: Any, key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


@router.post(
    "/merchant/products/{product_id}/images",
    response={201: ImageOut},
    summary="Upload a product image (multipart field 'file'; optional 'angle' and 'caption')",
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "angle": {"type": "string", "maxLength": uploads.MAX_ANGLE},
                            "caption": {"type": "string", "maxLength": uploads.MAX_CAPTION},
                        },
                    }
                }
            }
        }
    },
)
def image_upload(request: HttpRequest, product_id: int) -> Status[Any]:
    merchant_id = merchant_scope(request)
    selectors.product_get(merchant_id=merchant_id, product_id=product_id)
    form, files = multipart_files(request)  # read only after the permission and tenancy checks
    image = uploads.image_upload(
        actor=request_actor(request),
        merchant_id=merchant_id,
        product_id=product_id,
        upload=files.get("file"),
        angle=_form_text(form, "angle"),
        caption=_form_text(form, "caption"),
    )
    return Status(201, image_out(image))


@router.delete(
    "/merchant/products/{product_id}/images/{image_id}",
    response={204: None},
    summary="Delete a product image",
)
def image_delete(request: HttpRequest, product_id: int, image_id: int) -> Status[None]:
    merchant_id = merchant_scope(request)
    uploads.image_delete(
        actor=request_actor(request), merchant_id=merchant_id, product_id=product_id, image_id=image_id
    )
    return Status(204, None)


@router.post(
    "/merchant/certificates/{certificate_id}/file",
    response=CertificateFileOut,
    summary="Upload the scan of a certificate (multipart field 'file': PDF, JPEG or PNG, at most 10 MB)",
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
def certificate_file_upload(request: HttpRequest, certificate_id: int) -> CertificateFileOut:
    merchant_id = merchant_scope(request)
    _form, files = multipart_files(request)  # read only after the permission check
    certificate = uploads.certificate_file_upload(
        actor=request_actor(request),
        merchant_id=merchant_id,
        certificate_id=certificate_id,
        upload=files.get("file"),
    )
    return CertificateFileOut(id=certificate.pk, has_file=True, file=certificate.file.name or "")
