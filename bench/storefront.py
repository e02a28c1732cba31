"""Benchmark: the storefront's product page, search and cart quote under 64 keep-alive clients (R6.1.1:
p99 < 200 ms on the embedded default).

    .venv/bin/python bench/storefront.py            # 10 s per page
    .venv/bin/python bench/storefront.py --quick    # 3 s per page (smoke run)

Seeds a fresh embedded-default database (SQLite in WAL mode under a throwaway ``MALLOPS_DATA_DIR``): one
store with 50 live products of two SKUs each (titles segmented into the search index), a live store
满100减20, and one buyer with three lines in the cart. Then starts ``mallops serve`` (granian, defaults) and
drives each page with ``wrk`` (64 connections):

    product     GET /shop/p/<id>/            (signed out)
    search      GET /shop/search?q=保温杯     (signed out: non-personalised)
    cart_quote  GET /shop/cart/              (the buyer's session: the live best-combination quote)

Prints requests/s, p50/p99 (ms) and the server's CPU ms per request per page, and as the last line JSON:
``{"pages": {name: {"rps", "p50_ms", "p99_ms"}}}``. Exit status 1 when a page answered anything but 200.
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
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from api_reads import WRK_LUA, _cpu_seconds, _load, _wait_http  # noqa: E402

PYTHON = sys.executable
PRODUCTS = 50


def prepare() -> dict[str, str]:
    """Migrate and seed; returns the product path and the buyer's session cookie."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    sys.path.insert(0, str(ROOT / "tests" / "storefront"))
    from storefront_support import live_product

    from mallops.orders.testing import make_buyer
    from mallops.pricing.testing import make_promotion
    from mallops.storefront import services
    from mallops.testing.factories import make_merchant

    merchant, _owner = make_merchant(name="商城基准店")
    products = [
        live_product(
            merchant, title=f"不锈钢保温杯 大容量 {n}号", skus=(({"颜色": "白"}, 9900 + n, None, 1000),)
        )
        for n in range(PRODUCTS)
    ]
    make_promotion(merchant, status="live", name="满100减20", rules_text="【满100减20】")
    services.search_reindex()
    buyer = make_buyer("bench-shopper")
    for _product, skus in products[:3]:
        services.cart_add(buyer=buyer, sku_code=skus[0].code, qty=1)
    client = Client()
    client.force_login(buyer)
    return {
        "product": f"/shop/p/{products[0][0].pk}/",
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
    }


def _probe(url: str, cookie: str) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def drive(wrk: str, url: str, cookie: str, args: argparse.Namespace, script: Path) -> dict[str, object]:
    command = [wrk, "-t", str(args.wrk_threads), "-c", str(args.connections), "-d", f"{args.seconds}s"]
    command += ["--timeout", "30s", "-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
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
        "requests": data["requests"],
        "non_2xx": data["errors"]["status"],
        "socket_errors": {k: v for k, v in data["errors"].items() if v and k != "status"},
    }


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_prepare":
        print(json.dumps(prepare()))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per page")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per page")
    parser.add_argument("--connections", type=int, default=64, help="keep-alive connections (wrk -c)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3
    import servers

    wrk = servers.wrk()
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
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
        seed: dict[str, str] = json.loads(seeded.stdout.strip().splitlines()[-1])
        print(f"seeded in {time.monotonic() - started:.1f} s", flush=True)
        port = servers.free_port()
        script = Path(data_dir) / "pages.lua"
        script.write_text(WRK_LUA)
        plan = [
            ("product", seed["product"], ""),
            ("search", "/shop/search?q=" + quote("保温杯"), ""),
            ("cart_quote", "/shop/cart/", seed["cookie"]),
        ]
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
                for name, path, cookie in plan:
                    url = f"http://127.0.0.1:{port}{path}"
                    status = _probe(url, cookie)
                    if status != 200:
                        raise RuntimeError(f"{name}: GET {path} answered {status}")
                    cpu = _cpu_seconds(serve.pid)
                    row = drive(wrk, url, cookie, args, script)
                    cpu = _cpu_seconds(serve.pid) - cpu
                    row["server_cpu_ms"] = round(cpu * 1000 / max(1, int(str(row["requests"]))), 2)
                    results[name] = row
                    print(
                        f"{name:11} {row['rps']:>8} req/s  p50 {row['p50_ms']:>7} ms  p99 {row['p99_ms']:>7} ms  "
                        f"server CPU {row['server_cpu_ms']} ms/req  ({row['requests']} requests, "
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
    print(
        json.dumps(
            {
                "pages": {
                    name: {"rps": row["rps"], "p50_ms": row["p50_ms"], "p99_ms": row["p99_ms"]}
                    for name, row in results.items()
                }
            }
        )
    )
    return 1 if any(row["non_2xx"] or row["socket_errors"] for row in results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
