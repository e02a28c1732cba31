"""``mallops audit verify``: exit 0 with the count when the chain is intact, 1 naming the first bad row."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mallops.audit.selectors import audit_verify


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"mallops audit: error: {message}\n")
        raise SystemExit(2)


def main(argv: Sequence[str]) -> int:
    parser = _Parser(prog="mallops audit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
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
