"""Command lines: ``mallops payments reconcile`` and ``mallops orders flash-reconcile``."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.orders import cli as orders_cli
from mallops.orders.flash.services import flash_sale_create
from mallops.payments import cli as payments_cli
from mallops.testing.factories import make_merchant, make_staff
from mallops.testing.orders import make_stock

pytestmark = pytest.mark.django_db


def test_payments_reconcile_prints_json_and_rejects_bad_arguments(capsys):
    assert payments_cli.main(["reconcile", "--day", "2026-11-01"]) == 0
    assert json.loads(capsys.readouterr().out) == {"day": "2026-11-01", "checked": 0, "mismatches": []}
    assert payments_cli.main(["reconcile", "--day", "yesterday"]) == 2
    assert payments_cli.main(["nope"]) == 2
    assert "error" in capsys.readouterr().err


def test_orders_flash_reconcile(capsys):
    merchant, _ = make_merchant()
    item = make_stock(merchant)
    sale = flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
        sku_code=item.sku_code,
        title="t",
        flash_price_fen=10,
        quantity=5,
        per_buyer_limit=1,
        starts_at=timezone.now(),
        ends_at=timezone.now() + timedelta(hours=1),
    )
    assert orders_cli.main(["flash-reconcile", str(sale.pk)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert orders_cli.main(["flash-reconcile", str(sale.pk + 1)]) == 1
    assert orders_cli.main(["flash-reconcile", "x"]) == 2
