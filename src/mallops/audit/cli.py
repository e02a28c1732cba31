"""``mallops audit verify|anchor``.

mallops audit verify    walk the chain, compare the head and every anchor: exit 0 with the count when
                        intact, 1 naming the first bad row or anchor (truncation, rewrite)
mallops audit anchor    append the current head to the anchor file and the log (exit 0)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

from mallops.audit.anchors import anchor_path, anchor_write
from mallops.audit.selectors import audit_verify
from mallops.core.cli_parser import OneLineParser


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops audit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    sub.add_parser("verify", help="verify the hash chain, its head and its anchors")
    sub.add_parser("anchor", help="append the chain head to the anchor file and the log")
    args = parser.parse_args(list(argv))
    if args.command == "anchor":
        anchor = anchor_write(force=True)
        if anchor is None:
            print("audit chain is empty: nothing to anchor")
        else:
            print(json.dumps({"anchored": anchor.as_dict(), "file": str(anchor_path())}, sort_keys=True))
        return 0
    result = audit_verify()
    if result.ok:
        print(f"audit chain intact: {result.count} events, {result.anchors} anchors checked")
        if not result.anchors:
            print(
                f"warning: no anchors in {anchor_path()}; truncation and full rewrites cannot be detected "
                "(run `mallops audit anchor`, and the worker anchors periodically)",
                file=sys.stderr,
            )
        return 0
    where = f"seq {result.bad_seq}" + (f" (row id {result.bad_id})" if result.bad_id else "")
    print(f"audit chain broken at {where}: {result.reason}", file=sys.stderr)
    print(f"{result.count} events verified before the break")
    return 1
