"""Benchmark: audited writes per second with parallel checkouts, payments and cancellations on the same SKUs.

    .venv/bin/python bench/audit_writes.py            # PostgreSQL (throwaway server), 8 workers, 15 s per mode
    .venv/bin/python bench/audit_writes.py --quick    # 4 s per mode
    .venv/bin/python bench/audit_writes.py --sqlite   # the embedded default instead

Two modes on a fresh database each:

    immediate   every ``audit_record`` locks the chain head at once (the order before issue 16: checkout
                took the head before the stock rows, pay/cancel after them)
    audited     events are kept and chained when the service's ``audited`` transaction ends (the head is
                the last lock everywhere)

Each worker process loops for the duration: check out two of three shared SKUs (in a random order), then
pay the order (payment opened + sandbox notification) or cancel it, alternately. Counted per mode:
audit events written per second, business transactions per second, deadlocks and other failures
(a deadlock rolls its transaction back: the worker goes on). ``audit verify`` must pass after each mode.
The last line is JSON: {"database", "workers", "seconds", "modes": {mode: {"events_per_s",
"transactions_per_s", "deadlocks", "errors", "verify_ok"}}}.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


def _set_mode(mode: str) -> None:
    import mallops.audit.services as audit

    if mode == "immediate":
        audit._buffer = lambda using=None: None


def prepare(workers: int) -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from mallops.testing.factories import make_merchant
    from mallops.testing.orders import make_buyer, make_stock

    merchant, _ = make_merchant(name="审计基准店")
    skus = [make_stock(merchant, sku=f"AUD-{n}", available=10_000_000).sku_code for n in range(3)]
    buyers = [make_buyer(f"audit-bench-{n}").pk for n in range(workers)]
    return {"skus": skus, "buyers": buyers}


def worker(mode: str, buyer_id: int, skus: list[str], seconds: float, start: float, out: Any) -> None:
    from django.db import OperationalError, connection

    from mallops.accounts.actors import actor_of
    from mallops.accounts.models import User
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.orders.services import buyer_order_cancel
    from mallops.payments.services import payment_open, sandbox_pay

    _set_mode(mode)
    connection.close()
    buyer = actor_of(User.objects.get(pk=buyer_id))  # the edge builds the Actor once
    rng = random.Random(buyer_id)
    done = deadlocks = errors = 0
    while time.time() < start:
        time.sleep(0.001)
    end = start + seconds
    n = 0
    while time.time() < end:
        n += 1
        picked = rng.sample(skus, 2)
        try:
            checkout, _ = checkout_create(
                actor=buyer,
                idempotency_key=f"{mode}-{buyer_id}-{n}",
                req=CheckoutRequest(lines=[CartLine(sku, 1) for sku in picked]),
            )
            done += 1
            if n % 2:
                payment = payment_open(actor=buyer, checkout_id=checkout.pk)
                done += 1
                sandbox_pay(actor=buyer, out_trade_no=payment.out_trade_no)
            else:
                order = checkout.orders.unscoped(reason="bench").get()
                buyer_order_cancel(actor=buyer, order_id=order.pk)
            done += 1
        except OperationalError as exc:
            if "deadlock" in str(exc):
                deadlocks += 1
            else:
                errors += 1
        except Exception:
            errors += 1
    connection.close()
    out.put({"transactions": done, "deadlocks": deadlocks, "errors": errors})


def run_mode(mode: str, workers: int, seconds: float) -> dict[str, Any]:
    """In a child process (fresh settings for this mode's database): seed, run the workers, verify."""
    _django()
    from django.db import connection

    from mallops.audit.models import AuditEvent
    from mallops.audit.selectors import audit_verify

    seeded = prepare(workers)
    # import what the workers run before forking (not inside the timed window)
    import mallops.orders.checkout
    import mallops.orders.services
    import mallops.payments.services  # noqa: F401

    before = AuditEvent.objects.count()
    connection.close()
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    start = time.time() + 1.0
    procs = [
        ctx.Process(target=worker, args=(mode, buyer, seeded["skus"], seconds, start, out))
        for buyer in seeded["buyers"]
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 300) for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = max(1e-6, time.time() - start)
    events = AuditEvent.objects.count() - before
    verified = audit_verify()
    transactions = sum(r["transactions"] for r in results)
    return {
        "events": events,
        "events_per_s": round(events / elapsed, 1),
        "transactions_per_s": round(transactions / elapsed, 1),
        "deadlocks": sum(r["deadlocks"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "verify_ok": verified.ok,
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_mode":
        print(json.dumps(run_mode(argv[1], int(argv[2]), float(argv[3]))))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 s per mode")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=8, help="worker processes")
    parser.add_argument("--sqlite", action="store_true", help="the embedded default instead of PostgreSQL")
    parser.add_argument("--modes", default="immediate,audited")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 4.0
    import subprocess

    import servers

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    modes: dict[str, dict[str, Any]] = {}
    with ExitStack() as stack:
        server = "" if args.sqlite else stack.enter_context(servers.postgres())
        for mode in args.modes.split(","):
            data_dir = stack.enter_context(tempfile.TemporaryDirectory())
            env = {**base, "MALLOPS_DATA_DIR": data_dir, "LOG_LEVEL": "ERROR"}
            env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(ROOT / "src"), base.get("PYTHONPATH", "")) if p
            )
            if server:
                import psycopg

                name = f"bench_audit_{mode}"
                with psycopg.connect(server, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    conn.execute(f'CREATE DATABASE "{name}"')
                env["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
            done = subprocess.run(
                [sys.executable, __file__, "_mode", mode, str(args.workers), str(args.seconds)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
            if done.returncode != 0:
                raise RuntimeError(f"{mode} failed:\n{done.stderr[-3000:]}")
            modes[mode] = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{mode:10} {json.dumps(modes[mode])}  (load {os.getloadavg()[0]:.2f})", flush=True)
    print(
        json.dumps(
            {
                "database": "sqlite" if args.sqlite else "postgresql",
                "workers": args.workers,
                "seconds": args.seconds,
                "modes": modes,
            }
        )
    )
    return 0 if all(m["verify_ok"] and not m["errors"] for m in modes.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
