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

    .venv/bin/python bench/api_reads.py --in-process   # no server: CPU ms per request in this process

``--in-process`` seeds the same data, then calls each endpoint (and ``GET /api/v1/me``, the fixed path of
an authenticated request) 200 times through Django's test client after 20 warm calls and prints the CPU
milliseconds per request and the query count. On a shared machine this is the steadiest A/B: run it on
two trees one after the other (``PYTHONPATH=<tree>/src``), twice each, interleaved.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _common import load, load_arguments, prepare_or_none, served  # noqa: E402

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
    from mallops.accounts.actors import actor_of
    from mallops.catalogue.contracts import SkuInput
    from mallops.catalogue.fixtures import make_product
    from mallops.orders.checkout import CartLine, CheckoutRequest, checkout_create
    from mallops.review import services as review
    from mallops.service.services import ticket_create
    from mallops.testing.factories import make_merchant, make_staff, token_for
    from mallops.testing.orders import make_buyer, make_stock

    merchant, owner = make_merchant(name="读路径基准店")
    nobody = actor_of(None)  # the listings are created and submitted as before (no signed-in actor)
    buyer = make_buyer("bench-buyer")
    items = [
        make_stock(merchant, sku=f"READ-{n:03d}", price_fen=1000 + n, available=1000) for n in range(ROWS)
    ]
    for n in range(ROWS):
        lines = [CartLine(items[n].sku_code, 1), CartLine(items[(n + 1) % ROWS].sku_code, 2)]
        checkout_create(actor=actor_of(buyer), idempotency_key=f"bench-{n}", req=CheckoutRequest(lines=lines))
    for n in range(ROWS):
        # "原价" is a review-severity claim: the version waits in the human queue with one finding
        skus = [
            SkuInput(code=f"RQ-{n}-{k}", price_fen=3900, stock=50, spec_values={"颜色": colour})
            for k, colour in ((1, "白色"), (2, "蓝色"))
        ]
        product = make_product(merchant.pk, title=f"原价手工陶瓷马克杯 大容量 {n}", skus=skus)
        listing = review.listing_create(actor=nobody, merchant_id=merchant.pk, product_id=product.pk)
        review.listing_submit(actor=nobody, merchant_id=merchant.pk, listing_id=listing.pk)
    agent = make_staff("cs_agent")
    for n in range(ROWS):
        ticket_create(
            actor=actor_of(agent),
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


def in_process(wanted: list[str], requests: int = 200) -> int:
    """CPU milliseconds per request and queries per endpoint through the test client (no server)."""
    with tempfile.TemporaryDirectory() as data_dir:
        os.environ["MALLOPS_DATA_DIR"] = data_dir
        tokens = prepare()
        from django.test import Client

        from mallops.testing.queries import count_queries

        client = Client()
        plan = [(n, *ENDPOINTS[n]) for n in wanted] + [("me", "/api/v1/me", "buyer")]
        results: dict[str, dict[str, float]] = {}
        for name, path, role in plan:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            for _ in range(20):
                if client.get(path, headers=headers).status_code != 200:
                    print(f"{name}: GET {path} did not answer 200", file=sys.stderr)
                    return 1
            with count_queries() as queries:
                client.get(path, headers=headers)
            started = time.process_time()
            for _ in range(requests):
                client.get(path, headers=headers)
            cpu_ms = (time.process_time() - started) * 1000 / requests
            results[name] = {"cpu_ms": round(cpu_ms, 2), "queries": len(queries)}
            print(
                f"{name:21} {cpu_ms:6.2f} ms CPU/request  {len(queries)} queries  (load {load()})", flush=True
            )
    print(json.dumps({"in_process": results}))
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if (code := prepare_or_none(argv, prepare)) is not None:
        return code
    parser = load_arguments((__doc__ or "").splitlines()[0], argv, "endpoint")
    parser.add_argument("--only", default="", help="comma-separated endpoint names (healthz always runs)")
    parser.add_argument(
        "--in-process", action="store_true", help="CPU per request in this process, no server"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds = 3
    wanted = [n for n in ENDPOINTS if not args.only or n in args.only.split(",")]
    if args.in_process:
        return in_process(wanted)
    results: dict[str, dict[str, object]] = {}
    with served(__file__) as server:
        tokens = server.seed
        plan = [(n, *ENDPOINTS[n]) for n in wanted] + [("healthz", "/healthz", "")]
        for name, path, role in plan:
            headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
            try:
                row = server.time(path, headers, args)
            except RuntimeError as error:
                raise RuntimeError(f"{name}: {error}") from error
            results[name] = row
            print(
                f"{name:21} {row['rps']:>8} req/s  p50 {row['p50_ms']:>7} ms  "
                f"p99 {row['p99_ms']:>7} ms  server CPU {row['server_cpu_ms']} ms/req  "
                f"({row['requests']} requests, {row['bytes']} bytes, "
                f"non-2xx {row['non_2xx']}, load {load()})",
                flush=True,
            )
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
