"""``mallops orders flash-reconcile SALE_ID [--repair] [--force]``: prove Redis counters and database orders
agree for a flash sale; ``--repair`` refills lost counters, ``--force`` overwrites live ones (pause first).
Exit code 0 when they agree (or were repaired), 1 when they do not.
Django is set up by the ``mallops`` dispatcher (a Django command group).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from mallops.core.cli_parser import OneLineParser


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops orders")
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("flash-reconcile", help="compare Redis counters with database orders")
    rec.add_argument("sale_id", type=int)
    rec.add_argument("--repair", action="store_true")
    rec.add_argument("--force", action="store_true")
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    from mallops.core.errors import DomainError
    from mallops.orders.flash.services import flash_reconcile

    try:
        report = flash_reconcile(sale_id=args.sale_id, repair=args.repair or args.force, force=args.force)
    except DomainError as exc:
        sys.stderr.write(f"{exc.detail}\n")
        return 1
    print(json.dumps({**report.__dict__, "ok": report.ok}, ensure_ascii=False))
    return 0 if report.ok or report.repaired else 1
