"""The API's URL look-up, remembered per path (docs/performance.md, Session 9).

Django resolves a request path by trying the patterns of each ``include`` in turn, and django-ninja gives
every API path its own pattern: ``GET /api/v1/service/tickets`` tried about 150 regular expressions, some
0.15–0.2 ms of CPU on every API request (5–7 % of a list's). The URL configuration does not change while a
process runs, so what a path resolved to is the same for every later request of that path: the resolver
below keeps it, for at most ``MAX_PATHS`` paths (then starts over). Misses (404) are not kept. The
``ResolverMatch`` kept is never handed out: the root resolver builds a new one from it per request. Its
``tried`` (a debugging aid) holds the matching pattern only, not the ~150 tried before it.
"""

from __future__ import annotations

from typing import Any

from django.urls import URLResolver
from django.urls.resolvers import ResolverMatch, RoutePattern

MAX_PATHS = 4096


class PathMemoResolver(URLResolver):
    """``URLResolver`` that remembers the match of each path it resolved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._matches: dict[str, ResolverMatch] = {}

    def resolve(self, path: Any) -> ResolverMatch:
        path = str(path)
        match = self._matches.get(path)
        if match is None:
            match = super().resolve(path)  # Resolver404 when nothing matches: not kept
            # ``tried`` lists every pattern tried before the match (for the debug 404 page; no 404 comes
            # from a match): the root resolver copies it on every request, so keep the match's own only
            match.tried = (match.tried or [])[-1:]
            if len(self._matches) >= MAX_PATHS:
                self._matches.clear()
            self._matches[path] = match
        return match


def remembered_include(route: str, urls: tuple[list[Any], str, str]) -> PathMemoResolver:
    """``path(route, urls)`` for an ``(patterns, app_name, namespace)`` triple (``NinjaAPI.urls``), with the
    look-up remembered per path."""
    patterns, app_name, namespace = urls
    return PathMemoResolver(
        RoutePattern(route, is_endpoint=False), patterns, app_name=app_name, namespace=namespace
    )
