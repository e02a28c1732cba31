"""``GET /api/v1/catalogue/categories`` answers from this process's copy of its body, keyed by the category
stamp that database triggers change with every write to the category table (docs/performance.md,
Session 9): each write shows on the next read, whoever made it, and a read that finds its copy runs one
query beyond the token's."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from mallops.accounts.actors import actor_of
from mallops.catalogue import api as catalogue_api
from mallops.catalogue import selectors
from mallops.catalogue.contracts import CategoryInput
from mallops.catalogue.models import Category
from mallops.catalogue.services import category_create, category_update
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for
from mallops.testing.queries import count_queries

pytestmark = pytest.mark.django_db

LIST = "/api/v1/catalogue/categories"


def _list(client: ApiClient) -> dict[str, dict[str, Any]]:
    response = client.get_json(LIST)
    assert response.status_code == 200
    return {row["code"]: row for row in response.json()}


def _fresh_body(client: ApiClient) -> bytes:
    catalogue_api._category_list_body = None
    return bytes(client.get_json(LIST).content)


def test_every_category_write_shows_on_the_next_read() -> None:
    # given a read that kept its copy
    client = ApiClient(token=token_for(make_staff("listing_reviewer")))
    ops = actor_of(make_staff("product_ops"))
    before = _list(client)
    assert "tea" not in before
    # when the platform creates, renames and disables a category through the services
    tea = category_create(actor=actor_of(ops), data=CategoryInput(code="tea", name="茶叶"))
    created = _list(client)
    category_update(actor=actor_of(ops), category_id=tea.pk, data=CategoryInput(code="tea", name="茶"))
    renamed = _list(client)
    category_update(
        actor=actor_of(ops), category_id=tea.pk, data=CategoryInput(code="tea", name="茶", is_active=False)
    )
    disabled = _list(client)
    # then each read shows the write before it
    assert (created["tea"]["name"], created["tea"]["is_active"]) == ("茶叶", True)
    assert (renamed["tea"]["name"], renamed["tea"]["is_active"]) == ("茶", True)
    assert (disabled["tea"]["name"], disabled["tea"]["is_active"]) == ("茶", False)
    assert set(disabled) == {*before, "tea"}
    # and a writer that bypasses the services (raw SQL from another process, a migration) shows as well
    Category.objects.filter(code="tea").update(name="茗茶")
    assert _list(client)["tea"]["name"] == "茗茶"
    Category.objects.filter(code="tea").delete()
    assert "tea" not in _list(client)
    # the copy's bytes are those a fresh build renders
    kept = bytes(client.get_json(LIST).content)
    assert kept == _fresh_body(client)


def test_a_rolled_back_write_never_brings_back_a_copy_of_other_rows() -> None:
    client = ApiClient(token=token_for(make_staff("listing_reviewer")))
    ops = actor_of(make_staff("product_ops"))
    stamp = selectors.category_stamp()
    with pytest.raises(RuntimeError), transaction.atomic():
        category_create(actor=actor_of(ops), data=CategoryInput(code="tea", name="茶叶"))
        assert "tea" in _list(client)  # the copy is now keyed by the rolled-back write's stamp
        raise RuntimeError("roll back")
    assert selectors.category_stamp() == stamp
    assert "tea" not in _list(client)


def test_a_read_that_finds_its_copy_runs_the_stamp_query_only() -> None:
    client = ApiClient(token=token_for(make_staff("listing_reviewer")))
    _list(client)  # the copy
    with count_queries() as cold:
        _fresh_body(client)
    with count_queries() as warm:
        _list(client)
    assert len(cold) - len(warm) == 1  # the category rows (the parents come with them)
    assert [sql for sql in warm.statements if "catalogue_" in sql] == [selectors._STAMP_SQL]
