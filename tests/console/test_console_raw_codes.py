"""No raw code reaches a zh-hans console page (issue 14, item 2).

Every page of every role's menu, and the first detail page each list links to, is rendered in zh-hans on a
database filled by the apps' own demo loaders (smaller than ``make demo`` so the walk stays under a minute).
The visible text (tags, scripts, styles and attribute values stripped) must not contain, as a whole word,
any code a person should never read: a choice value of any model, a compliance rule id, a carrier code, a
code that has a label in an app's label table (``mallops.<app>.labels``), a role or permission code, or a
snake_case field name.
"""

from __future__ import annotations

import importlib
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Staff users of the demo (one per staff role) and one store's three merchant roles.
MERCHANT_USERS = ["merchant1", "merchant1-ops", "merchant1-cs"]
SKIPPED_PREFIXES = ("/static/", "/admin/", "/logout/", "/api/", "/login/", "/password/")
# pages reached through a page's tabs rather than the menu (the 营销 group keeps few entries), walked too
TAB_PAGES = [
    "/marketing/channels/",
    "/marketing/spend/",
    "/marketing/strategies/",
    "/marketing/tags/",
    "/membership/tiers/",
]

# Codes that may appear as words on a zh-hans page, each with the reason it is not a leaked code.
ALLOWED: dict[str, str] = {
    "EMS": "part of a carrier's Chinese name (中国邮政 EMS), as the glossary spells it",
}
# A code allowed on one page only, with the reason.
ALLOWED_ON_PAGE: dict[tuple[str, str], str] = {
    ("/calendar/", "holiday"): "the CSV import help names the literal values the file's kind column takes",
    ("/calendar/", "workday"): "the CSV import help names the literal values the file's kind column takes",
    ("/review/mine/import/", "external_code"): "the import help names the spreadsheet's column header",
    ("/privacy/policies/", "legal_basis"): "the publish form's JSON editor holds the policy's own keys",
    ("/analytics/experiments/", "checkout"): "a word of a title a person typed (One-page checkout)",
    ("/marketing/channels/", "douyin"): "a UTM source as the links carry it (demo channel)",
    ("/content/draws/<id>/", "content"): "the verify-draw command line (mallops content verify-draw) to copy",
}


class _VisibleText(HTMLParser):
    """Text a person sees: character data outside <script>, <style> and <template>; no attribute values."""

    HIDDEN = frozenset({"script", "style", "template", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


def known_codes() -> dict[str, str]:
    """Every code with where it comes from (for the failure message)."""
    from mallops.accounts.roles import PERMISSIONS, ROLES
    from mallops.compliance.engine.rules import load_packs
    from mallops.orders.services import CARRIERS

    codes: dict[str, str] = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "choices", None):
                for value, _label in field.flatchoices:  # type: ignore[union-attr]
                    if isinstance(value, str) and value.strip():
                        codes.setdefault(value, f"choice of {model._meta.label}.{field.name}")
            if getattr(field, "concrete", False) and "_" in field.name.strip("_"):
                codes.setdefault(field.name, f"field name {model._meta.label}.{field.name}")
    for pack in load_packs():
        for rule in pack.rules:
            codes.setdefault(rule.id, f"compliance rule id ({pack.name})")
    for code in CARRIERS:
        codes.setdefault(code, "carrier code")
    # every code an app's label table names (mallops.<app>.labels): having a label, it must show the label
    for config in apps.get_app_configs():
        try:
            table_module = importlib.import_module(f"{config.name}.labels")
        except ModuleNotFoundError:
            continue
        for name, table in getattr(table_module, "LABELS", {}).items():
            if isinstance(table, dict):
                for code in table:
                    if isinstance(code, str) and re.fullmatch(r"[a-z][a-z0-9_$]+|[A-Z][A-Z0-9-]+", code):
                        codes.setdefault(code, f"code with a label ({config.label}.{name})")
    for code in ROLES:
        codes.setdefault(code, "role code")
    for code in PERMISSIONS:
        codes.setdefault(code, "permission code")
    return {code: where for code, where in codes.items() if code not in ALLOWED}


def code_pattern(codes: dict[str, str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(code) for code in sorted(codes, key=len, reverse=True))
    # a whole word: not inside a longer identifier, rule id or dotted name (paid in paid_at, AD9 in AD9-3)
    # ASCII boundaries: a code right after a Chinese character (状态paid) is still a code; a word inside a
    # URL path (/api/v1/…) is not a label
    return re.compile(rf"(?<![A-Za-z0-9_.\-/])({alternatives})(?![A-Za-z0-9_\-/]|\.[A-Za-z0-9_])")


def _internal_links(html: str) -> list[str]:
    links = []
    for href in re.findall(r'href="([^"]+)"', html):
        path = urlsplit(href.replace("&amp;", "&")).path
        if path.startswith("/") and not path.startswith(SKIPPED_PREFIXES) and path not in links:
            links.append(path)
    return links


def _demo_database(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The demo's rows at a smaller scale (every loader runs, with fewer orders, tickets and events)."""
    from mallops import demo
    from mallops.analytics import demo as analytics_demo
    from mallops.orders import demo as orders_demo
    from mallops.service import demo as service_demo

    monkeypatch.setattr(orders_demo, "ORDER_COUNT", 40)
    monkeypatch.setattr(service_demo, "TICKETS", 20)
    monkeypatch.setattr(analytics_demo, "BUYERS", 80)
    demo.load_demo_data(buyers=30)
    return [*demo.STAFF_USERS, *MERCHANT_USERS]


def test_no_console_page_shows_a_raw_code_in_zh_hans(monkeypatch: pytest.MonkeyPatch) -> None:
    from mallops.accounts.models import User

    usernames = _demo_database(monkeypatch)
    codes = known_codes()
    pattern = code_pattern(codes)
    found: dict[tuple[str, str], set[str]] = defaultdict(set)  # (path, code) -> usernames
    context: dict[tuple[str, str], str] = {}
    pages: dict[str, set[str]] = defaultdict(set)
    errors: list[str] = []

    for username in usernames:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.cookies["django_language"] = "zh-hans"
        client.force_login(User.objects.get(username=username))
        home = client.get("/")
        assert home.status_code == 200, username
        menu = _internal_links(home.content.decode())
        queue = [(path, True) for path in menu + [p for p in TAB_PAGES if p not in menu]]
        seen: set[str] = set()
        while queue:
            path, follow = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                if response.status_code >= 500:
                    errors.append(f"{username} {path}: {response.status_code}")
                continue
            html = response.content.decode()
            pages[path].add(username)
            text = visible_text(html)
            for match in pattern.finditer(text):
                code = match.group(1)
                # ids differ between backends (PostgreSQL sequences are not reset): <id> stands for any
                if (path, code) in ALLOWED_ON_PAGE or (
                    re.sub(r"/\d+/", "/<id>/", path),
                    code,
                ) in ALLOWED_ON_PAGE:
                    continue
                found[(path, code)].add(username)
                context.setdefault((path, code), text[max(0, match.start() - 40) : match.end() + 40])
            if follow:
                # list → its first detail page: the first link below this page that is not in the menu
                details = [
                    link
                    for link in _internal_links(html)
                    if link not in menu and link != path and re.search(r"/\d+/", link)
                ]
                queue[:0] = [(link, False) for link in details[:1]]

    # the pages walked, for the record (``$MALLOPS_DATA_DIR/raw_codes_pages.txt``)
    from django.conf import settings

    (settings.DATA_DIR / "raw_codes_pages.txt").write_text(
        "".join(f"{path}\t{', '.join(sorted(users))}\n" for path, users in sorted(pages.items())),
        encoding="utf-8",
    )
    assert not errors, errors
    assert len(pages) >= 40, sorted(pages)
    report = [
        f"{path}: {code!r} ({codes[code]}) for {', '.join(sorted(users))} … {context[(path, code)]} …"
        for (path, code), users in sorted(found.items())
    ]
    assert not report, "raw codes on zh-hans pages:\n" + "\n".join(report)


def test_visible_text_ignores_markup_and_attributes() -> None:
    html = '<style>.paid{}</style><p title="paid" class="shipped">已发货 <b>SF</b></p><script>"paid"</script>'
    assert visible_text(html).strip() == "已发货 SF"


def test_code_pattern_matches_whole_words_only() -> None:
    pattern = code_pattern({"paid": "", "AD9-3-FIRST": "", "SF": ""})
    assert [m.group(1) for m in pattern.finditer("paid paid_at unpaid AD9-3-FIRST-X SF 顺丰SF")] == [
        "paid",
        "SF",
        "SF",
    ]


def test_english_pages_show_the_english_labels() -> None:
    from mallops.orders.states import Event
    from mallops.orders.transitions import order_transition
    from mallops.testing.factories import make_merchant, make_staff
    from mallops.testing.orders import make_order

    merchant, _owner = make_merchant()
    order = make_order(merchant)
    order_transition(actor=None, order_id=order.pk, event=Event.PAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_staff("cs_agent"))
    english = client.get("/orders/").content.decode()
    assert "Awaiting shipment" in english and "待发货" not in english
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.force_login(make_staff("cs_agent"))
    assert "待发货" in chinese.get("/orders/").content.decode()
