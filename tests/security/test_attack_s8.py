"""The attack of 2026-12-07 (session 8) on the session 7 features: one regression test per finding
(docs/security.md § Attack of 2026-12-07). Each failed on the main of that day."""

from __future__ import annotations

import ast
import struct
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.core.errors import DomainError
from mallops.core.uploads import IMAGE_TYPES, inspect_upload
from mallops.marketing import services as marketing
from mallops.membership.birthday import birthday_gifts_grant, member_birthday_set
from mallops.membership.models import BirthdayGift, Member
from mallops.membership.services import TierInput, tier_create
from mallops.pricing.models import Promotion
from mallops.testing.client import ApiClient
from mallops.testing.factories import make_staff, token_for
from mallops.testing.pricing import make_buyer

SRC = Path(__file__).resolve().parents[2] / "src" / "mallops"

# Modules where ``x.isdigit()`` guards an ``int()`` of ``x`` and that is safe: the value is made by the server
# (its own keys, audit object ids, field paths), ``isascii()`` is asked too, or the caller catches the
# ValueError that ``int("²")`` raises.
ISDIGIT_ALLOWED = {
    "analytics/campaign_report.py": "the engine's own coupon keys",
    "core/money.py": "parse_yuan documents ValueError; its callers catch it",
    "core/words.py": "field path parts the server names (console error lines)",
    "dsr/retention.py": "audit object ids written by the server",
    "dsr/sources.py": "audit object ids written by the server",
    "ops/release_views.py": "str.isascii() is asked first",
    "orders/detail.py": "the engine's own offer ids and the server's references",
    "workdays/engine/calendar.py": "raises ValueError itself; pure engine (no Django import)",
}


def _names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - {"str", "int"}


def _isdigit_guards() -> list[str]:
    """``x.isdigit()`` in a function that also calls ``int()`` on something made of the same names."""
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" in rel or rel in ISDIGIT_ALLOWED:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for scope in ast.walk(tree):
            if not isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            nodes = list(ast.walk(scope))
            ints = [
                _names(n.args[0])
                for n in nodes
                if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "int" and n.args
            ]
            for n in nodes:
                if (
                    isinstance(n, ast.Attribute)
                    and n.attr == "isdigit"
                    and any(_names(n.value) & i for i in ints)
                ):
                    found.add(f"{rel}:{n.lineno}")
    return sorted(found)


def test_no_request_value_is_judged_by_str_isdigit() -> None:
    # "²".isdigit() is True and int("²") raises: a 500 on the inbox, the birthday form, the after-sales
    # form, the ranking page, the tag page and eight older pages. is_ascii_digits is the one check.
    assert _isdigit_guards() == []


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/shop/me/inbox/read/", {"kind": "tier", "id": "²"}),
        ("post", "/shop/me/inbox/read/", {"kind": "tier", "id": "9" * 5000}),
        ("post", "/shop/me/member/", {"month": "²", "day": "1"}),
        ("post", "/shop/me/member/", {"month": "99999999999999999999", "day": "1"}),
    ],
)
def test_hostile_numbers_on_the_buyer_pages_are_not_500(method: str, path: str, data: dict[str, str]) -> None:
    buyer = make_buyer("s8-digits")
    response = getattr(_client(buyer), method)(path, data)
    assert response.status_code in (200, 302, 404)
    assert not Member.objects.filter(buyer=buyer, birthday_month__isnull=False).exists()


@pytest.mark.django_db
def test_hostile_numbers_on_the_console_pages_are_not_500() -> None:
    admin = make_staff("platform_admin")
    marketing.buyer_tags_add(actor=actor_of(admin), tag="s8", usernames=[make_buyer("s8-tagged").username])
    client = _client(admin)
    assert client.get("/storefront/ranking/", {"product": "²"}).status_code == 200
    assert client.get("/storefront/ranking/", {"find": "²"}).status_code == 200
    assert client.post("/marketing/tags/s8/", {"action": "unassign", "buyer": "²"}).status_code == 302


@pytest.mark.django_db
def test_a_birthday_beyond_a_c_long_is_422_not_500() -> None:
    # the service itself, not only the form: date(2000, 10**20, 1) raises OverflowError
    buyer = make_buyer("s8-overflow")
    Member.objects.create(buyer=buyer, growth=0, joined_at=timezone.now())
    with pytest.raises(DomainError) as refused:
        member_birthday_set(actor=actor_of(buyer), month=10**20, day=1)
    assert (refused.value.status, [e.loc for e in refused.value.errors]) == (422, [("body", "day")])
    assert Member.objects.get(buyer=buyer).birthday_month is None


@pytest.mark.django_db
def test_a_tag_name_with_a_slash_keeps_the_tag_pages_working() -> None:
    # the API and the form accept "a/b"; the tag list then failed to link it (500 on every visit)
    admin = make_staff("platform_admin")
    marketing.buyer_tags_add(actor=actor_of(admin), tag="a/b", usernames=[make_buyer("s8-slash").username])
    client = _client(admin)
    listing = client.get("/marketing/tags/")
    assert listing.status_code == 200 and 'href="/marketing/tags/a/b/"' in listing.content.decode()
    assert client.get("/marketing/tags/a/b/").status_code == 200


@pytest.mark.django_db
def test_multipart_form_text_obeys_the_text_rules() -> None:
    # the after-sales and review forms are multipart (photos): their text skipped the control-character
    # check of urlencoded forms and stored NUL (PostgreSQL: 500) and control characters
    buyer = make_buyer("s8-multipart")
    Member.objects.create(buyer=buyer, growth=0, joined_at=timezone.now())
    client = _client(buyer)
    refused = client.post(
        "/shop/me/member/", {"month": "1", "day": "1\x01", "x": SimpleUploadedFile("a", b"a")}
    )
    assert refused.status_code == 400
    assert Member.objects.get(buyer=buyer).birthday_month is None
    # the same form without the control character is saved
    assert client.post("/shop/me/member/", {"month": "1", "day": "1"}).status_code == 302
    assert Member.objects.get(buyer=buyer).birthday_month == 1


def test_a_form_post_above_40_mb_is_413_before_it_is_read(rf: Any) -> None:
    # a 60 MB "photo" was streamed to disk for anyone (the CSRF check reads the form first), then refused
    from mallops.core.middleware import MAX_FORM_BODY_BYTES, InputPolicyMiddleware

    read: list[bool] = []
    middleware = InputPolicyMiddleware(lambda request: read.append(True))  # type: ignore[arg-type,return-value]
    request = rf.post("/shop/me/inbox/read/", data=b"x", content_type="multipart/form-data; boundary=x")
    request.META["CONTENT_LENGTH"] = str(MAX_FORM_BODY_BYTES + 1)
    response = middleware(request)
    assert response.status_code == 413 and read == [] and not hasattr(request, "_post")


@pytest.mark.django_db
def test_a_control_character_in_the_path_is_refused_before_any_look_up() -> None:
    # /marketing/tags/%00/ looked the tag up with a NUL (PostgreSQL: 500); the query string was checked
    client = _client(make_staff("platform_admin"))
    assert client.get("/marketing/tags/a%00b/").status_code == 400
    assert client.get("/marketing/tags/a%0Ab/").status_code == 400
    api = client.get("/api/v1/orders/%00")
    assert api.status_code == 422 and api.json()["errors"][0]["loc"] == ["path"]


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + ihdr + b"\x00" * 64


def test_an_image_announcing_more_than_64_megapixels_is_refused() -> None:
    # a 5 MB one-colour PNG can announce 60,000 x 60,000 px: the staff's browser would decode gigabytes
    bomb = SimpleUploadedFile("p.png", _png_header(60_000, 60_000), content_type="image/png")
    inspected, errors = inspect_upload(bomb, allowed=IMAGE_TYPES, max_bytes=5 << 20, min_side=200)
    assert inspected is None and [(e.loc, e.code) for e in errors] == [(("body", "file"), "too_many_pixels")]
    fine = SimpleUploadedFile("p.png", _png_header(8_000, 8_000), content_type="image/png")
    inspected, errors = inspect_upload(fine, allowed=IMAGE_TYPES, max_bytes=5 << 20, min_side=200)
    assert errors == [] and inspected is not None and (inspected.width, inspected.height) == (8_000, 8_000)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [-1, 367, None])
def test_a_member_day_outside_today_to_a_year_ahead_is_422_at_body_day(days: int | None) -> None:
    # 9999-12-31 overflowed the day's end (422 without a field); yesterday was refused at "ends_at"
    ops = make_staff("product_ops")
    tier = tier_create(actor=actor_of(ops), data=TierInput(code="s8", name="S8会员", rank=1, min_growth=0))
    day = "9999-12-31" if days is None else (timezone.localdate() + timedelta(days=days)).isoformat()
    response = ApiClient(token=token_for(ops)).post_json(
        "/api/v1/membership/member-days",
        {"tier_id": tier.pk, "day": day, "min_fen": 10_000, "off_fen": 1_000},
    )
    assert response.status_code == 422, response.content
    assert [(e["loc"], e["code"]) for e in response.json()["errors"]] == [(["body", "day"], "range")]
    assert Promotion.objects.unscoped(reason="the test counts every row").count() == 0


@pytest.mark.django_db
def test_a_birthday_named_on_or_after_the_day_gives_no_gift_that_year() -> None:
    # farming: a member named "two days ago" as the birthday and the catch-up sweep paid at once
    ops = make_staff("product_ops")
    now = datetime(2026, 6, 10, 4, tzinfo=UTC)  # 10 June, noon in Beijing
    tier = tier_create(
        actor=actor_of(ops), data=TierInput(code="s8g", name="S8金", rank=1, min_growth=0, gift_points=500)
    )
    farmer, honest = make_buyer("s8-farmer"), make_buyer("s8-honest")
    for buyer in (farmer, honest):
        Member.objects.create(buyer=buyer, tier=tier, growth=0, joined_at=now - timedelta(days=100))
    member_birthday_set(actor=actor_of(farmer), month=6, day=8, now=now)
    member_birthday_set(actor=actor_of(honest), month=6, day=8, now=now - timedelta(days=30))

    assert birthday_gifts_grant(now=now) == 1
    assert list(BirthdayGift.objects.values_list("buyer_id", "year")) == [(honest.pk, 2026)]
    # the farmer's gift comes on next year's birthday
    assert birthday_gifts_grant(now=now + timedelta(days=363)) == 2
    assert BirthdayGift.objects.filter(buyer=farmer).values_list("year", flat=True).get() == 2027
