"""The input policy at the edge (issue 13, findings 2 and 7; docs/api.md "Input policy").

Every bad input is a 4xx problem+json with a stable code and field path, and nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.models import User
from mallops.core import inputs
from mallops.orders.models import StockItem
from mallops.service.models import Ticket, TicketEvent
from mallops.service.testing import make_ticket
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for
from mallops.testing.orders import make_stock

pytestmark = pytest.mark.django_db


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    return body


def _codes(body: dict[str, Any]) -> set[str]:
    return {error["code"] for error in body.get("errors", [])}


@pytest.fixture
def admin_api() -> ApiClient:
    return ApiClient(token=token_for(make_staff("platform_admin")))


@pytest.fixture
def merchant_api() -> tuple[ApiClient, Any]:
    merchant, owner = make_merchant()
    return ApiClient(token=token_for(owner)), merchant


def _buyer_api() -> tuple[ApiClient, User]:
    from mallops.testing.factories import PASSWORD

    api = ApiClient()
    response = api.post_json("/api/v1/buyers", {"phone": "13900139000", "password": PASSWORD})
    assert response.status_code == 201, response.content
    buyer = User.objects.get(username=response.json()["username"])
    return ApiClient(token=token_for(buyer)), buyer


# --- 1. strict JSON types ------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", [True, "5", 5.0, [5], {"n": 5}, None])
def test_an_integer_field_takes_only_a_json_integer(api: ApiClient, amount: Any) -> None:
    response = api.post_json(
        "/api/v1/system/echo", {"message": "hi", "amount_fen": amount}, headers={"Idempotency-Key": "t1"}
    )
    body = _problem(response, 422)
    assert body["errors"][0]["loc"][-1] == "amount_fen"
    assert body["errors"][0]["code"] == "int_type"


def test_strict_types_reach_nested_objects_and_lists(admin_api: ApiClient) -> None:
    response = admin_api.post_json(
        "/api/v1/staff", {"username": "newstaff", "password": "x" * 20, "roles": ["cs_agent", 5]}
    )
    body = _problem(response, 422)
    assert body["errors"][0]["loc"][-2:] == ["roles", 1]
    assert body["errors"][0]["code"] == "string_type"
    assert not User.objects.filter(username="newstaff").exists()


def test_an_unknown_field_is_refused_with_its_path_and_nothing_is_written(admin_api: ApiClient) -> None:
    response = admin_api.post_json(
        "/api/v1/staff",
        {"username": "newstaff2", "password": "x" * 20, "roles": ["cs_agent"], "is_superuser": True},
    )
    body = _problem(response, 422)
    assert [(e["loc"][-1], e["code"]) for e in body["errors"]] == [("is_superuser", "extra_forbidden")]
    assert not User.objects.filter(username="newstaff2").exists()


def test_the_published_input_schemas_say_unknown_fields_are_refused(api: ApiClient) -> None:
    schemas = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    closed = [name for name, schema in schemas.items() if schema.get("additionalProperties") is False]
    assert len(closed) > 50


@pytest.mark.parametrize("flag", ["false", 0, "0", "no"])
def test_a_boolean_field_takes_only_true_or_false(admin_api: ApiClient, flag: Any) -> None:
    target = make_staff("cs_agent")
    response = admin_api.generic(
        "PATCH",
        f"/api/v1/staff/{target.pk}",
        data=json.dumps({"is_active": flag}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin_api.token}"},
    )
    body = _problem(response, 422)
    assert body["errors"][0]["code"] == "bool_type"
    target.refresh_from_db()
    assert target.is_active


@pytest.mark.parametrize("price", [True, "5", 5.5, None, [1], 10**13])
def test_bodies_validated_after_the_tenancy_check_are_strict_too(merchant_api: Any, price: Any) -> None:
    from mallops.catalogue.fixtures import make_product
    from mallops.catalogue.models import Sku

    api, merchant = merchant_api
    product = make_product(merchant.pk)
    sku = Sku.objects.for_merchant(merchant.pk).filter(product_id=product.pk).first()
    assert sku is not None
    before = sku.price_fen
    response = api.post_json(f"/api/v1/merchant/skus/{sku.pk}/price", {"price_fen": price})
    body = _problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "price_fen"]
    sku.refresh_from_db()
    assert sku.price_fen == before


def test_query_parameters_still_arrive_as_text(admin_api: ApiClient) -> None:
    assert admin_api.get_json("/api/v1/staff", data={"limit": "10"}).status_code == 200
    assert (
        admin_api.get_json("/api/v1/service/tickets", data={"limit": "5", "status": "new"}).status_code == 200
    )


@pytest.mark.parametrize("body", ["[]", "5", '"roles"', "null", "true", '[{"is_active": false}]'])
def test_a_body_that_is_not_an_object_is_422_not_an_empty_patch(admin_api: ApiClient, body: str) -> None:
    target = make_staff("cs_agent")
    response = admin_api.patch(
        f"/api/v1/staff/{target.pk}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin_api.token}"},
    )
    assert response.status_code == 422, response.content
    target.refresh_from_db()
    assert target.is_active


# --- 2. bounded integers -------------------------------------------------------------------------------


@pytest.mark.parametrize("qty", [2**63, 2**63 - 1, 2**53, -(2**63) - 1, 10**30])
def test_a_huge_stock_quantity_is_422_and_never_stored(merchant_api: Any, qty: int) -> None:
    api, merchant = merchant_api
    response = api.post_json("/api/v1/merchant/stock", {"sku_code": "HUGE-1", "qty": qty, "price_fen": 100})
    body = _problem(response, 422)
    assert body["errors"][0]["loc"][-1] == "qty"
    assert not StockItem.objects.for_merchant(merchant.pk).exists()
    assert api.get_json("/api/v1/merchant/stock").status_code == 200


def test_an_integer_beyond_the_json_range_is_refused_in_free_form_bodies(merchant_api: Any) -> None:
    api, _ = merchant_api
    response = api.post_json("/api/v1/compliance/check", {"attributes": {"weight": 2**64}})
    body = _problem(response, 422)
    assert body["errors"][0] == {
        "loc": ["body", "attributes", "weight"],
        "msg": f"An integer in a request is at most {inputs.MAX_JSON_INT:,} in magnitude.",
        "code": "value_out_of_range",
    }


def test_json_nan_and_infinity_are_refused(api: ApiClient) -> None:
    response = api.post(
        "/api/v1/system/echo",
        data='{"message": "x", "amount_fen": NaN}',
        content_type="application/json",
        headers={"Idempotency-Key": "nan"},
    )
    assert response.status_code == 400
    response = api.post(
        "/api/v1/system/echo",
        data='{"message": "x", "amount_fen": 1e400}',
        content_type="application/json",
        headers={"Idempotency-Key": "inf"},
    )
    assert _codes(_problem(response, 422)) == {"value_out_of_range"}


# --- 3. text -------------------------------------------------------------------------------------------

HOSTILE_TEXT = ["\ud800", "a\udfffb", "nul\x00", "bell\x07", "esc\x1b[31m", "del\x7f", "c1\x85"]


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_bad_text_in_registration_is_422_invalid_text(api: ApiClient, text: str) -> None:
    response = api.post_json(
        "/api/v1/buyers", {"phone": "13900139001", "password": "pw-long-enough-1", "display_name": text}
    )
    body = _problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "display_name"]
    assert body["errors"][0]["code"] == "invalid_text"
    assert not User.objects.filter(username="13900139001").exists()


@pytest.mark.parametrize("text", ["\ud800", "x\x00y"])
def test_bad_text_never_reaches_tickets_replies_stock_reasons_or_staff(
    admin_api: ApiClient, merchant_api: Any, text: str
) -> None:
    buyer_api, _buyer = _buyer_api()
    response = buyer_api.post_json("/api/v1/buyer/tickets", {"subject": text, "description": "请问有货吗"})
    assert _codes(_problem(response, 422)) == {"invalid_text"}
    assert Ticket.objects.unscoped(reason="test: nothing written").count() == 0
    ticket = make_ticket()
    events = TicketEvent.objects.count()
    response = admin_api.post_json(f"/api/v1/service/tickets/{ticket.pk}/notes", {"body": text})
    assert response.status_code == 422, response.content
    assert TicketEvent.objects.count() == events
    api, merchant = merchant_api
    item = make_stock(merchant)
    response = api.post_json(
        f"/api/v1/merchant/stock/{item.pk}/set",
        {"available": 5, "reason": f"盘点{text}"},
        headers={"Idempotency-Key": "set-1"},
    )
    assert _codes(_problem(response, 422)) == {"invalid_text"}
    response = admin_api.post_json(
        "/api/v1/staff", {"username": "mail1", "password": "x" * 20, "roles": ["cs_agent"], "email": text}
    )
    assert _codes(_problem(response, 422)) == {"invalid_text"}
    assert not User.objects.filter(username="mail1").exists()


def test_text_is_stored_in_nfc(api: ApiClient) -> None:
    decomposed = "Cafe\u0301"
    response = api.post_json(
        "/api/v1/buyers", {"phone": "13900139002", "password": "pw-long-enough-1", "display_name": decomposed}
    )
    assert response.status_code == 201, response.content
    assert User.objects.get(username=response.json()["username"]).display_name == "Caf\u00e9"


def test_single_line_fields_refuse_line_breaks_but_multiline_fields_keep_them(admin_api: ApiClient) -> None:
    response = admin_api.post_json(
        "/api/v1/staff", {"username": "two\nlines", "password": "x" * 20, "roles": ["cs_agent"]}
    )
    assert _codes(_problem(response, 422)) == {"invalid_text"}
    ticket = make_ticket()
    response = admin_api.post_json(
        f"/api/v1/service/tickets/{ticket.pk}/notes", {"body": "第一行\n第二行\t缩进"}
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "phone",
    [
        "13\u0669\u0660\u0660\u0661\u0663\u0669\u0660\u0660\u0663",  # Arabic-Indic digits after "13"
        "13\u06f9\u06f0\u06f0\u06f1\u06f3\u06f9\u06f0\u06f0\u06f3",  # Extended Arabic-Indic
        "13\uff19\uff10\uff10\uff11\uff13\uff19\uff10\uff10\uff13",  # fullwidth
        "139001390\u200b03",
    ],
)
def test_phone_numbers_take_ascii_digits_only(api: ApiClient, phone: str) -> None:
    response = api.post_json("/api/v1/buyers", {"phone": phone, "password": "pw-long-enough-1"})
    assert response.status_code == 422, response.content
    assert User.objects.filter(kind="buyer").count() == 0


def test_a_zero_width_username_is_not_a_username(api: ApiClient) -> None:
    response = api.post_json("/api/v1/auth/token", {"username": "\u200b", "password": "whatever"})
    body = _problem(response, 422)
    assert body["errors"][0]["code"] == "invalid_text"


def test_zero_width_characters_do_not_count_toward_a_minimum_length() -> None:
    from pydantic import Field, ValidationError

    class NameIn(inputs.Schema):
        name: str = Field(min_length=2)

    with pytest.raises(ValidationError) as refused:
        inputs.validate_body(NameIn, {"name": "a\u200b\u200d"})
    assert refused.value.errors()[0]["type"] == "invalid_text"
    assert inputs.validate_body(NameIn, {"name": "ab"}).name == "ab"


# --- 4. depth and size ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/system/echo", "/api/v1/buyers"])
def test_deeply_nested_json_is_a_problem_not_a_crash(api: ApiClient, path: str) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = api.post(path, data=deep, content_type="application/json", headers={"Idempotency-Key": "d"})
    body = _problem(response, 400)
    assert body["code"] == "json_too_deep"
    assert body["max_depth"] == inputs.MAX_JSON_DEPTH


def test_nesting_at_the_limit_passes_the_scan_and_brackets_in_strings_do_not_count() -> None:
    at_limit = ("[" * inputs.MAX_JSON_DEPTH + "]" * inputs.MAX_JSON_DEPTH).encode()
    assert not inputs.json_depth_exceeds(at_limit)
    assert inputs.json_depth_exceeds(b"[" + at_limit + b"]")
    assert not inputs.json_depth_exceeds(json.dumps({"text": "[" * 1000, "q": '\\"[[[' * 50}).encode())


def test_a_body_above_the_limit_is_413_problem_json(api: ApiClient) -> None:
    big = b'{"message": "' + b"x" * (inputs.MAX_JSON_BODY_BYTES + 1) + b'"}'
    response = api.post("/api/v1/system/echo", data=big, content_type="application/json")
    body = _problem(response, 413)
    assert body["code"] == "payload_too_large"
    assert body["max_bytes"] == inputs.MAX_JSON_BODY_BYTES


def test_a_declared_70_mb_body_is_413_before_it_is_read(api: ApiClient) -> None:
    response = api.generic(
        "POST", "/api/v1/buyers", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(70 * 2**20)
    )
    assert _problem(response, 413)["code"] == "payload_too_large"


# --- 5. multipart --------------------------------------------------------------------------------------


def _import_url() -> str:
    return "/api/v1/merchant/listing-imports"


@pytest.mark.parametrize(
    "content_type, payload",
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--\r\n"),
        ("multipart/form-data; boundary=", b"whatever"),
        ("multipart/form-data; boundary=" + "b" * 80, b"--" + b"b" * 80 + b"\r\n"),
        (
            "multipart/form-data; boundary=zz",
            b'--zz\r\nContent-Disposition: form-data; name="file"; filename="'
            + b"a" * 100_000
            + b'.csv"\r\nContent-Type: text/csv\r\n\r\nsku\r\n--zz--\r\n',
        ),
    ],
)
@pytest.mark.parametrize("url", ["listing_import", "image_upload", "certificate_upload"])
def test_malformed_multipart_is_400_invalid_multipart(
    merchant_api: Any, content_type: str, payload: bytes, url: str
) -> None:
    api, _ = merchant_api
    path = {
        "listing_import": _import_url(),
        "image_upload": "/api/v1/merchant/products/1/images",
        "certificate_upload": "/api/v1/merchant/certificates/1/file",
    }[url]
    response = api.generic(
        "POST",
        path,
        data=payload,
        content_type=content_type,
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code in (400, 404, 422), response.content
    assert response["Content-Type"].startswith("application/problem+json")
    if response.status_code == 400:
        assert response.json()["code"] == "invalid_multipart"


def test_uploads_check_permission_before_the_body_is_parsed() -> None:
    # a buyer has no import permission: 403 even for a malformed body (it is never parsed)
    buyer_api, _ = _buyer_api()
    response = buyer_api.generic(
        "POST",
        _import_url(),
        data=b"garbage",
        content_type="multipart/form-data",
        headers={"Authorization": f"Bearer {buyer_api.token}"},
    )
    assert _problem(response, 403)["code"] == "permission_denied"
    anonymous = Client().generic("POST", _import_url(), data=b"garbage", content_type="multipart/form-data")
    assert _problem(anonymous, 401)["code"] == "unauthenticated"


# --- 6. console filters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/audit/?since=abc",
        "/audit/?since=2026-13-45&until=x",
        "/audit/?page=99999999999999999999",
        "/analytics/retention/?start_event=signup&periods=99999999999999999999",
        "/analytics/retention/?start_event=signup&periods=abc&from=x&to=y",
        "/analytics/retention/?start_event=signup&periods=%C2%B2",  # "²" passes str.isdigit, not int()
        "/service/dashboard/?days=%C2%B2",
        "/service/dashboard/?days=99999999999999999999",
        "/calendar/?year=%C2%B2",
        "/calendar/?year=99999999999999999999",
    ],
)
def test_bad_console_filters_render_with_a_message_not_500(client: Client, path: str) -> None:
    client.force_login(make_staff("platform_admin", "cs_supervisor"))
    response = client.get(path)
    assert response.status_code in (200, 400)


def test_a_console_page_given_a_number_beyond_the_database_answers_400_not_500(rf: Any) -> None:
    # the safety net behind the console's own checks: SQLite cannot bind 2**70 (OverflowError)
    from mallops.core.middleware import InputPolicyMiddleware

    middleware = InputPolicyMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    response = middleware.process_exception(rf.get("/orders/"), OverflowError("Python int too large"))
    assert response is not None and response.status_code == 400
    assert "超出" in response.content.decode()
    assert middleware.process_exception(rf.get("/api/v1/x"), OverflowError("x")) is None
    assert middleware.process_exception(rf.get("/orders/"), RuntimeError("boom")) is None


def test_console_form_posts_with_control_characters_are_400(client: Client) -> None:
    client.force_login(make_staff("platform_admin"))
    response = client.post("/audit/", data="q=x%00y", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()


# --- 7. OpenAPI ----------------------------------------------------------------------------------------


def _schema_classes() -> dict[str, set[type]]:
    """Every pydantic model reachable from the API's operations, by the name OpenAPI files it under."""
    from pydantic import BaseModel

    from mallops.urls import api

    found: dict[str, set[type]] = {}
    seen: set[type] = set()

    def visit(annotation: Any) -> None:
        from typing import get_args

        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation in seen:
                return
            seen.add(annotation)
            if annotation.__module__.startswith("mallops."):
                found.setdefault(annotation.__name__, set()).add(annotation)
            for field in annotation.model_fields.values():
                visit(field.annotation)
            return
        for arg in get_args(annotation):
            visit(arg)

    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    visit(model)
                for response_model in operation.response_models.values():
                    visit(response_model)
    return found


def test_every_api_schema_name_is_unique() -> None:
    duplicates = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in _schema_classes().items()
        if len(classes) > 1
    }
    assert duplicates == {}


@pytest.mark.parametrize(
    "path, method, module",
    [
        ("/api/v1/buyer/aftersales", "post", "mallops.aftersales.api"),
        ("/api/v1/merchant/aftersales/{aftersales_id}/reject", "post", "mallops.aftersales.api"),
    ],
)
def test_the_published_body_is_the_class_the_endpoint_uses(
    api: ApiClient, path: str, method: str, module: str
) -> None:
    from mallops.urls import api as ninja_api

    spec = json.loads(api.get("/api/v1/openapi.json").content)
    operation = spec["paths"][path][method]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    name = ref.rsplit("/", 1)[-1]
    published = spec["components"]["schemas"][name]
    path_view = next(
        pv
        for _p, router in ninja_api._routers
        for route, pv in router.path_operations.items()
        if route and path.endswith(route)
    )
    used: Any = next(
        field.annotation
        for op in path_view.operations
        if method.upper() in op.methods
        for model in op.models
        for field in model.model_fields.values()
        if isinstance(field.annotation, type) and field.annotation.__module__ == module
    )
    assert used.__name__ == name
    assert set(published["properties"]) == set(used.model_json_schema()["properties"])


@pytest.mark.django_db
@pytest.mark.req("R6.2.1")
def test_query_parameters_with_nul_or_control_characters_are_refused():
    # PostgreSQL refuses NUL in text: a filter like ?status=a%00 used to reach the database and 500
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import make_staff, token_for

    client = ApiClient(token=token_for(make_staff("platform_admin")))
    response = client.get_json("/api/v1/orders?status=paid%00")
    assert response.status_code == 422
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["errors"] == [
        {"loc": ["query", "status"], "msg": "The text holds a NUL character.", "code": "invalid_text"}
    ]
    console = ApiClient()
    console.force_login(make_staff("platform_admin"))
    assert console.get("/orders/?q=%00").status_code == 400
