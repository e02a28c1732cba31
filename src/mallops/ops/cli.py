"""``mallops backup create|list|verify|restore|drill|policy``.

mallops backup create [--level L ...]        back up to each level (local by default); exit 1 on failure
mallops backup list [--level L]              backups in a repository, oldest first
mallops backup verify [--level L] [NAME]     re-check every checksum of NAME (default: the newest)
mallops backup restore --target DIR [--level L] [NAME]   lay a backup out as a new data directory
mallops backup drill [--level L] [NAME] [--keep DIR]     restore into scratch, check, print the RTO
mallops backup policy NAME [--level L] [--every-hours H] [--keep-last N] [--keep-days D]
                      [--drill-every-hours H] [--inactive]          schedule and retention as data
mallops backup pg-backup [--type full|diff|incr] [--level L]   PostgreSQL: one pgBackRest backup, recorded
mallops backup pg-info                       PostgreSQL: pgBackRest's view of the repository (JSON)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from mallops.core.cli_parser import OneLineParser
from mallops.core.errors import DomainError
from mallops.ops.archive import BackupError
from mallops.ops.config import LEVELS
from mallops.ops.pgbackrest import PgBackRestError


def _format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{int(value)} B"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops backup")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    create = sub.add_parser("create", help="back up the embedded installation")
    create.add_argument("--level", action="append", choices=LEVELS, help="repeat for several levels")
    listing = sub.add_parser("list", help="backups in a repository")
    listing.add_argument("--level", choices=LEVELS, default="local")
    verify = sub.add_parser("verify", help="re-check every checksum")
    verify.add_argument("--level", choices=LEVELS, default="local")
    verify.add_argument("name", nargs="?")
    restore = sub.add_parser("restore", help="restore as a new data directory")
    restore.add_argument("--level", choices=LEVELS, default="local")
    restore.add_argument("--target", required=True, type=Path)
    restore.add_argument("name", nargs="?")
    drill = sub.add_parser("drill", help="restore into scratch, run the checks, print the RTO")
    drill.add_argument("--level", choices=LEVELS, default="local")
    drill.add_argument("--keep", type=Path, help="restore here and keep the copy")
    drill.add_argument("name", nargs="?")
    check = sub.add_parser("drill-check", help="(internal) the checks, run against a restored copy")
    check.add_argument("manifest", type=Path)
    policy = sub.add_parser("policy", help="create or change a backup schedule")
    policy.add_argument("name")
    policy.add_argument("--level", choices=LEVELS, default="local")
    policy.add_argument("--every-hours", type=int, default=24)
    policy.add_argument("--keep-last", type=int, default=7)
    policy.add_argument("--keep-days", type=int, default=30)
    policy.add_argument("--drill-every-hours", type=int)
    policy.add_argument("--inactive", action="store_true")
    pg_backup = sub.add_parser("pg-backup", help="PostgreSQL: one pgBackRest backup")
    pg_backup.add_argument("--type", choices=["full", "diff", "incr"], default="incr")
    pg_backup.add_argument("--level", choices=LEVELS, default="local", help="the level its repository serves")
    sub.add_parser("pg-info", help="PostgreSQL: pgBackRest info (JSON)")
    args = parser.parse_args(list(argv))

    from mallops.ops import drill as drills
    from mallops.ops import services

    try:
        if args.command == "create":
            failed = 0
            for level in args.level or ["local"]:
                try:
                    run = services.backup_create(level=level)
                except BackupError as exc:
                    print(f"backup at level {level} failed: {exc}", file=sys.stderr)
                    failed += 1
                    continue
                print(
                    f"{run.name}  {level}  {_format_bytes(run.size_bytes)} in {run.file_count} files  "
                    f"{run.duration_ms} ms  {run.location}"
                )
            return 1 if failed else 0
        if args.command == "list":
            for item in services.backups_list(level=args.level):
                print(f"{item.name}  {item.created_at}  {_format_bytes(item.size)}  {item.location}")
            return 0
        if args.command == "verify":
            verified = services.backup_verify(level=args.level, name=args.name)
            if verified.result == "ok":
                print(
                    f"{verified.name}: {verified.file_count} files, {_format_bytes(verified.size_bytes)} "
                    "match their checksums; secrets open with the backup key"
                )
                return 0
            print(f"{verified.name}: DAMAGED: {verified.message}", file=sys.stderr)
            return 1
        if args.command == "restore":
            manifest = services.backup_restore(level=args.level, name=args.name, target=args.target)
            print(f"restored {manifest['name']} into {args.target}")
            print(f"start it with MALLOPS_DATA_DIR={args.target} (and DATABASE_URL unset)")
            return 0
        if args.command == "drill":
            drilled = drills.drill_run(level=args.level, name=args.name, keep=args.keep)
            for label, item in drilled.checks.items():
                print(f"{'ok  ' if item['ok'] else 'FAIL'}  {label}: {item['detail']}")
            target = drills.RTO_TARGET_MS
            verdict = "within" if drilled.rto_ms <= target else "OVER"
            print(
                f"drill of {drilled.backup_name or '-'}: {drilled.result}; RTO {drilled.rto_ms / 1000:.1f} s "
                f"(restore {drilled.restore_ms / 1000:.1f} s), {verdict} the {timedelta(milliseconds=target)} target"
            )
            if drilled.result != "ok" and drilled.message:
                print(drilled.message, file=sys.stderr)
            return 0 if drilled.result == "ok" else 1
        if args.command == "drill-check":
            from django.conf import settings

            manifest = json.loads(args.manifest.read_text())
            print(json.dumps(drills.drill_checks(manifest, Path(settings.DATA_DIR)), sort_keys=True))
            return 0
        if args.command == "policy":
            saved = services.policy_save(
                name=args.name,
                level=args.level,
                interval_hours=args.every_hours,
                keep_last=args.keep_last,
                keep_days=args.keep_days,
                drill_interval_hours=args.drill_every_hours,
                is_active=not args.inactive,
            )
            print(
                f"policy {saved.name}: {saved.level} every {saved.interval_hours} h, keep {saved.keep_last} / "
                f"{saved.keep_days} days, next backup {saved.backup_due_at:%Y-%m-%d %H:%M %Z}"
                + (f", drill every {saved.drill_interval_hours} h" if saved.drill_interval_hours else "")
            )
            return 0
        if args.command == "pg-backup":
            recorded = services.pg_backup_create(kind=args.type, level=args.level)
            print(
                f"{recorded.name}  {recorded.level}  {_format_bytes(recorded.size_bytes)}  {recorded.duration_ms} ms"
            )
            return 0 if recorded.result == "ok" else 1
        if args.command == "pg-info":
            from mallops.ops.pgbackrest import PgBackRest

            print(json.dumps(PgBackRest.from_env().info(), indent=1))
            return 0
    except (BackupError, PgBackRestError) as exc:
        print(f"mallops backup {args.command}: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in exc.errors) or exc.detail
        print(f"mallops backup {args.command}: {problems}", file=sys.stderr)
        return 2
    return 2  # pragma: no cover - argparse requires a command
