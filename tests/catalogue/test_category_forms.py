"""Categories managed by the platform, and product forms generated from their schema (R1.2.1).

A category with its attribute schema and certificates is created through the API and the console (no demo
data); the product form shows its attributes before the product exists; an attribute typed by its Chinese
name is stored under its key, so the completeness check finds it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.audit.models import AuditEvent
from mallops.catalogue.models import Category, Product
from mallops.catalogue.schema import AttributeSpec, map_attribute_names
from mallops.review import services as review_services
from mallops.review.models import Finding
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_merchant, make_staff, token_for

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/platform/catalogue/categories"

TEA: dict[str, Any] = {
    "code": "tea",
    "name": "茶叶",
    "compliance_category": "food",
    "attributes": [
        {"key": "shelf_life_days", "label": "保质期", "type": "number", "required": True, "unit": "天"},
        {"key": "origin", "label": "产地", "type": "text", "required": True},
        {"key": "grade", "label": "等级", "type": "choice", "required": False, "choices": ["特级", "一级"]},
    ],
    "required_certificates": ["food_business_licence"],
}


def _staff_api(*roles: str) -> ApiClient:
    return ApiClient(token=token_for(make_staff(*roles)))


def _put(client: ApiClient, path: str, body: dict[str, Any]) -> Any:
    return client.put(
        path, data=json.dumps(body), content_type="application/json", headers=client._headers(None)
    )


def _product_body(category: str, attributes: dict[str, str]) -> dict[str, Any]:
    return {
        "category_code": category,
        "title": "云南普洱熟茶 357克茶饼",
        "skus": [{"code": "PU-1", "price_fen": 12800, "stock": 10, "spec_values": {"规格": "357克"}}],
        "attributes": attributes,
    }


def _tea() -> Category:
    response = _staff_api("product_ops").post_json(CATEGORIES, TEA)
    assert response.status_code == 201, response.content
    return Category.objects.get(code="tea")


@pytest.mark.req("R1.2.1")
def test_product_ops_creates_a_category_with_its_schema_and_it_is_audited() -> None:
    response = _staff_api("product_ops").post_json(CATEGORIES, TEA)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "tea" and body["name"] == "茶叶" and body["is_active"] is True
    assert body["attributes"] == [
        {
            "key": "shelf_life_days",
            "label": "保质期",
            "type": "number",
            "required": True,
            "unit": "天",
            "choices": [],
        },
        {"key": "origin", "label": "产地", "type": "text", "required": True, "unit": "", "choices": []},
        {
            "key": "grade",
            "label": "等级",
            "type": "choice",
            "required": False,
            "unit": "",
            "choices": ["特级", "一级"],
        },
    ]
    # the optional attribute is offered, not demanded
    assert [a["key"] for a in body["required_attributes"]] == ["shelf_life_days", "origin"]
    assert body["required_certificates"] == ["food_business_licence"]
    event = AuditEvent.objects.get(action="catalogue.category_create")
    assert event.after is not None
    assert event.after["code"] == "tea" and len(event.after["attributes"]) == 3
    _merchant, owner = make_merchant()
    listed = ApiClient(token=token_for(owner)).get_json("/api/v1/catalogue/categories").json()
    assert "tea" in [c["code"] for c in listed]


@pytest.mark.parametrize("roles", [("listing_reviewer",), ("cs_agent",), ("content_ops",)])
def test_roles_without_catalogue_manage_cannot_create_or_edit_categories(roles: tuple[str, ...]) -> None:
    food = Category.objects.get(code="food")
    before = list(food.required_attributes)
    client = _staff_api(*roles)

    created = client.post_json(CATEGORIES, TEA)
    edited = _put(client, f"{CATEGORIES}/{food.pk}", {**TEA, "code": "food"})

    assert created.status_code == 403 and edited.status_code == 403
    assert created.json()["code"] == "permission_denied"
    assert not Category.objects.filter(code="tea").exists()
    food.refresh_from_db()
    assert food.required_attributes == before and food.name == "食品"


def test_a_merchant_cannot_create_a_category() -> None:
    _merchant, owner = make_merchant()
    response = ApiClient(token=token_for(owner)).post_json(CATEGORIES, TEA)
    assert response.status_code == 403
    assert not Category.objects.filter(code="tea").exists()


def test_schema_errors_name_the_row_and_field() -> None:
    food = Category.objects.get(code="food")
    body = {
        "code": "food-tea",
        "name": "茶",
        "parent_id": food.pk,
        "compliance_category": "food",
        "attributes": [
            {"key": "shelf_life", "label": "茶叶保质期"},  # key inherited from 食品
            {"key": "tea_origin", "label": "（产地）".strip("（）")},  # name inherited from 食品
            {"key": "Grade", "label": "等级"},
            {"key": "leaf", "label": "叶型", "type": "choice"},
        ],
        "required_certificates": ["no_such_kind"],
    }

    response = _staff_api("product_ops").post_json(CATEGORIES, body)

    assert response.status_code == 422
    errors = {(tuple(e["loc"]), e["code"]) for e in response.json()["errors"]}
    assert errors == {
        (("body", "attributes", 0, "key"), "duplicate"),
        (("body", "attributes", 1, "label"), "duplicate"),
        (("body", "attributes", 2, "key"), "invalid"),
        (("body", "attributes", 3, "choices"), "required"),
        (("body", "required_certificates"), "invalid_choice"),
    }
    assert not Category.objects.filter(code="food-tea").exists()


def test_editing_a_category_replaces_its_schema_and_refuses_a_cycle() -> None:
    tea = _tea()
    child = Category.objects.create(code="tea-green", name="绿茶", parent=tea, compliance_category="food")
    client = _staff_api("product_ops")

    cycle = _put(client, f"{CATEGORIES}/{tea.pk}", {**TEA, "parent_id": child.pk})
    assert cycle.status_code == 422
    assert [(e["loc"], e["code"]) for e in cycle.json()["errors"]] == [(["body", "parent_id"], "cycle")]

    edited = _put(
        client,
        f"{CATEGORIES}/{tea.pk}",
        {**TEA, "name": "茶叶冲饮", "attributes": TEA["attributes"][:2], "is_active": False},
    )

    assert edited.status_code == 200, edited.content
    tea.refresh_from_db()
    assert tea.name == "茶叶冲饮" and tea.is_active is False
    assert [a["key"] for a in tea.required_attributes] == ["shelf_life_days", "origin"]
    event = AuditEvent.objects.get(action="catalogue.category_update")
    assert event.before is not None and event.after is not None
    assert event.before["name"] == "茶叶" and event.after["name"] == "茶叶冲饮"
    # the child inherits the parent's schema
    assert [s.key for s in child.attribute_specs()] == ["shelf_life_days", "origin"]


@pytest.mark.req("R1.2.1")
def test_an_attribute_typed_by_its_chinese_name_is_stored_under_its_key_and_passes_completeness() -> None:
    _tea()
    merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))

    response = client.post_json(
        "/api/v1/merchant/products",
        _product_body("tea", {"保质期": "540天", "产地": "云南普洱", "品牌": "某某"}),
    )

    assert response.status_code == 201, response.content
    assert response.json()["attributes"] == {"shelf_life_days": "540天", "origin": "云南普洱", "品牌": "某某"}
    product = Product.objects.for_merchant(merchant.pk).get()
    listing = review_services.listing_create(
        actor=actor_of(None), merchant_id=merchant.pk, product_id=product.pk
    )
    version = review_services.listing_submit(
        actor=actor_of(None), merchant_id=merchant.pk, listing_id=listing.pk
    )
    rules = [f.rule for f in Finding.objects.for_merchant(merchant.pk).filter(version=version)]
    assert "COMPLETENESS-ATTRIBUTE" not in rules


def test_an_attribute_given_twice_or_of_the_wrong_type_is_refused_naming_it() -> None:
    _tea()
    merchant, owner = make_merchant()
    client = ApiClient(token=token_for(owner))

    twice = client.post_json(
        "/api/v1/merchant/products",
        _product_body("tea", {"shelf_life_days": "540", "保质期": "540天", "产地": "云南", "等级": "特级"}),
    )
    wrong = client.post_json(
        "/api/v1/merchant/products",
        _product_body("tea", {"保质期": "一年半", "产地": "云南", "等级": "三级"}),
    )

    assert twice.status_code == 422
    assert [(e["loc"], e["code"], e["msg"]) for e in twice.json()["errors"]] == [
        (
            ["body", "attributes", "保质期"],
            "duplicate",
            "保质期 is given twice ('shelf_life_days' and '保质期')",
        )
    ]
    assert wrong.status_code == 422
    assert [(e["loc"], e["code"], e["msg"]) for e in wrong.json()["errors"]] == [
        (["body", "attributes", "保质期"], "not_a_number", "保质期: a number (in 天), got '一年半'"),
        (["body", "attributes", "等级"], "invalid_choice", "等级: one of 特级、一级"),
    ]
    assert not Product.objects.for_merchant(merchant.pk).exists()


def test_a_disabled_category_takes_no_new_products() -> None:
    tea = _tea()
    tea.is_active = False
    tea.save()
    _merchant, owner = make_merchant()

    response = ApiClient(token=token_for(owner)).post_json(
        "/api/v1/merchant/products", _product_body("tea", {"保质期": "540", "产地": "云南"})
    )

    assert response.status_code == 422
    assert [(e["loc"], e["code"]) for e in response.json()["errors"]] == [
        (["body", "category_code"], "category_inactive")
    ]


def test_name_mapping_accepts_a_label_without_its_bracketed_remark_and_full_width_brackets() -> None:
    specs = [
        AttributeSpec(key="production_licence", label="食品生产许可证编号(SC)"),
        AttributeSpec(key="origin", label="产地"),
    ]
    mapped, problems = map_attribute_names(
        {"食品生产许可证编号": "SC101", " 产地 ": "杭州", "配料": "茶叶"}, specs
    )
    assert problems == []
    assert mapped == {"production_licence": "SC101", "origin": "杭州", "配料": "茶叶"}
    mapped, problems = map_attribute_names({"食品生产许可证编号（SC）": "SC102"}, specs)
    assert mapped == {"production_licence": "SC102"} and problems == []


# ---- console


def _console(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _category_post(**overrides: str) -> dict[str, str]:
    data = {
        "name": "茶叶",
        "code": "tea",
        "parent": "",
        "compliance_category": "food",
        "required_certificates": "food_business_licence",
        "default_return_exclusion": "",
        "is_active": "on",
        "attr-TOTAL_FORMS": "3",
        "attr-INITIAL_FORMS": "0",
        "attr-MIN_NUM_FORMS": "0",
        "attr-MAX_NUM_FORMS": "60",
        "attr-0-label": "保质期",
        "attr-0-key": "shelf_life_days",
        "attr-0-type": "number",
        "attr-0-required": "on",
        "attr-0-unit": "天",
        "attr-0-choices": "",
        "attr-1-label": "等级",
        "attr-1-key": "grade",
        "attr-1-type": "choice",
        "attr-1-unit": "",
        "attr-1-choices": "特级、一级, 二级",
        "attr-2-label": "",
        "attr-2-key": "",
        "attr-2-type": "text",
        "attr-2-unit": "",
        "attr-2-choices": "",
    }
    data.update(overrides)
    return data


@pytest.mark.req("R1.2.1")
def test_console_category_editor_creates_and_lists_the_tree() -> None:
    staff = make_staff("product_ops")
    client = _console(staff)
    page = client.get("/catalogue/categories/new/")
    assert page.status_code == 200 and 'name="attr-0-label"' in page.content.decode()

    response = client.post("/catalogue/categories/new/", _category_post())

    tea = Category.objects.get(code="tea")
    assert response.status_code == 302 and response["Location"] == f"/catalogue/categories/{tea.pk}/"
    assert tea.required_attributes == [
        {
            "key": "shelf_life_days",
            "label": "保质期",
            "type": "number",
            "required": True,
            "unit": "天",
            "choices": [],
        },
        {
            "key": "grade",
            "label": "等级",
            "type": "choice",
            "required": False,
            "unit": "",
            "choices": ["特级", "一级", "二级"],
        },
    ]
    assert tea.required_certificates == ["food_business_licence"]
    child = client.post(
        "/catalogue/categories/new/",
        _category_post(
            code="tea-green",
            name="绿茶",
            parent=str(tea.pk),
            **{"attr-0-label": "", "attr-0-key": "", "attr-1-label": "", "attr-1-key": ""},
        ),
    )
    assert child.status_code == 302
    listing = client.get("/catalogue/categories/?q=茶").content.decode()
    assert listing.index("茶叶") < listing.index("└ 绿茶")
    assert AuditEvent.objects.filter(action="catalogue.category_create").count() == 2


def test_console_category_editor_shows_service_errors_under_the_row() -> None:
    client = _console(make_staff("product_ops"))
    response = client.post(
        "/catalogue/categories/new/",
        _category_post(**{"attr-1-key": "shelf_life_days", "attr-1-choices": ""}),
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "the key &#x27;shelf_life_days&#x27; is already used" in text
    assert "a choice attribute needs its choices" in text
    assert not Category.objects.filter(code="tea").exists()


def test_console_category_pages_need_catalogue_manage() -> None:
    client = _console(make_staff("listing_reviewer"))
    assert client.get("/catalogue/categories/").status_code == 403
    assert client.post("/catalogue/categories/new/", _category_post()).status_code == 403
    assert not Category.objects.filter(code="tea").exists()


@pytest.mark.req("R1.2.1")
def test_product_form_shows_the_schema_before_the_product_exists_and_maps_names() -> None:
    _tea()
    merchant, owner = make_merchant()
    client = _console(owner)

    page = client.get("/review/mine/products/new/?category=tea").content.decode()

    # each attribute by its Chinese name, the unit, the required mark, the choices; the certificates
    assert 'name="attr-shelf_life_days"' in page and "保质期（天）" in page
    assert 'name="attr-origin"' in page and 'name="attr-grade"' in page and '<option value="特级"' in page
    field = page[page.index('data-field="attr-origin"') :]
    assert field.index('<span class="required"') < field.index("</label>")
    assert "食品经营许可证" in page
    assert not Product.objects.for_merchant(merchant.pk).exists()

    response = client.post(
        "/review/mine/products/new/",
        {
            "category_code": "tea",
            "title": "云南普洱熟茶 357克茶饼",
            "attr-shelf_life_days": "540",
            "attr-origin": "",
            "attr-grade": "特级",
            "attributes": "产地=云南普洱\n品牌=某某",
            "return_policy": "eligible",
            "sku-0-code": "PU-1",
            "sku-0-spec": "规格=357克",
            "sku-0-price": "128",
            "sku-0-reference": "",
            "sku-0-stock": "10",
        },
    )

    product = Product.objects.for_merchant(merchant.pk).get()
    assert response.status_code == 302
    assert product.attributes == {
        "shelf_life_days": "540",
        "grade": "特级",
        "origin": "云南普洱",
        "品牌": "某某",
    }
    edit = client.get(f"/review/mine/products/{product.pk}/").content.decode()
    assert 'name="attr-origin" value="云南普洱"' in edit
