"""Benchmark: a flash sale's opening second against the real app, three paths.

    .venv/bin/python bench/flash_sale.py            # 5,000 concurrent buyers at 100 units per path
    .venv/bin/python bench/flash_sale.py --quick    # 300 buyers at 20 units (smoke run)

Starts its own throwaway PostgreSQL and Redis (scripts/servers.py) and, per path, a fresh database,
the app under gunicorn (gthread workers, WSGI as in ``mallops serve``), then fires every buyer's
"buy" at once (``POST /api/v1/flash-sales/{id}/attempts``, a bearer token and Idempotency-Key each;
one buyer in ten presses twice, the limit is 1). Paths:

    redis     REDIS_URL + PostgreSQL: the Lua script decides; orders are written from the queue after
              the rush (the drain runs in-process, as a worker would)
    postgres  PostgreSQL only: conditional UPDATEs in the request
    sqlite    the embedded default: SQLite in WAL mode

Every path is served through the flash fast path (``mallops.orders.fastpath``) unless --no-fastpath.

Per path: requests/s over the rush, p50/p99 latency (from sending the request to the full answer;
time spent waiting for a free client socket is not counted), orders created, units oversold (must be
0) and buyers over the limit (must be 0), counted from the database after the rush. The last line is
JSON: {"paths": {"redis": {...}, "postgres": {...}, "sqlite": {...}}}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

PYTHON = sys.executable


# ---------------------------------------------------------------- inside the app (subprocesses)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    import django

    django.setup()


def prepare(buyers: int, units: int, tokens_file: str) -> dict[str, object]:
    """Migrate, then create a merchant, stock, the flash sale, buyers and their tokens (bulk)."""
    _django()
    import hashlib
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from mallops.accounts.models import ApiToken, User
    from mallops.accounts.roles import Kind
    from mallops.orders.flash.services import flash_sale_create
    from mallops.orders.testing import make_stock
    from mallops.testing.factories import make_merchant, make_staff

    merchant, _ = make_merchant(name="秒杀基准店")
    item = make_stock(merchant, sku="BENCH-1", price_fen=19900, available=units * 2)
    now = timezone.now()
    sale = flash_sale_create(
        actor=make_staff("product_ops"),
        sku_code=item.sku_code,
        title="基准 限量发售",
        flash_price_fen=9900,
        quantity=units,
        per_buyer_limit=1,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    User.objects.bulk_create(
        [User(username=f"bench{n:06d}", kind=Kind.BUYER, password="!") for n in range(buyers)],
        batch_size=1000,
    )
    users = list(User.objects.filter(username__startswith="bench").order_by("username"))
    tokens, rows = [], []
    expires = now + timedelta(hours=3)
    for user in users:
        prefix = secrets.token_hex(6)
        raw = f"mlp_{prefix}_{secrets.token_urlsafe(24)}"
        tokens.append(raw)
        rows.append(
            ApiToken(
                user=user,
                prefix=prefix,
                digest=hashlib.sha256(raw.encode()).hexdigest(),
                scopes=["*"],
                expires_at=expires,
                # buyers were active just before the sale opened (no last-used write during the rush)
                last_used_at=now + timedelta(minutes=10),
            )
        )
    ApiToken.objects.bulk_create(rows, batch_size=1000)
    Path(tokens_file).write_text("\n".join(tokens))
    return {"sale_id": sale.pk}


def verify(sale_id: int) -> dict[str, int]:
    """After the rush: write what is queued (Redis path), then count from the database."""
    _django()
    from collections import Counter

    from mallops.orders.flash.services import flash_drain, flash_reconcile, redis_enabled
    from mallops.orders.models import FlashSale, Order, OrderLine

    if redis_enabled():
        while flash_drain(sale_id):
            pass
    sale = FlashSale.objects.unscoped(reason="bench").get(pk=sale_id)
    orders = Order.objects.unscoped(reason="bench").filter(flash_sale_id=sale_id).exclude(status="cancelled")
    per_buyer: Counter[int] = Counter()
    units = 0
    for buyer_id, qty in (
        OrderLine.objects.unscoped(reason="bench")
        .filter(order__in=orders)
        .values_list("order__buyer_id", "qty")
    ):
        per_buyer[buyer_id] += qty
        units += qty
    return {
        "orders": orders.count(),
        "units_ordered": units,
        "oversold": max(0, units - sale.quantity),
        "over_limit": sum(1 for q in per_buyer.values() if q > sale.per_buyer_limit),
        "reconciled": int(flash_reconcile(sale_id=sale_id).ok),
    }


# ---------------------------------------------------------------- the load generator (no Django)


async def _request(port: int, path: str, token: str, key: str) -> tuple[int, float]:
    body = b'{"qty": 1}'
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    writer.write(head + body)
    await writer.drain()
    data = await reader.read()
    elapsed = time.perf_counter() - started
    writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, elapsed


async def rush(port: int, sale_id: int, tokens: list[str], sockets: int) -> dict[str, object]:
    path = f"/api/v1/flash-sales/{sale_id}/attempts"
    gate = asyncio.Semaphore(sockets)
    go = asyncio.Event()
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def buyer(token: str, presses: int) -> None:
        await go.wait()
        for press in range(presses):
            async with gate:
                try:
                    status, elapsed = await _request(port, path, token, f"{token[-12:]}-{press}")
                except OSError:
                    status, elapsed = 0, 0.0
            statuses[status] = statuses.get(status, 0) + 1
            if status:
                latencies.append(elapsed)

    tasks = [asyncio.create_task(buyer(t, 2 if i % 10 == 0 else 1)) for i, t in enumerate(tokens)]
    await asyncio.sleep(0.2)
    started = time.perf_counter()
    go.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - started
    latencies.sort()
    count = len(latencies)
    return {
        "requests": sum(statuses.values()),
        "seconds": round(wall, 3),
        "rps": round(sum(statuses.values()) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if count else None,
        "p99_ms": round(latencies[min(count - 1, int(count * 0.99))] * 1000, 1) if count else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


# ---------------------------------------------------------------- orchestration


def _sub(mode: str, env: dict[str, str], *args: str) -> dict[str, object]:
    out = subprocess.run(
        [PYTHON, __file__, mode, *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _wait_http(port: int, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the app did not come up")


def _create_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def run_path(name: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    import servers

    with tempfile.TemporaryDirectory() as data_dir:
        python_path = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
        env = {**env, "MALLOPS_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING", "PYTHONPATH": python_path}
        tokens_file = str(Path(data_dir) / "tokens.txt")
        sale_id = int(_sub("_prepare", env, str(args.buyers), str(args.units), tokens_file)["sale_id"])  # type: ignore[call-overload]
        tokens = Path(tokens_file).read_text().split("\n")
        port = servers.free_port()
        app_target = "mallops.orders.fastpath:build()" if args.fastpath else "mallops.wsgi:application"
        web = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                app_target,
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--backlog",
                "4096",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_http(port)
            result = asyncio.run(rush(port, sale_id, tokens, args.sockets))
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=30)
        checked = _sub("_verify", env, str(sale_id))
    row = {**result, **checked, "units": args.units}
    print(f"{name:9} {json.dumps(row, ensure_ascii=False)}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_prepare":
        print(json.dumps(prepare(int(argv[1]), int(argv[2]), argv[3])))
        return 0
    if argv and argv[0] == "_verify":
        print(json.dumps(verify(int(argv[1]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 buyers at 20 units")
    parser.add_argument("--buyers", type=int, default=5000)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--sockets", type=int, default=1000, help="client sockets open at once")
    parser.add_argument("--paths", default="redis,postgres,sqlite")
    parser.add_argument(
        "--no-fastpath",
        dest="fastpath",
        action="store_false",
        help="serve attempts through the full Django stack instead of mallops.orders.fastpath",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.buyers, args.units = 300, 20
    import servers

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    paths: dict[str, dict[str, object]] = {}
    wanted = [p.strip() for p in args.paths.split(",") if p.strip()]
    with ExitStack() as stack:
        pg_server = stack.enter_context(servers.postgres()) if {"redis", "postgres"} & set(wanted) else ""
        redis_url = stack.enter_context(servers.redis()) if "redis" in wanted else ""
        for name in wanted:
            env = dict(base)
            if name == "redis":
                env["DATABASE_URL"] = _create_database(pg_server, "bench_redis")
                env["REDIS_URL"] = redis_url
            elif name == "postgres":
                env["DATABASE_URL"] = _create_database(pg_server, "bench_postgres")
            paths[name] = run_path(name, env, args)
    summary = {
        name: {
            key: row.get(key)
            for key in ("rps", "p50_ms", "p99_ms", "orders", "units", "oversold", "over_limit")
        }
        for name, row in paths.items()
    }
    print(json.dumps({"paths": summary}))
    return 0 if all(r["oversold"] == 0 and r["over_limit"] == 0 for r in summary.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
