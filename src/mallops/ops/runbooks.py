"""Runbooks: the Markdown pages under docs/runbooks/, linked from each incident by its kind (R7.4.1).

The pages stay in the repository (versioned with the code they name; owners are on each page); the console
renders them read-only for technical operations. ``RUNBOOKS`` maps an incident kind to its pages; a kind
with no page of its own links the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from mallops.ops.views import _require

RUNBOOK_DIR = Path(__file__).resolve().parents[3] / "docs" / "runbooks"


@dataclass(frozen=True)
class Runbook:
    slug: str
    title: object


PAGES: dict[str, Runbook] = {
    page.slug: page
    for page in (
        Runbook("README", _("Runbooks index")),
        Runbook("restore-from-backup", _("Restore from backup")),
        Runbook("postgresql-failover", _("PostgreSQL failover")),
        Runbook("redis-loss-flash-sale", _("Redis loss during a flash sale")),
        Runbook("disk-full", _("Disk full")),
        Runbook("leaked-credential", _("Leaked credential")),
        Runbook("personal-data-incident", _("Personal-data incident")),
        Runbook("release-and-rollback", _("Release and rollback")),
    )
}

RUNBOOKS: dict[str, tuple[str, ...]] = {
    "data_leak": ("personal-data-incident", "leaked-credential"),
    "system_failure": (
        "postgresql-failover",
        "restore-from-backup",
        "redis-loss-flash-sale",
        "disk-full",
        "release-and-rollback",
    ),
    "mass_complaints": ("release-and-rollback", "README"),
    "regulatory_investigation": ("personal-data-incident",),
}


def for_kind(kind: str) -> list[Runbook]:
    return [PAGES[slug] for slug in RUNBOOKS.get(kind, ("README",))]


def render_markdown(text: str) -> SafeString:
    """Markdown to HTML with raw HTML escaped (the pages are ours, but nothing in them runs as markup)."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:  # the renderer comes with the dev tools; without it the text is shown as written
        from django.utils.html import escape

        return mark_safe(f"<pre>{escape(text)}</pre>")  # escaped just above
    html: str = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    return mark_safe(html)  # markdown-it escapes raw HTML with html=False


@login_required
def runbook(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request)
    page = PAGES.get(slug)
    path = RUNBOOK_DIR / f"{slug}.md"
    if page is None:
        raise Http404("no such runbook")
    body = render_markdown(path.read_text(encoding="utf-8")) if path.is_file() else None
    return render(
        request,
        "ops/runbook.html",
        {
            "page": page,
            "body": body,
            "source": f"docs/runbooks/{slug}.md",
            "pages": PAGES.values(),
            "active": "ops_incidents",
        },
    )
