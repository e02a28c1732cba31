"""``mallops analytics ...``: ingest, funnel, retention, load and compact (JSON on stdout).

No Django import: this module starts fast and runs without settings. Without ``--store`` the commands
use the configured store, which is ClickHouse when ``CLICKHOUSE_URL`` is set (the spool is loaded into it
and the funnel and retention run there, with the same answers); with ``--store DIR`` always that
embedded store.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from mallops.core.cli_parser import OneLineParser

from .store.clickhouse import ClickHouseBackend, backend_from_env
from .store.engine import funnel, retention
from .store.events import EventError, parse_timestamp
from .store.ingest import ingest_ndjson
from .store.queries import FunnelSpec, RetentionSpec
from .store.store import EventStore, default_store_dir

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _instant(text: str) -> int:
    """ISO 8601 date-time with an offset -> UTC microseconds."""
    try:
        return parse_timestamp(text)
    except EventError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise argparse.ArgumentTypeError(f"an offset is required (e.g. +08:00): {text!r}")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _seconds(text: str) -> int:
    """Non-negative seconds (decimals allowed, down to microseconds) -> microseconds."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value.is_finite() or value < 0:
        raise argparse.ArgumentTypeError(f"seconds must be a non-negative number: {text!r}")
    return int(value * 1_000_000)


def _steps(text: str) -> tuple[str, ...]:
    steps = tuple(step.strip() for step in text.split(","))
    if not steps or any(not step for step in steps):
        raise argparse.ArgumentTypeError("steps must be a comma-separated list of event names")
    return steps


def _periods(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("periods must be >= 0")
    return value


def _parser() -> OneLineParser:
    parser = OneLineParser(prog="mallops analytics", description="Behaviour analytics event store")
    parser.add_argument("--store", type=Path, default=None, help="store directory")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--store", type=Path, default=argparse.SUPPRESS, help="store directory")
        return sub

    ingest = command("ingest", "spool and load the events of an NDJSON file")
    ingest.add_argument("file", type=Path)
    funnel_parser = command("funnel", "users reaching each step")
    funnel_parser.add_argument("--steps", type=_steps, required=True)
    funnel_parser.add_argument("--window", type=_seconds, required=True)
    funnel_parser.add_argument("--from", dest="start", type=_instant, required=True)
    funnel_parser.add_argument("--to", dest="end", type=_instant, required=True)
    retention_parser = command("retention", "daily cohorts and their retention")
    retention_parser.add_argument("--start-event", required=True)
    retention_parser.add_argument("--return-event", required=True)
    retention_parser.add_argument("--periods", type=_periods, required=True)
    retention_parser.add_argument("--from", dest="start", type=_instant, required=True)
    retention_parser.add_argument("--to", dest="end", type=_instant, required=True)
    command("load", "move spooled events into Parquet (periodic job)")
    command("compact", "merge small Parquet parts per day (periodic job)")
    return parser


def _print(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    store_dir: Path = args.store if args.store is not None else default_store_dir()
    backend = backend_from_env() if args.store is None else None
    if args.command == "ingest":
        file: Path = args.file
        try:
            with open(file, "rb"):
                pass
            if file.is_dir():
                raise IsADirectoryError(f"is a directory: {file}")
        except OSError as exc:
            print(f"mallops analytics: cannot read {file}: {exc}", file=sys.stderr)
            return 2
    with EventStore(store_dir) as store:
        if backend is not None:
            try:
                return _on_clickhouse(args, store, backend)
            finally:
                backend.executor.close()
        if args.command == "ingest":
            try:
                result = ingest_ndjson(store, args.file)
            except OSError as exc:
                print(f"mallops analytics: cannot read {args.file}: {exc}", file=sys.stderr)
                return 2
            store.load()
            _print(result.as_dict())
        elif args.command == "funnel":
            store.load()
            _print(funnel(store, FunnelSpec(args.steps, args.window, args.start, args.end)).as_dict())
        elif args.command == "retention":
            store.load()
            spec = RetentionSpec(args.start_event, args.return_event, args.periods, args.start, args.end)
            _print(retention(store, spec).as_dict())
        elif args.command == "load":
            _print({"loaded": store.load()})
        else:
            compacted = store.compact()
            _print({"days_compacted": compacted.days_compacted, "files_removed": compacted.files_removed})
    return 0


def _on_clickhouse(args: argparse.Namespace, store: EventStore, backend: ClickHouseBackend) -> int:
    """The commands against ClickHouse: the spool in ``store`` is loaded into it first."""
    if args.command == "ingest":
        try:
            result = ingest_ndjson(store, args.file)
        except OSError as exc:
            print(f"mallops analytics: cannot read {args.file}: {exc}", file=sys.stderr)
            return 2
        backend.load_from(store)
        _print(result.as_dict())
    elif args.command == "funnel":
        backend.load_from(store)
        _print(backend.funnel(FunnelSpec(args.steps, args.window, args.start, args.end)).as_dict())
    elif args.command == "retention":
        backend.load_from(store)
        spec = RetentionSpec(args.start_event, args.return_event, args.periods, args.start, args.end)
        _print(backend.retention(spec).as_dict())
    elif args.command == "load":
        _print({"loaded": backend.load_from(store)})
    else:  # ClickHouse merges on its own
        _print({"days_compacted": 0, "files_removed": 0})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
