"""``mallops compliance check FILE``: check listing text against the rule packs (pure engine, no Django).

FILE (``-`` for stdin) is UTF-8 JSON ``{"items": [{"id", "title", "description"?, "category"?}]}``.
stdout is ``{"results": [...]}`` (see :func:`mallops.compliance.engine.check_items`). Exit codes:
0 nothing blocked, 1 at least one item blocked, 2 bad arguments or bad input (problems on stderr, one
per line as ``json_path: message``).
"""

from __future__ import annotations

import argparse
import json
import sys

from mallops.compliance.engine import check_items, validate_items
from mallops.core.cli_parser import OneLineParser


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mallops compliance", description="Content compliance checks.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    check = commands.add_parser("check", help="check items in a JSON file ('-' for stdin)")
    check.add_argument("file")
    return parser


def check_file(path: str) -> int:
    """Print the results for the items in ``path``; return the exit code (0, 1 or 2)."""
    try:
        if path == "-":
            text = sys.stdin.buffer.read().decode("utf-8")
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"$: invalid JSON: {exc}", file=sys.stderr)
        return 2
    problems = validate_items(payload)
    if problems:
        for where, message in problems:
            print(f"{where}: {message}", file=sys.stderr)
        return 2
    results = check_items(payload["items"])
    sys.stdout.write(json.dumps({"results": results}, ensure_ascii=False))
    sys.stdout.write("\n")
    return 1 if any(result["verdict"] == "block" for result in results) else 0


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.command == "check":
        return check_file(args.file)
    return 2
