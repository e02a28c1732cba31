"""Lucky draws (R4.4.1): the prize cap (反不正当竞争法 Art. 11, 2025; Art. 10 in 2019) at its exact
boundary, rules locked after the start (规范促销行为暂行规定 Art. 13), and a draw anyone can reproduce
from its revealed seed (``mallops content verify-draw``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mallops.accounts.actors import actor_of
from mallops.content import draw, lottery
from mallops.content.cli import main as content_cli
from mallops.content.models import LuckyDraw, LuckyPrize, LuckyWinner
from mallops.core.errors import DomainError
from mallops.testing.factories import make_staff

pytestmark = pytest.mark.django_db

DRAW_AT = datetime(2026, 12, 24, 12, 0, tzinfo=UTC)
SEED = "ab" * 32


def _create(actor: object, value_fen: int) -> LuckyDraw:
    return lottery.draw_create(
        actor=actor_of(actor),
        title="圣诞抽奖",
        rules="关注并评论即可参与，12月24日20:00按公开算法开奖，奖品7日内寄出，主办方：平台运营部",
        draw_at=DRAW_AT,
        prizes=[
            lottery.PrizeInput("一等奖 按摩椅", value_fen, 1),
            lottery.PrizeInput("二等奖 保温杯", 9_900, 3),
        ],
    )


@pytest.mark.req("R4.4.1")
def test_a_prize_of_exactly_50000_yuan_is_allowed_and_one_fen_more_is_refused() -> None:
    ops = make_staff("content_ops")
    allowed = _create(ops, 5_000_000)  # 50,000.00 元
    assert [p.value_fen for p in LuckyPrize.objects.filter(draw=allowed)] == [5_000_000, 9_900]
    with pytest.raises(DomainError) as refused:
        _create(ops, 5_000_001)  # 50,000.01 元
    error = refused.value
    assert (error.code, error.status) == ("prize_over_cap", 422)
    assert [e.loc for e in error.errors] == [("body", "prizes", 0, "value_fen")]
    assert error.extra == {
        "cap_fen": 5_000_000,
        "basis": "反不正当竞争法第十一条（2025年修订；2019年文本第十条）",
    }
    assert LuckyDraw.objects.count() == 1


@pytest.mark.req("R4.4.1")
def test_rules_and_prizes_cannot_change_after_the_start() -> None:
    ops = make_staff("content_ops")
    row = _create(ops, 100_000)
    lottery.draw_update(
        actor=actor_of(ops), draw_id=row.pk, rules="新规则", prizes=[lottery.PrizeInput("保温杯", 9_900, 2)]
    )
    started = lottery.draw_start(actor=actor_of(ops), draw_id=row.pk, seed=SEED)
    assert (started.status, started.commitment) == ("open", draw.commitment(SEED))
    with pytest.raises(DomainError) as locked:
        lottery.draw_update(
            actor=actor_of(ops), draw_id=row.pk, rules="改了", prizes=[lottery.PrizeInput("车", 1, 1)]
        )
    assert (locked.value.code, locked.value.extra["basis"]) == (
        "draw_rules_locked",
        "规范促销行为暂行规定第十三条",
    )
    row.refresh_from_db()
    assert row.rules == "新规则"
    assert [(p.name, p.quantity) for p in LuckyPrize.objects.filter(draw=row)] == [("保温杯", 2)]


@pytest.mark.req("R4.4.1")
def test_a_draw_is_reproducible_from_its_seed(capsys: pytest.CaptureFixture[str]) -> None:
    ops = make_staff("content_ops")
    row = _create(ops, 100_000)
    lottery.draw_start(actor=actor_of(ops), draw_id=row.pk, seed=SEED)
    codes = [f"C{n:04d}" for n in range(20)]
    assert lottery.entrant_add(actor=actor_of(ops), draw_id=row.pk, codes=codes[10:] + codes[:10]) == 20
    assert lottery.entrant_add(actor=actor_of(ops), draw_id=row.pk, codes=["C0001"]) == 0
    winners = lottery.draw_run(actor=actor_of(ops), draw_id=row.pk)
    prizes = list(LuckyPrize.objects.filter(draw=row).order_by("position"))
    expected = draw.winners(SEED, row.pk, sorted(codes), [draw.PrizeSlot(p.pk, p.quantity) for p in prizes])
    assert [(w.rank, w.prize_id, w.entrant.code) for w in winners] == [
        (a.rank, a.prize_id, a.entrant) for a in expected
    ]
    assert len(winners) == 4
    # the CLI recomputes them: exit 0 when they match ...
    assert content_cli(["verify-draw", str(row.pk)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "MATCH" and out[1:-1] == [f"{a.rank} {a.prize_id} {a.entrant}" for a in expected]
    # ... and 1 when a recorded winner was tampered with
    first = LuckyWinner.objects.get(draw=row, rank=1)
    other = next(e for e in row.entrants.all() if e.code not in {a.entrant for a in expected})
    LuckyWinner.objects.filter(pk=first.pk).update(entrant=other)
    assert content_cli(["verify-draw", str(row.pk)]) == 1


def test_the_api_hides_the_seed_until_the_draw_and_reports_the_results() -> None:
    from mallops.testing.client import ApiClient
    from mallops.testing.factories import token_for

    api = ApiClient(token=token_for(make_staff("content_ops")))
    body = {
        "title": "新年抽奖",
        "rules": "评论参与，1月1日开奖",
        "draw_at": "2027-01-01T20:00:00+08:00",
        "prizes": [{"name": "台灯", "value_fen": 19_900, "quantity": 2}],
    }
    over = api.post_json(
        "/api/v1/content/draws", {**body, "prizes": [{"name": "车", "value_fen": 5_000_001, "quantity": 1}]}
    )
    assert (over.status_code, over.json()["code"]) == (422, "prize_over_cap")
    created = api.post_json("/api/v1/content/draws", body)
    assert created.status_code == 201, created.content
    draw_id = created.json()["id"]
    started = api.post_json(f"/api/v1/content/draws/{draw_id}/start", {}).json()
    assert started["seed"] is None and len(started["commitment"]) == 64
    api.post_json(f"/api/v1/content/draws/{draw_id}/entrants", {"codes": ["A1", "B2", "C3"]})
    drawn = api.post_json(f"/api/v1/content/draws/{draw_id}/draw", {}).json()
    assert draw.seed_matches(drawn["seed"], drawn["commitment"])
    assert (drawn["status"], drawn["entrants"], len(drawn["winners"]), drawn["prize_cost_fen"]) == (
        "drawn",
        3,
        2,
        39_800,
    )


def _stored_seed(draw_id: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT seed FROM content_luckydraw WHERE id = %s", [draw_id])
        return str(cursor.fetchone()[0])


def test_the_seed_is_encrypted_at_rest_and_the_migration_encrypts_plaintext_rows() -> None:
    import importlib

    from django.apps import apps
    from django.db import models

    from mallops.privacy import keys

    ops = make_staff("content_ops")
    row = _create(ops, 100_000)
    lottery.draw_start(actor=actor_of(ops), draw_id=row.pk, seed=SEED)
    stored = _stored_seed(row.pk)
    assert keys.is_token(stored) and SEED not in stored
    assert LuckyDraw.objects.get(pk=row.pk).seed == SEED
    # a row written before the column was encrypted: the migration encrypts it, the value reads the same
    LuckyDraw.objects.filter(pk=row.pk).update(seed=models.Value(SEED, output_field=models.CharField()))
    assert _stored_seed(row.pk) == SEED
    migration = importlib.import_module("mallops.content.migrations.0004_lucky_draw_seed_encrypted")
    migration.encrypt_seeds(apps, None)
    assert keys.is_token(_stored_seed(row.pk)) and LuckyDraw.objects.get(pk=row.pk).seed == SEED
    migration.decrypt_seeds(apps, None)  # the reverse writes the plaintext back
    assert _stored_seed(row.pk) == SEED
