"""The ``mallops`` console command.

Engine commands (``compliance``, ``pricing``, ``calendar``, ``analytics``, ``risk``) run without starting Django so
scripts can call them in loops. Everything else sets Django up; unknown words fall through to Django's
management commands (``mallops createsuperuser``, ``mallops shell`` ...).
"""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from collections.abc import Sequence

import mallops
from mallops.core.cli_parser import OneLineParser

# group -> module whose ``main(argv) -> int`` handles it, without Django start-up
ENGINE_COMMANDS = {
    "compliance": "mallops.compliance.cli",
    "pricing": "mallops.pricing.cli",
    "calendar": "mallops.workdays.cli",
    "analytics": "mallops.analytics.cli",
    "risk": "mallops.risk.cli",
}

# group -> module with ``main(argv) -> int`` that needs Django
DJANGO_COMMANDS = {
    "trace": "mallops.core.trace",
    "audit": "mallops.audit.cli",
    "backup": "mallops.ops.cli",
    "keys": "mallops.privacy.cli",
    "orders": "mallops.orders.cli",
    "payments": "mallops.payments.cli",
    "dsr": "mallops.dsr.cli",
    "content": "mallops.content.cli",
}

USAGE = """usage: mallops [--version] COMMAND [ARGS]

commands:
  serve [--port N] [--host H] [--with-worker]   serve the console and API (granian; --workers, --threads)
  worker [--once]                               run background jobs (sweeps every minute)
  migrate                                       apply database migrations
  create-admin --username NAME [--password-file F]  the first platform admin of a fresh install
  demo-data [--reset]                           load the demo data (idempotent)
  trace [--json]                                requirement coverage of the last test run
  compliance check FILE                         content-compliance check (JSON in, JSON out)
  pricing quote FILE                            price one cart scenario
  calendar deadline ...                         working-day and business-hour deadlines
  analytics ingest|funnel|retention ...         event store and queries
  risk score FILE                               risk decisions for JSON Lines events
  audit verify|anchor                           verify the audit chain (head, anchors); anchor the head
  backup create|list|verify|restore|drill       backups (local, off-site, cloud) and restore drills
  orders flash-reconcile SALE_ID [--repair]     prove Redis flash-sale counters against the database
  payments reconcile [--day YYYY-MM-DD]         compare provider records with orders
  keys status|generate|rotate|retire            encryption keys; rotate re-encrypts to the newest key
  dsr retention [--dry-run]                     enforce personal-data retention periods (or list)
  content verify-draw ID                        recompute a lucky draw's winners from its seed (0 match, 1 not)
  any Django management command                 e.g. createsuperuser, shell, check
"""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    import django

    django.setup()


def granian_command(
    target: str,
    *,
    host: str,
    port: int,
    workers: int,
    threads: int,
    backlog: int = 2048,
    access_log: bool = False,
) -> list[str]:
    """The web server of ``mallops serve`` (ADR 0003): granian, Rust HTTP/1.1 in front of the WSGI app.

    ``threads`` is the number of blocking threads per worker that run Django; keep-alive is on (a front
    proxy or SLB keeps its upstream connections open).
    """
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--backlog",
        str(backlog),
        "--http",
        "1",
        "--no-ws",
        "--log-level",
        "warning",
        "--access-log" if access_log else "--no-access-log",
        "--workers-kill-timeout",
        "5",
        target,
    ]


def _serve(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops serve")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="threads per worker that run the app")
    parser.add_argument("--with-worker", action="store_true", help="also run the background worker")
    args = parser.parse_args(argv)
    if not 0 < args.port < 65536:
        parser.error("--port must be 1..65535")
    _setup_django()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    # The children run in their own sessions, so a Ctrl-C in the terminal reaches only this process, which
    # then sends each child exactly one SIGTERM: granian's shutdown handler is not re-entrant and can hang
    # when a second signal arrives while it handles the first (seen with Ctrl-C plus a terminate).
    processes: list[subprocess.Popen[bytes]] = []
    if args.with_worker:
        processes.append(
            subprocess.Popen([sys.executable, "-m", "mallops", "worker"], start_new_session=True)
        )
    web = subprocess.Popen(
        granian_command(
            "mallops.wsgi:application",
            host=args.host,
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            access_log=True,
        ),
        start_new_session=True,
    )
    processes.append(web)
    stopping: list[bool] = []

    def _stop(*_: object) -> None:
        if stopping:
            return
        stopping.append(True)
        for proc in processes:
            if proc.poll() is None:
                proc.terminate()

    signal.signal(signal.SIGTERM, _stop)
    try:
        return web.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        _stop()
        for proc in processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the child's whole session: granian's workers too
                proc.wait()


def _worker(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops worker")
    parser.add_argument("--once", action="store_true", help="run every sweeper once and exit")
    args = parser.parse_args(argv)
    _setup_django()
    if args.once:
        import json

        from mallops.core import sweeps

        print(json.dumps(sweeps.run_all(), sort_keys=True))
        return 0
    from django.core.management import call_command

    call_command("run_huey")
    return 0


def _migrate(argv: Sequence[str]) -> int:
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", *argv)
    return 0


def _demo_data(argv: Sequence[str]) -> int:
    parser = OneLineParser(prog="mallops demo-data")
    parser.add_argument("--reset", action="store_true", help="delete demo data first, then load it again")
    parser.add_argument("--buyers", type=int, default=2000)
    args = parser.parse_args(argv)
    _setup_django()
    from mallops.demo import load_demo_data

    summary = load_demo_data(reset=args.reset, buyers=args.buyers)
    for line in summary:
        print(line)
    return 0


BUILTIN = {"serve": _serve, "worker": _worker, "migrate": _migrate, "demo-data": _demo_data}


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and hasattr(signal, "SIGPIPE"):
        # `mallops trace | head` ends quietly, like any Unix tool, instead of a BrokenPipeError trace
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    if not args:
        sys.stderr.write(USAGE)
        return 2
    head, rest = args[0], args[1:]
    if head in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return 0
    if head in {"-V", "--version"}:
        print(mallops.__version__)
        return 0
    if head.startswith("-"):
        sys.stderr.write(f"mallops: error: unknown option {head}\n")
        return 2
    if head in ENGINE_COMMANDS:
        return int(importlib.import_module(ENGINE_COMMANDS[head]).main(rest))
    if head in BUILTIN:
        return BUILTIN[head](rest)
    if head in DJANGO_COMMANDS:
        _setup_django()
        return int(importlib.import_module(DJANGO_COMMANDS[head]).main(rest))
    _setup_django()
    from django.core.management import execute_from_command_line, get_commands

    if head.replace("-", "_") not in get_commands():
        sys.stderr.write(f"mallops: error: unknown command {head!r} (see mallops --help)\n")
        return 2
    execute_from_command_line(["mallops", head.replace("-", "_"), *rest])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
