"""The orders part of the tenancy walk, on its own: merchant A never reaches merchant B's orders."""

from __future__ import annotations

import json
import re

import pytest

from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, token_for
from mallops.testing.orders import make_order

pytestmark = pytest.mark.django_db


def _routes() -> list[tuple[str, str]]:
    """Read from the two routers themselves (the full OpenAPI walk lives in tests/tenancy)."""
    from mallops.orders.api import router as orders_router
    from mallops.payments.api import router as payments_router

    return [
        (method, "/api/v1" + path)
        for router in (orders_router, payments_router)
        for path, view in router.path_operations.items()
        if path.startswith(("/merchant/orders", "/merchant/stock"))
        for operation in view.operations
        for method in operation.methods
    ]


@pytest.mark.req("R6.2.1")
def test_merchant_order_routes_hide_other_merchants_orders():
    a, owner_a = make_merchant()
    b, owner_b = make_merchant()
    mine = make_order(a)
    theirs = make_order(b)
    their_item = theirs.lines.for_merchant(b.pk).get().item_id
    client_a = ApiClient(token=token_for(owner_a))
    client_b = ApiClient(token=token_for(owner_b))
    spec = json.loads(ApiClient().get_json("/api/v1/openapi.json").content)

    def body_for(method: str, path: str) -> str:
        """A body the route accepts (unknown fields are refused with 422 before the tenancy check)."""
        paths = spec["paths"]
        operation = (paths.get(path) or paths.get(path.removeprefix("/api/v1"), {})).get(method.lower(), {})
        content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref", "")
        declared = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}).get("properties", {})
        return json.dumps({k: v for k, v in {"available": 1, "reason": "stocktake"}.items() if k in declared})

    walked = 0
    for method, path in _routes():
        params = re.findall(r"{(\w+)}", path)
        if method == "GET" and not params:
            items = json.loads(client_a.get_json(path).content)["items"]
            assert items, path
            if path.endswith("/orders"):
                assert {i["id"] for i in items} == {mine.pk}
            walked += 1
        elif params in (["order_id"], ["stock_item_id"]):
            concrete = path.replace("{order_id}", str(theirs.pk)).replace("{stock_item_id}", str(their_item))
            response = client_a.generic(
                method,
                concrete,
                data=body_for(method, path),
                content_type="application/json",
                headers={"Authorization": f"Bearer {client_a.token}", "Idempotency-Key": f"k-{walked}"},
            )
            assert response.status_code == 404, (method, concrete, response.status_code)
            if method == "GET":
                assert client_b.get_json(concrete).status_code == 200
            walked += 1
    assert walked == 9
