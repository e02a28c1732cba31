"""Pages rendered once and filled per request (docs/performance.md, R6.1.1).

A page's public HTML (the same for every visitor) is rendered once per stamp into a ``Skeleton``: the HTML
cut at its slots, ``<!--sf:NAME-->`` comments that the template puts where a per-request part goes (the
live price and stock, the forms with the request's own CSRF token, the signed-in parts, the alerts, the
tracking settings). Per request, one small template renders every slot at once, again as ``<!--sf:NAME-->``
followed by the slot's HTML, and ``fill`` joins the two.

A slot marker cannot come from data: every value a template prints is escaped (``<`` becomes ``&lt;``), so
only a template can write one. Templates here are rendered without a request (``render``), so no context
processor runs and nothing about the visitor can reach a skeleton by accident; a live part gets what it
needs (``user``, ``request``, ``csrf_token``, ``messages``) from the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.functional import SimpleLazyObject

SLOT = re.compile(r"<!--sf:([a-z_]+(?::[0-9]+)?)-->")


@dataclass(frozen=True, slots=True)
class Skeleton:
    """A page's HTML cut at its slots: static HTML at even indexes, slot names at odd ones."""

    parts: tuple[str, ...]

    @property
    def slots(self) -> tuple[str, ...]:
        return self.parts[1::2]


def render(template_name: str, context: dict[str, Any]) -> str:
    """``template_name`` with ``context`` only (no request, no context processors)."""
    return str(get_template(template_name).render(context))


def skeleton(html: str) -> Skeleton:
    return Skeleton(parts=tuple(SLOT.split(html)))


def slots(html: str) -> dict[str, str]:
    """The slots of a live render: each ``<!--sf:NAME-->`` marker and the HTML up to the next one."""
    parts = SLOT.split(html)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def fill(page: Skeleton, parts: dict[str, str]) -> str:
    """The page with each slot replaced by its part (a slot without a part is left empty)."""
    return "".join(part if i % 2 == 0 else parts.get(part, "") for i, part in enumerate(page.parts))


def live_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """What a live part may use of the request: the visitor, the request's own CSRF token (never one
    rendered for somebody else), the flash messages and the ``?error=`` text of a redirect."""
    return {
        "request": request,
        "user": request.user,
        # lazy, as Django's own context processor: a page without a form sets no CSRF cookie
        "csrf_token": SimpleLazyObject(lambda: get_token(request)),
        "messages": get_messages(request),
        "error": request.GET.get("error", ""),
        **extra,
    }
