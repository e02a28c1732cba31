"""``mallops payments reconcile [--day YYYY-MM-DD]``: reconcile one day (default yesterday, Asia/Shanghai)
of the sandbox provider's statement with payments and orders. Exit code 1 when there are mismatches.
Django is set up by the ``mallops`` dispatcher (a Django command group).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta

from mallops.core.cli_parser import OneLineParser


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops payments")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("reconcile", help="compare the provider statement with payments and orders")
    rec.add_argument("--day", type=date.fromisoformat, default=None)
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from django.utils import timezone

    from mallops.core.timeutil import to_local
    from mallops.payments.services import payments_reconcile

    day = args.day or to_local(timezone.now()).date() - timedelta(days=1)
    report = payments_reconcile(day=day)
    print(
        json.dumps(
            {"day": day.isoformat(), "checked": report.checked, "mismatches": report.mismatches},
            ensure_ascii=False,
        )
    )
    return 1 if report.mismatches else 0
