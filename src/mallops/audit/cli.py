"""``mallops audit verify``: exit 0 with the count when the chain is intact, 1 naming the first bad row."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from mallops.audit.selectors import audit_verify
from mallops.core.cli_parser import OneLineParser


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops audit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("verify", help="verify the hash chain")
    parser.parse_args(list(argv))
    result = audit_verify()
    if result.ok:
        print(f"audit chain intact: {result.count} events")
        return 0
    print(
        f"audit chain broken at seq {result.bad_seq} (row id {result.bad_id}): {result.reason}",
        file=sys.stderr,
    )
    print(f"{result.count} events verified before the break")
    return 1
