"""Lucky draws in the console (issue 21 follow-up): the list (status in Chinese, prize cost in 元), the
new-draw form (prizes in 元; the prize cap refused on the prize's field with its article) and a draw's
page (commitment before the draw, seed and winners after, how to verify)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from mallops.accounts.actors import actor_of
from mallops.content import lottery
from mallops.content.models import LuckyDraw, LuckyPrize
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db

SEED = "cd" * 32


def _drawn(actor: object) -> LuckyDraw:
    row = lottery.draw_create(
        actor=actor_of(actor),
        title="圣诞抽奖",
        rules="评论即可参与，12月24日20:00开奖，主办方：平台运营部",
        draw_at=datetime(2026, 12, 24, 12, 0, tzinfo=UTC),
        prizes=[lottery.PrizeInput("保温杯", 9_900, 2)],
    )
    lottery.draw_start(actor=actor_of(actor), draw_id=row.pk, seed=SEED)  # type: ignore[arg-type]
    lottery.entrant_add(actor=actor_of(actor), draw_id=row.pk, codes=["c-101", "c-102", "c-103"])  # type: ignore[arg-type]
    lottery.draw_run(actor=actor_of(actor), draw_id=row.pk)  # type: ignore[arg-type]
    return row


def _client(user: object) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_list_shows_status_in_chinese_and_the_prize_cost_in_yuan() -> None:
    operator = make_staff("content_ops")
    _drawn(operator)
    page = _client(operator).get("/content/draws/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "抽奖活动" in html and "已开奖" in html and "圣诞抽奖" in html
    assert "¥198.00" in html  # two winners of a 99.00 元 prize
    assert ">drawn<" not in html


def test_the_form_refuses_a_prize_over_the_cap_on_its_field_and_accepts_the_cap() -> None:
    client = _client(make_staff("content_ops"))
    form = {
        "title": "新年抽奖",
        "rules": "关注即可参与，1月1日开奖",
        "draw_at": "2027-01-01T20:00",
        "prize_1_name": "按摩椅",
        "prize_1_value": "50,000.01",
        "prize_1_quantity": "1",
    }
    refused = client.post("/content/draws/new/", form)
    html = refused.content.decode()
    assert refused.status_code == 200
    assert "单个奖品价值不得超过 ¥50,000.00（反不正当竞争法第十一条（2025年修订；2019年文本第十条））" in html
    assert LuckyDraw.objects.count() == 0
    accepted = client.post("/content/draws/new/", {**form, "prize_1_value": "50000.00"})
    row = LuckyDraw.objects.get()
    assert accepted.status_code == 302 and accepted["Location"] == f"/content/draws/{row.pk}/"
    assert list(LuckyPrize.objects.filter(draw=row).values_list("name", "value_fen", "quantity")) == [
        ("按摩椅", 5_000_000, 1)
    ]


def test_the_page_shows_the_commitment_before_and_the_seed_and_winners_after_the_draw() -> None:
    operator = make_staff("content_ops")
    client = _client(operator)
    row = lottery.draw_create(
        actor=actor_of(operator),
        title="元旦抽奖",
        rules="评论即可参与",
        draw_at=datetime(2026, 12, 31, 12, 0, tzinfo=UTC),
        prizes=[lottery.PrizeInput("台历", 3_000, 1)],
    )
    draft = client.get(f"/content/draws/{row.pk}/").content.decode()
    assert "规则编写中" in draft and "开始抽奖" in draft and "data-confirm=" in draft
    client.post(f"/content/draws/{row.pk}/start")
    client.post(f"/content/draws/{row.pk}/entrants", {"codes": "c-1\nc-2"})
    row.refresh_from_db()
    opened = client.get(f"/content/draws/{row.pk}/").content.decode()
    assert row.commitment in opened and row.seed not in opened and "开奖前保密" in opened
    client.post(f"/content/draws/{row.pk}/draw")
    drawn = client.get(f"/content/draws/{row.pk}/")
    html = drawn.content.decode()
    assert drawn.status_code == 200
    assert row.seed in html and row.commitment in html and "已开奖" in html
    assert html.count('data-testid="draw-winner"') == 1
    assert "如何验证" in html and f"mallops content verify-draw {row.pk}" in html
