"""Benchmark: the main API read paths under 64 keep-alive clients, against ``/healthz`` in the same run.

    .venv/bin/python bench/api_reads.py            # 10 s per endpoint
    .venv/bin/python bench/api_reads.py --quick    # 3 s per endpoint (smoke run)

Seeds a fresh embedded-default database (SQLite in WAL mode under a throwaway ``MALLOPS_DATA_DIR``):
one store with 50 stock rows and 50 orders of two lines each (one buyer placed them all), 50 listing
versions waiting in the review queue and 50 open tickets. Then starts ``mallops serve`` (granian, its
default workers and threads, access log on, as in production) and drives each endpoint in turn with
``wrk`` (64 keep-alive connections, a bearer token of the right role, the default page of 50):

    merchant_orders     GET /api/v1/merchant/orders          (50 orders with their lines)
    merchant_stock      GET /api/v1/merchant/stock           (50 rows)
    buyer_orders        GET /api/v1/buyer/orders             (50 orders with their lines)
    review_queue        GET /api/v1/review/queue             (50 versions with finding counts)
    ticket_queue        GET /api/v1/service/tickets          (50 tickets)
    catalogue_categories GET /api/v1/catalogue/categories    (the category tree with schemas)
    healthz             GET /healthz                         (the floor: no database, no auth)

Prints requests/s, p50 and p99 (ms), the server's CPU milliseconds per request (all its processes;
steadier than wall-clock figures on a busy machine) and the status counts per endpoint, the load average before and after
(the machine may be shared: compare figures taken at similar load), and as the last line JSON:
``{"endpoints": {name: {"rps", "p50_ms", "p99_ms"}}, "healthz_rps": ...}``. Exit status 1 when an
endpoint answered anything but 200.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

PYTHON = sys.executable
ROWS = 50

ENDPOINTS: dict[str, tuple[str, str]] = {
    # name: (path, whose token)
    "merchant_orders": ("/api/v1/merchant/orders", "merchant"),
    "merchant_stock": ("/api/v1/merchant/stock", "merchant"),
    "buyer_orders": ("/api/v1/buyer/orders", "buyer"),
    "review_queue": ("/api/v1/review/queue", "reviewer"),
    "ticket_queue": ("/api/v1/service/tickets", "agent"),
    "catalogue_categories": ("/api/v1/catalogue/categories", "buyer"),
}


# ---------------------------------------------------------------- inside the app (a subprocess)


def prepare() -> dict[str, str]:
    """Migrate and seed through the real services; returns a bearer token per role."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from mallops.catalogue.contracts import SkuInput
    from mallops.catalogue.fixtures import make_product
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.orders.testing import make_buyer, make_stock
    from mallops.review import services as review
    from mallops.service.services import ticket_create
    from mallops.testing.factories import make_merchant, make_staff, token_for

    merchant, owner = make_merchant(name="读路径基准店")
    buyer = make_buyer("bench-buyer")
    items = [
        make_stock(merchant, sku=f"READ-{n:03d}", price_fen=1000 + n, available=1000) for n in range(ROWS)
    ]
    for n in range(ROWS):
        lines = [CartLine(items[n].sku_code, 1), CartLine(items[(n + 1) % ROWS].sku_code, 2)]
        checkout_create(actor=buyer, idempotency_key=f"bench-{n}", req=CheckoutRequest(lines=lines))
    for n in range(ROWS):
        # "原价" is a review-severity claim: the version waits in the human queue with one finding
        skus = [
            SkuInput(code=f"RQ-{n}-{k}", price_fen=3900, stock=50, spec_values={"颜色": colour})
            for k, colour in ((1, "白色"), (2, "蓝色"))
        ]
        product = make_product(merchant.pk, title=f"原价手工陶瓷马克杯 大容量 {n}", skus=skus)
        listing = review.listing_create(actor=None, merchant_id=merchant.pk, product_id=product.pk)
        review.listing_submit(actor=None, merchant_id=merchant.pk, listing_id=listing.pk)
    agent = make_staff("cs_agent")
    for n in range(ROWS):
        ticket_create(
            actor=agent,
            subject=f"物流查询 {n}",
            description="包裹三天没有更新，请帮忙查一下。",
            buyer_id=buyer.pk,
            merchant_id=merchant.pk,
        )
    return {
        "merchant": token_for(owner),
        "buyer": token_for(buyer),
        "reviewer": token_for(make_staff("listing_reviewer")),
        "agent": token_for(agent),
    }


# ---------------------------------------------------------------- the load generator: wrk


WRK_LUA = r"""
function done(summary, latency, requests)
  local counts, parts = {}, {}
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
"""


def drive(wrk: str, url: str, token: str | None, args: argparse.Namespace, script: Path) -> dict[str, object]:
    """One endpoint: ``wrk`` with keep-alive connections for ``args.seconds``."""
    command = [wrk, "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{args.seconds}s"]
    command += ["--timeout", "30s", "-s", str(script)]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=args.seconds + 60
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("WRKJSON ")]
    if not lines:
        raise RuntimeError(f"wrk gave no result:\n{out.stdout[-2000:]}\n{out.stderr[-2000:]}")
    data = json.loads(lines[-1][len("WRKJSON ") :])
    seconds = max(1e-6, data["duration_us"] / 1e6)
    return {
        "rps": round(data["requests"] / seconds, 1),
        "p50_ms": round(data["p50_us"] / 1000, 1),
        "p99_ms": round(data["p99_us"] / 1000, 1),
        "max_ms": round(data["max_us"] / 1000, 1),
        "requests": data["requests"],
        "non_2xx": data["errors"]["status"],
        "socket_errors": {k: v for k, v in data["errors"].items() if v and k != "status"},
    }


def _probe(port: int, path: str, token: str | None) -> tuple[int, int]:
    """Status and body size of one request (the bench refuses to time an endpoint that fails)."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


def _wait_http(port: int, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("mallops serve exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the app did not come up")


def _cpu_seconds(root: int) -> float:
    """CPU seconds used so far by ``root`` and its descendants (the server: steadier than wall time on
    a shared machine)."""
    tick = os.sysconf("SC_CLK_TCK")
    table: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    found, grew = {root}, True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return sum(table[p][1] for p in found if p in table)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_prepare":
        print(json.dumps(prepare()))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per endpoint")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (wrk -c)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (healthz always runs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3
    import servers

    wrk = servers.wrk()
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    wanted = [n for n in ENDPOINTS if not args.only or n in args.only.split(",")]
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL")}
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        python_path = os.pathsep.join(p for p in (str(ROOT / "src"), base.get("PYTHONPATH", "")) if p)
        env = {**base, "MALLOPS_DATA_DIR": data_dir, "PYTHONPATH": python_path}
        started = time.monotonic()
        seeded = subprocess.run(
            [PYTHON, __file__, "_prepare"], env=env, capture_output=True, text=True, check=False, cwd=ROOT
        )
        if seeded.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{seeded.stderr[-3000:]}")
        tokens: dict[str, str] = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(f"seeded in {time.monotonic() - started:.1f} s", flush=True)
        port = servers.free_port()
        script = Path(data_dir) / "reads.lua"
        script.write_text(WRK_LUA)
        with open(Path(data_dir) / "serve.log", "wb") as log:
            serve = subprocess.Popen(
                [PYTHON, "-m", "mallops", "serve", "--port", str(port)],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_http(port, serve)
                print(f"load average before: {_load()}", flush=True)
                plan = [(n, *ENDPOINTS[n]) for n in wanted] + [("healthz", "/healthz", "")]
                for name, path, role in plan:
                    token = tokens[role] if role else None
                    status, size = _probe(port, path, token)
                    if status != 200:
                        raise RuntimeError(f"{name}: GET {path} answered {status}")
                    cpu = _cpu_seconds(serve.pid)
                    row = drive(wrk, f"http://127.0.0.1:{port}{path}", token, args, script)
                    cpu = _cpu_seconds(serve.pid) - cpu
                    row["bytes"] = size
                    row["server_cpu_ms"] = round(cpu * 1000 / max(1, int(row["requests"])), 2)  # type: ignore[call-overload]
                    results[name] = row
                    print(
                        f"{name:21} {row['rps']:>8} req/s  p50 {row['p50_ms']:>7} ms  "
                        f"p99 {row['p99_ms']:>7} ms  server CPU {row['server_cpu_ms']} ms/req  "
                        f"({row['requests']} requests, {size} bytes, "
                        f"non-2xx {row['non_2xx']}, load {_load()})",
                        flush=True,
                    )
            finally:
                serve.send_signal(signal.SIGTERM)
                try:
                    serve.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    serve.kill()
                    serve.wait()
    print(f"load average after: {_load()} (2 cores: figures are comparable only at similar load)")
    healthz = results.pop("healthz")
    summary = {
        "endpoints": {
            name: {"rps": row["rps"], "p50_ms": row["p50_ms"], "p99_ms": row["p99_ms"]}
            for name, row in results.items()
        },
        "healthz_rps": healthz["rps"],
    }
    print(json.dumps(summary))
    return 1 if any(row["non_2xx"] or row["socket_errors"] for row in [*results.values(), healthz]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
