"""``mallops pricing quote FILE``: print the quote of one scenario (pure engine, no Django)."""

from __future__ import annotations

import argparse
import json
import sys

from mallops.core.cli_parser import OneLineParser
from mallops.pricing.engine import ScenarioError, parse_scenario, quote, quote_to_json


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="mallops pricing", description="Cart pricing engine.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    quote_cmd = commands.add_parser("quote", help="price one scenario (JSON file, '-' for stdin)")
    quote_cmd.add_argument("file")
    return parser


def quote_file(path: str) -> int:
    """Print the quote of the scenario in ``path``; on any problem print them on stderr and return 2."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{path}: cannot read: {exc}", file=sys.stderr)
        return 2
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"$: invalid JSON: {exc}", file=sys.stderr)
        return 2
    try:
        scenario = parse_scenario(data)
    except ScenarioError as exc:
        for where, message in exc.problems:
            print(f"{where}: {message}", file=sys.stderr)
        return 2
    print(json.dumps(quote_to_json(quote(scenario)), ensure_ascii=False))
    return 0


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    if args.command == "quote":
        return quote_file(args.file)
    return 2
