"""``mallops dsr ...``: privacy jobs from the command line (runs after Django setup).

    mallops dsr retention --dry-run [--json]   what the retention sweeps would delete or anonymise now
    mallops dsr retention [--json]             run them now (the worker also runs them every minute)

The dry run reads only. Each rule prints its period (the policy's declared one, never below the legal
floor), its basis, how many records are past it and the first of them. Exit codes: 0 done, 1 a record
failed (see the log), 2 bad arguments.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict

from mallops.core.cli_parser import OneLineParser


def _parser() -> OneLineParser:
    parser = OneLineParser(prog="mallops dsr")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    retention = sub.add_parser("retention", help="enforce the retention periods (or --dry-run: list)")
    retention.add_argument("--dry-run", action="store_true", help="only list what would go")
    retention.add_argument("--json", action="store_true", help="one JSON document instead of text")
    retention.add_argument("--sample", type=int, default=20, help="records named per rule (default 20)")
    return parser


def _retention(*, dry_run: bool, as_json: bool, sample: int) -> int:
    from django.utils import timezone

    from mallops.core.sweeps import registered, run_sweeper
    from mallops.dsr.retention import RULES, retention_plan, run_store_retention

    now = timezone.now()
    plan = retention_plan(now, sample=max(0, sample))
    done: dict[str, int] = {}
    if not dry_run:
        sweepers = registered()
        done = {r.name: run_sweeper(sweepers[f"dsr.retention.{r.name}"], now) for r in RULES}
        done.update(run_store_retention(now))
    if as_json:
        lines = [{**asdict(line), **({} if dry_run else {"done": done[line.rule]})} for line in plan]
        print(json.dumps({"at": now.isoformat(), "dry_run": dry_run, "rules": lines}, ensure_ascii=False))
    else:
        verb = "would go" if dry_run else "due"
        for line in plan:
            period = f"{line.period_days} days" if line.period_days else "at once"
            print(f"{line.rule}: {line.count} {verb} ({line.action}; period {period}) - {line.label}")
            print(f"  basis: {line.basis}")
            for ref in line.sample:
                print(f"  - {ref}")
            if not dry_run:
                print(f"  done: {done[line.rule]}")
    failed = not dry_run and any(done[line.rule] < line.count for line in plan)
    return 1 if failed else 0


def main(argv: Sequence[str]) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    return _retention(dry_run=args.dry_run, as_json=args.json, sample=args.sample)
