"""Hostile values of every JSON type posted to every operation of the API (issue 13's security suite).

For each operation in our OpenAPI document, hypothesis builds a minimal body from the request schema and
replaces one field (or the whole body) with a hostile value: integers beyond 64 bits, floats, booleans and
strings where numbers belong, lone surrogates, NUL and control characters, zero-width and bidi characters,
very long text, deep nesting, null, lists and objects. The caller is a real account of the kind the path
is for (buyer, merchant owner, platform admin). The API must never answer 5xx, every error must be
problem+json, and a refused request (4xx) must write nothing: the row count of every table is the same
before and after, except the tables that record refusals by design (listed in ``RECORDS_REFUSALS``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mallops.testing.client import ApiClient

pytestmark = pytest.mark.django_db

# Written on a refusal on purpose: the idempotency middleware stores 4xx answers for replay, sign-in
# failures and locks are the lockout's memory, audit rows record the lock, rate-limit buckets count calls.
RECORDS_REFUSALS = {
    "core.idempotencyrecord",
    "accounts.loginfailure",
    "accounts.loginlock",
    "audit.auditevent",
    "audit.auditchainhead",
    "analytics.ratebucket",
    "sessions.session",
}

_NESTED: Any = 1
for _ in range(60):
    _NESTED = [_NESTED]

HOSTILE: list[Any] = [
    2**63,
    -(2**63) - 1,
    10**30,
    -1,
    1.5,
    1e308,
    True,
    "5",
    "\ud800",
    "a\x00b",
    "\x07\x1b[31m",
    "\u200b\u200b\u200b\u200b",
    "\u202egnp.exe",
    "１３８００１３８０００",
    "٣٨٠٠١٣٨٠٠٠١",
    "x" * 70_000,
    None,
    [],
    {},
    _NESTED,
    {"$gt": ""},
]
WHOLE_BODIES: list[bytes] = [
    b"[]",
    b"5",
    b'"x"',
    b"null",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    b"{",
    b'{"x": "\\ud800"}',
]


@cache
def _document() -> dict[str, Any]:
    response = ApiClient().get("/api/v1/openapi.json")
    document: dict[str, Any] = json.loads(response.content)
    return document


def _operations() -> list[tuple[str, str]]:
    from django.test import Client

    document = json.loads(Client().get("/api/v1/openapi.json").content)
    out = []
    for path, item in document["paths"].items():
        for method in item:
            if method in ("post", "put", "patch"):
                out.append((method, path))
    return sorted(out)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = _document()["components"]["schemas"][name]
    if "anyOf" in node:
        options = [o for o in node["anyOf"] if o.get("type") != "null"]
        if options:
            return _resolve(options[0])
    if "allOf" in node and len(node["allOf"]) == 1:
        return _resolve(node["allOf"][0])
    return node


def _minimal(node: dict[str, Any], depth: int = 0) -> Any:
    node = _resolve(node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        if depth > 3:
            return {}
        props = node.get("properties", {})
        return {name: _minimal(props[name], depth + 1) for name in node.get("required", []) if name in props}
    if kind == "array":
        return []
    if kind == "integer":
        return max(1, node.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    if node.get("format") == "date-time":
        return "2026-12-01T10:00:00+08:00"
    if node.get("format") == "date":
        return "2026-12-01"
    return "x" * max(1, node.get("minLength", 1))


def _body_schema(method: str, path: str) -> dict[str, Any] | None:
    operation = _document()["paths"][path][method]
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    return _resolve(content["application/json"]["schema"])


def _fill_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", "/api/v1" + path if not path.startswith("/api/v1") else path)


def _caller(path: str) -> ApiClient:
    from mallops.testing.factories import make_merchant, make_staff, token_for
    from mallops.testing.orders import make_buyer

    if "/buyer" in path:
        user = make_buyer()
    elif "/merchant" in path:
        user = make_merchant()[1]
    else:
        user = make_staff("platform_admin")
    return ApiClient(token=token_for(user))


@cache
def _counted_tables() -> tuple[tuple[str, ...], str]:
    labels, selects = [], []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in RECORDS_REFUSALS or model._meta.proxy or not model._meta.managed:
            continue
        labels.append(label)
        selects.append(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)})")
    return tuple(labels), "SELECT " + ", ".join(selects)


def _counts() -> dict[str, int]:
    # one query for every table's row count: the sweep counts before and after each of ~1,000 requests
    labels, sql = _counted_tables()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return dict(zip(labels, row, strict=True))


def _check(response: Any, before: dict[str, int], what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), (what, response.status_code)
        after = _counts()
        changed = {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}
        assert not changed, (what, response.status_code, changed)


OPERATIONS = _operations() if apps.ready else []


def _typed_hostile(node: dict[str, Any]) -> list[Any]:
    """Values of the field's own JSON type that must still be refused or stored safely."""
    node = _resolve(node)
    kind = node.get("type")
    if kind == "string" and "enum" not in node and not node.get("format"):
        return ["a\ud800b", "a\x00b"]
    if kind == "integer":
        return [2**63, True]
    if kind == "array":
        return [_NESTED]
    return ["\ud800"]


WITH_FIELDS = [(m, p) for m, p in OPERATIONS if (_body_schema(m, p) or {}).get("properties")]


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize(("method", "path"), WITH_FIELDS, ids=[f"{m} {p}" for m, p in WITH_FIELDS])
def test_every_field_refuses_its_hostile_values(method: str, path: str) -> None:
    schema = _body_schema(method, path)
    assert schema is not None
    client = _caller(path)
    url = _fill_path(path)
    for name, node in sorted(schema["properties"].items()):
        for value in _typed_hostile(node):
            body = {**_minimal(schema), name: value}
            before = _counts()
            response = getattr(client, method)(
                url,
                data=json.dumps(body).encode(),
                content_type="application/json",
                headers={**client._headers(None), "Idempotency-Key": f"sweep-{name}-{value!r:.20}"},
            )
            _check(response, before, f"{method} {url} {name}={value!r:.40}")


@pytest.mark.req("R6.2.1")
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_hostile_values_never_crash_and_refusals_write_nothing(method: str, path: str, data: Any) -> None:
    client = _caller(path)
    url = _fill_path(path)
    schema = _body_schema(method, path)
    body: Any = _minimal(schema) if schema is not None else {}
    fields = sorted(body) if isinstance(body, dict) else []
    choice = data.draw(st.integers(min_value=0, max_value=len(fields) + len(WHOLE_BODIES) - 1))
    if choice < len(fields):
        body[fields[choice]] = data.draw(st.sampled_from(HOSTILE))
        raw = json.dumps(body).encode()
        what = f"{method} {url} {fields[choice]}={str(body[fields[choice]])[:40]!r}"
    else:
        raw = WHOLE_BODIES[choice - len(fields)]
        what = f"{method} {url} body={raw[:40]!r}"
    before = _counts()
    response = getattr(client, method)(
        url,
        data=raw,
        content_type="application/json",
        headers={**client._headers(None), "Idempotency-Key": f"hostile-{data.draw(st.integers(0, 10**9))}"},
    )
    _check(response, before, what)
