"""The API's path look-up remembered per path (``core.urlcache``) resolves exactly as Django's does."""

from __future__ import annotations

import pytest
from django.urls import Resolver404, URLResolver, resolve, reverse
from django.urls.resolvers import RoutePattern

from mallops import urls
from mallops.core.urlcache import PathMemoResolver

PATHS = [
    "/api/v1/me",
    "/api/v1/merchant/orders",
    "/api/v1/service/tickets",
    "/api/v1/service/tickets/17",
    "/api/v1/service/tickets/18",
    "/api/v1/catalogue/categories",
    "/api/v1/platform/catalogue/categories/3",
]


def test_a_remembered_path_resolves_as_django_resolves_it() -> None:
    memo = next(p for p in urls.urlpatterns if isinstance(p, PathMemoResolver))
    plain = URLResolver(
        RoutePattern("api/v1/", is_endpoint=False),
        memo.url_patterns,
        app_name=memo.app_name,
        namespace=memo.namespace,
    )
    for path in PATHS * 2:  # the second round answers from what was kept
        kept, fresh = resolve(path), plain.resolve(path.removeprefix("/"))
        assert (kept.func, kept.args, kept.kwargs, kept.url_name) == (
            fresh.func,
            fresh.args,
            fresh.kwargs,
            fresh.url_name,
        )
        assert kept.route == "api/v1/" + fresh.route  # the root resolver joins the include's route
        assert (kept.namespaces, kept.view_name) == (fresh.namespaces, fresh.view_name)
    assert resolve("/api/v1/service/tickets/17").kwargs == {"ticket_id": "17"}
    assert reverse(f"{resolve('/api/v1/me').view_name}") == "/api/v1/me"


def test_a_path_that_matches_nothing_is_a_404_every_time_and_not_kept() -> None:
    memo = next(p for p in urls.urlpatterns if isinstance(p, PathMemoResolver))
    for _ in range(2):
        with pytest.raises(Resolver404):
            resolve("/api/v1/no-such-thing")
    assert "api/v1/no-such-thing" not in memo._matches
