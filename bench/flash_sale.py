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
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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
    from mallops.accounts.actors import actor_of
    from mallops.accounts.models import ApiToken, User
    from mallops.accounts.roles import Kind
    from mallops.orders.flash.services import flash_sale_create
    from mallops.testing.factories import make_merchant, make_staff
    from mallops.testing.orders import make_stock

    merchant, _ = make_merchant(name="秒杀基准店")
    item = make_stock(merchant, sku="BENCH-1", price_fen=19900, available=units * 2)
    now = timezone.now()
    sale = flash_sale_create(
        actor=actor_of(make_staff("product_ops")),
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
    # the buyers signed in before the sale: issuing a token writes it to the Redis token cache (a
    # post_save receiver, which bulk_create skips, so the bench writes them the same way in bulk)
    from mallops.orders.flash import tokens as token_cache

    token_cache.store(ApiToken.objects.select_related("user").filter(user__username__startswith="bench"))
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


# ---------------------------------------------------------------- the load generator: wrk + Lua

# Each wrk thread owns the buyers whose line number modulo the thread count is its id; every request
# carries a different buyer's token and Idempotency-Key (a buyer who presses twice sends a second key).
# ``delay()`` reserves the next request of the thread's list (connections with nothing left to send stay
# idle instead of sending filler), ``response()`` counts statuses and stops the thread after its last
# answer (it then drops a marker file, so the driver can end wrk at once); ``done()`` prints one JSON line.
WRK_LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } mallops_timespec;
int clock_gettime(int clk, mallops_timespec *tp);
]]
local ts = ffi.new("mallops_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads, counter = {}, 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local reqs, reserved, popped, answered, total = {}, 0, 0, 0, 0
statuses, first_us, last_us, marker = {}, 0, 0, ""

function init(args)
  local nthreads, i = tonumber(args[2]), 0
  marker = args[3] .. "/done-" .. id
  for token in io.lines(args[1]) do
    if i % nthreads == id then
      local presses = (i % 10 == 0) and 2 or 1
      for press = 0, presses - 1 do
        reqs[#reqs + 1] = wrk.format("POST", args[4], {
          ["Authorization"] = "Bearer " .. token,
          ["Idempotency-Key"] = string.sub(token, -12) .. "-" .. press,
          ["Content-Type"] = "application/json",
        }, '{"qty": 1}')
      end
    end
    i = i + 1
  end
  total = #reqs
end

function delay()
  if reserved >= total then return 3600000 end
  reserved = reserved + 1
  return 0
end

function request()
  if popped >= reserved then return reqs[1] end -- wrk's own check of the script, never sent
  popped = popped + 1
  if first_us == 0 then first_us = now_us() end
  return reqs[popped]
end

function response(status, headers, body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  last_us = now_us()
  if answered >= total then
    local f = io.open(marker, "w")
    f:write("done")
    f:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local first, last, parts = 0, 0, {}
  local counts = {}
  for _, t in ipairs(threads) do
    local f, l = t:get("first_us"), t:get("last_us")
    if f > 0 and (first == 0 or f < first) then first = f end
    if l > last then last = l end
    for code, n in pairs(t:get("statuses")) do counts[code] = (counts[code] or 0) + n end
  end
  for code, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"first_us": %d, "last_us": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"statuses": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}}\n',
    first, last, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(parts, ", "), e.connect, e.read, e.write, e.timeout))
end
"""


def _procs() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command line, CPU seconds used so far) of every process."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), cmd, (int(fields[11]) + int(fields[12])) / tick)
    return table


def _tree(table: dict[int, tuple[int, str, float]], roots: set[int]) -> set[int]:
    found, grew = set(roots), True
    while grew:
        grew = False
        for pid, (ppid, _, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found


def cpu_groups(web_pid: int, env: dict[str, str]) -> Callable[[dict[int, tuple[int, str, float]]], dict]:
    """Which processes are the server, Redis and PostgreSQL of this run (by process tree and port)."""
    from urllib.parse import urlparse

    redis_port = urlparse(env["REDIS_URL"]).port if env.get("REDIS_URL") else None
    pg_port = (
        urlparse(env["DATABASE_URL"]).port if env.get("DATABASE_URL", "").startswith("postgres") else None
    )

    def groups(table: dict[int, tuple[int, str, float]]) -> dict[str, set[int]]:
        out = {"server": _tree(table, {web_pid})}
        if redis_port:
            out["redis"] = {
                p for p, (_, c, _) in table.items() if "redis-server" in c and f":{redis_port}" in c
            }
        if pg_port:
            roots = {p for p, (_, c, _) in table.items() if "postgres" in c and f"-p {pg_port} " in c}
            out["postgres"] = _tree(table, roots)
        return out

    return groups


def rush(
    port: int,
    sale_id: int,
    tokens_file: str,
    args: argparse.Namespace,
    groups: Callable[[dict[int, tuple[int, str, float]]], dict[str, set[int]]] | None = None,
) -> dict[str, object]:
    """All buyers at once through ``wrk`` (keep-alive connections, as a front proxy keeps upstream)."""
    import servers

    binary = servers.wrk()
    if binary is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as work:
        script = Path(work) / "flash.lua"
        script.write_text(WRK_LUA)
        path = f"/api/v1/flash-sales/{sale_id}/attempts"
        buyers = len(Path(tokens_file).read_text().split("\n"))
        connections = max(args.threads_wrk, min(args.connections, buyers))
        before = _procs()
        proc = subprocess.Popen(
            [
                binary,
                "-t",
                str(args.threads_wrk),
                "-c",
                str(connections),
                "-d",
                f"{args.max_seconds}s",
                "--timeout",
                "60s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}{path}",
                "--",
                tokens_file,
                str(args.threads_wrk),
                work,
                path,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + args.max_seconds + 5
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(Path(work).glob("done-*"))) >= args.threads_wrk:
                proc.send_signal(signal.SIGINT)  # every answer is in: end wrk's timer now
                break
            time.sleep(0.05)
        out, err = proc.communicate(timeout=60)
        after = _procs()
    lines = [line for line in out.splitlines() if line.startswith("WRKJSON ")]
    if not lines:
        raise RuntimeError(f"wrk gave no result:\n{out[-2000:]}\n{err[-2000:]}")
    data = json.loads(lines[-1][len("WRKJSON ") :])
    statuses = {str(k): v for k, v in sorted(data["statuses"].items(), key=lambda kv: int(kv[0]))}
    requests = sum(statuses.values())
    wall = max(1e-6, (data["last_us"] - data["first_us"]) / 1e6)
    return {
        "requests": requests,
        "connections": connections,
        "seconds": round(wall, 3),
        "rps": round(requests / wall, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p90_ms": round(data["p90_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "statuses": statuses,
        "socket_errors": {k: v for k, v in data["errors"].items() if v},
        "cpu_ms_per_request": _cpu_per_request(before, after, proc.pid, groups, requests),
    }


def _cpu_per_request(
    before: dict[int, tuple[int, str, float]],
    after: dict[int, tuple[int, str, float]],
    wrk_pid: int,
    groups: Callable[[dict[int, tuple[int, str, float]]], dict[str, set[int]]] | None,
    requests: int,
) -> dict[str, float]:
    """CPU milliseconds per request spent by each party during the rush (the machine is shared, so
    these are steadier than wall-clock figures). wrk has exited: its own CPU is not counted here."""
    named = groups(after) if groups else {}
    out = {}
    for name, pids in named.items():
        used = sum(after[p][2] - before.get(p, (0, "", 0.0))[2] for p in pids if p in after)
        out[name] = round(used * 1000 / max(1, requests), 3)
    return out


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


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    """The production server (``mallops serve``: granian) or the former gunicorn gthread, for comparison."""
    target = "mallops.wsgi:application" if args.fastpath else "mallops.wsgi:django_application"
    if args.server == "gunicorn":
        return [
            PYTHON,
            "-m",
            "gunicorn",
            target,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--backlog",
            "8192",
            "--log-level",
            "warning",
        ]
    from mallops.cli import granian_command

    return granian_command(
        target, host="127.0.0.1", port=port, workers=args.workers, threads=args.threads, backlog=8192
    )


def run_path(name: str, env: dict[str, str], args: argparse.Namespace) -> dict[str, object]:
    import servers

    with tempfile.TemporaryDirectory() as data_dir:
        python_path = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
        env = {**env, "MALLOPS_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING", "PYTHONPATH": python_path}
        tokens_file = str(Path(data_dir) / "tokens.txt")
        sale_id = int(_sub("_prepare", env, str(args.buyers), str(args.units), tokens_file)["sale_id"])  # type: ignore[call-overload]
        port = servers.free_port()
        web = subprocess.Popen(server_command(args, port), env=env, cwd=ROOT)
        try:
            _wait_http(port)
            result = rush(port, sale_id, tokens_file, args, cpu_groups(web.pid, env))
        finally:
            web.send_signal(signal.SIGTERM)
            web.wait(timeout=30)
        checked = _sub("_verify", env, str(sale_id))
    row = {**result, **checked, "units": args.units}
    print(f"{name:9} {json.dumps(row, ensure_ascii=False)}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    import resource

    # 5,000 keep-alive connections need as many descriptors in wrk and in the server (inherited)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
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
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, default=4, help="application threads per worker (as serve)")
    parser.add_argument("--connections", type=int, default=5000, help="keep-alive connections (wrk -c)")
    parser.add_argument("--wrk-threads", dest="threads_wrk", type=int, default=2, help="wrk -t")
    parser.add_argument("--max-seconds", type=int, default=120, help="give up on a path after this")
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
