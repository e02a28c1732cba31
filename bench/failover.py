"""Benchmark: scale-out failover. Two web nodes and two workers on one PostgreSQL and one Redis; one web
node and one worker are killed mid-run and brought back.

    .venv/bin/python bench/failover.py            # 150 s of load, kill at 40 s, restart 15 s later
    .venv/bin/python bench/failover.py --quick    # 70 s of load, kill at 15 s, restart 8 s later

Starts a throwaway PostgreSQL and Redis on 127.0.0.1 (scripts/servers.py), migrates and seeds through the
services (five merchants, 20 approved catalogue products with stock, 200 buyers with bearer tokens, 50 with --quick), then starts two
``mallops serve`` nodes (granian, two workers each) and two ``mallops worker`` processes (Huey on Redis;
the sweeps run every minute on both, rows split by ``SKIP LOCKED``). Every process gets
``MALLOPS_ORDER_PAY_MINUTES=1`` so unpaid orders' ``pay_due_at`` timers fall due during the run.

The load generator (threads in this process, no load balancer) splits the requests round-robin over the
two nodes; each client loops over a journey: browse the catalogue (``GET /shop/``), quote, check out
(Idempotency-Key), open the payment (Idempotency-Key), pay in the sandbox (two journeys in three; the
rest stay unpaid so their timers fall due) and, one journey in four, open a ticket. A request whose
connection is refused, or (for the Idempotency-Key POSTs and GETs only) reset, is sent again to the other
node, as a health-checking balancer would; a request that still fails, or answers 5xx, is an error.

At ``kill_at`` one web node's whole process group and one worker get SIGKILL; ``down`` seconds later both
are started again. Printed: requests served, errors inside the failover window (kill to recovery), the
time to recover (from the kill until the restarted node served a request again), p50/p99 before the kill
and after recovery, and, after the load, what was lost:

    lost orders  every order of a checkout the client saw answered 201/200 that is not in the database
    lost timers  ``*_due_at`` timers (every model) due at the last minute's sweep that are still set
                 once that sweep finished (the bench waits for the next minute boundary)

The last line is JSON: {"rps", "p99_ms", "errors_during_failover", "recovery_s", "lost_orders",
"lost_timers"}. Exit status 1 when an order or a timer was lost.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "src"))

PYTHON = sys.executable
PRODUCTS = 20
MERCHANTS = 5
BUYERS = 200


# ---------------------------------------------------------------- inside the app (subprocesses)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mallops.settings")
    import django

    django.setup()


def prepare(buyers: int) -> dict[str, Any]:
    """Migrate, then seed through the services: a merchant, approved products with stock, buyers."""
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from mallops.testing.factories import make_merchant, token_for
    from mallops.testing.orders import make_buyer, make_stock

    # several stores and many buyers: risk control blocks a buyer's 10th order with one store in an hour
    # (``brushing``), a limit a steady load of a few buyers would reach within minutes
    merchants = [make_merchant(name=f"扩容演练店 {m}")[0] for m in range(MERCHANTS)]
    skus = [
        make_stock(
            merchants[n % MERCHANTS], sku=f"FO-{n:03d}", price_fen=1900 + n * 100, available=100_000
        ).sku_code
        for n in range(PRODUCTS)
    ]
    tokens = [token_for(make_buyer(f"failover-{n}")) for n in range(buyers)]
    return {"merchant_id": merchants[0].pk, "skus": skus, "tokens": tokens}


def due_fields() -> list[tuple[Any, str]]:
    from django.apps import apps

    return [
        (model, f.name)
        for model in apps.get_models()
        if model.__module__.startswith("mallops.")
        for f in model._meta.concrete_fields
        if f.name.endswith("_due_at")
    ]


def _manager(model: Any) -> Any:
    manager = model._default_manager
    return manager.unscoped(reason="failover bench") if hasattr(manager, "unscoped") else manager


def check(order_ids_file: str, boundary: str) -> dict[str, Any]:
    """Orders the client saw that are missing, and timers due at ``boundary`` still set."""
    _django()
    from mallops.orders.models import Order

    seen = set(json.loads(Path(order_ids_file).read_text()))
    present = set(Order.objects.unscoped(reason="failover bench").values_list("pk", flat=True))
    cutoff = datetime.fromisoformat(boundary)
    timers: dict[str, int] = {}
    for model, name in due_fields():
        left = _manager(model).filter(**{f"{name}__lte": cutoff}).count()
        if left:
            timers[f"{model._meta.label}.{name}"] = left
    pay_swept = Order.objects.unscoped(reason="failover bench").filter(cancel_reason__gt="").count()
    return {
        "orders_seen": len(seen),
        "orders_in_db": len(present),
        "missing_orders": sorted(seen - present)[:20],
        "lost_orders": len(seen - present),
        "timers_left": timers,
        "lost_timers": sum(timers.values()),
        "cancelled_by_timer": pay_swept,
    }


def timers_due(boundary: str) -> int:
    _django()
    cutoff = datetime.fromisoformat(boundary)
    return sum(_manager(m).filter(**{f"{n}__lte": cutoff}).count() for m, n in due_fields())


# ---------------------------------------------------------------- the cluster


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, grew = [root], True
    while grew:
        grew = False
        for pid, ppid in parents.items():
            if ppid in found and pid not in found:
                found.append(pid)
                grew = True
    return found


@dataclass
class Cluster:
    env: dict[str, str]
    log_dir: Path
    ports: list[int]
    web: list[subprocess.Popen[bytes] | None] = field(default_factory=lambda: [None, None])
    workers: list[subprocess.Popen[bytes] | None] = field(default_factory=lambda: [None, None])

    def _spawn(self, argv: list[str], log_name: str) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / log_name, "ab")  # noqa: SIM115 - the child keeps it
        return subprocess.Popen(
            [PYTHON, "-m", "mallops", *argv],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group each: SIGKILL reaches granian's workers too
        )

    def start_web(self, n: int) -> None:
        self.web[n] = self._spawn(["serve", "--port", str(self.ports[n])], f"web{n}.log")

    def start_worker(self, n: int) -> None:
        self.workers[n] = self._spawn(["worker"], f"worker{n}.log")

    @staticmethod
    def kill(proc: subprocess.Popen[bytes] | None) -> None:
        """SIGKILL ``proc`` and every descendant (``mallops serve`` starts granian in its own session)."""
        if proc is None or proc.poll() is not None:
            return
        for pid in _tree(proc.pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def wait_web(self, n: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.web[n]
            if proc is None or proc.poll() is not None:
                raise RuntimeError(f"web node {n} exited: see {self.log_dir}/web{n}.log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.ports[n], timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"web node {n} did not come up")

    def stop_all(self) -> None:
        for proc in [*self.web, *self.workers]:
            if proc is not None and proc.poll() is None:
                with suppress(ProcessLookupError):
                    proc.terminate()  # serve stops its granian and waits for it
        for proc in [*self.web, *self.workers]:
            if proc is None:
                continue
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill(proc)


# ---------------------------------------------------------------- the load generator


@dataclass
class Sample:
    at: float  # monotonic, when the request ended
    node: int
    ms: float
    ok: bool
    what: str
    status: int
    code: str = ""


class Load:
    def __init__(self, ports: list[int], seeded: dict[str, Any]) -> None:
        self.ports = ports
        self.skus: list[str] = seeded["skus"]
        self.merchant_id: int = seeded["merchant_id"]
        self.tokens: list[str] = seeded["tokens"]
        self.samples: list[Sample] = []
        self.retried = 0
        self.order_ids: set[int] = set()
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.rr = 0

    def _next_node(self) -> int:
        with self.lock:
            self.rr += 1
            return self.rr % 2

    def _send(
        self,
        conns: dict[int, http.client.HTTPConnection],
        node: int,
        method: str,
        path: str,
        body: Any,
        headers: dict[str, str],
    ) -> tuple[int, Any]:
        conn = conns.get(node)
        if conn is None:
            conn = conns[node] = http.client.HTTPConnection("127.0.0.1", self.ports[node], timeout=30)
        try:
            data = json.dumps(body).encode() if body is not None else None
            hdrs = {**headers, **({"Content-Type": "application/json"} if data is not None else {})}
            conn.request(method, path, body=data, headers=hdrs)
            response = conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conns.pop(node, None)
            raise
        try:
            parsed = json.loads(raw) if raw and raw[:1] in (b"{", b"[") else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def call(
        self,
        conns: dict[int, http.client.HTTPConnection],
        what: str,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        key: str | None = None,
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        safe = method == "GET" or key is not None  # may be sent again after a reset
        node = self._next_node()
        started = time.monotonic()
        status, parsed = 0, None
        for attempt in range(2):
            try:
                status, parsed = self._send(conns, node, method, path, body, headers)
                break
            except ConnectionRefusedError:
                pass
            except (OSError, http.client.HTTPException):
                if not safe:
                    break
            if attempt == 0:
                with self.lock:
                    self.retried += 1
                node = 1 - node
        ended = time.monotonic()
        code = str(parsed.get("code", "")) if status >= 400 and isinstance(parsed, dict) else ""
        with self.lock:
            self.samples.append(
                Sample(ended, node, (ended - started) * 1000, 200 <= status < 400, what, status, code)
            )
        return status, parsed

    def client(self, index: int) -> None:
        conns: dict[int, http.client.HTTPConnection] = {}
        journey = 0
        while not self.stop.is_set():
            journey += 1
            token = self.tokens[(index + journey * 7919) % len(self.tokens)]
            sku = self.skus[(index + journey) % len(self.skus)]
            cart = {"lines": [{"sku": sku, "qty": 1}]}
            self.call(conns, "browse", "GET", "/shop/", token)
            status, _quote = self.call(conns, "quote", "POST", "/api/v1/buyer/checkout/quote", token, cart)
            if status != 200:
                continue
            key = uuid.uuid4().hex
            status, checkout = self.call(
                conns, "checkout", "POST", "/api/v1/buyer/checkout", token, cart, key
            )
            if status not in (200, 201) or not checkout:
                continue
            with self.lock:
                self.order_ids.update(int(o["id"]) for o in checkout.get("orders", []))
            if journey % 3:
                status, payment = self.call(
                    conns,
                    "payment",
                    "POST",
                    f"/api/v1/buyer/checkouts/{checkout['id']}/payment",
                    token,
                    None,
                    uuid.uuid4().hex,
                )
                if status == 201 and payment:
                    self.call(
                        conns,
                        "pay",
                        "POST",
                        f"/api/v1/payments/sandbox/{payment['out_trade_no']}/pay",
                        token,
                        None,
                        uuid.uuid4().hex,
                    )
            if journey % 4 == 0:
                ticket = {
                    "subject": f"物流查询 {journey}",
                    "description": "包裹还没有发出，请帮忙看一下。",
                    "merchant_id": self.merchant_id,
                }
                self.call(conns, "ticket", "POST", "/api/v1/buyer/tickets", token, ticket)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _app(env: dict[str, str], *argv: str) -> Any:
    out = subprocess.run(
        [PYTHON, __file__, *argv], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if out.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _create_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def _threads(load: Load, count: int) -> Iterator[None]:
    threads = [threading.Thread(target=load.client, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_prepare":
        print(json.dumps(prepare(int(argv[1]))))
        return 0
    if argv and argv[0] == "_check":
        print(json.dumps(check(argv[1], argv[2])))
        return 0
    if argv and argv[0] == "_due":
        print(json.dumps(timers_due(argv[1])))
        return 0
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="70 s of load, kill at 15 s (smoke run)")
    parser.add_argument("--seconds", type=float, default=150.0, help="load duration")
    parser.add_argument("--kill-at", type=float, default=40.0, help="seconds into the load")
    parser.add_argument("--down", type=float, default=15.0, help="seconds the killed processes stay down")
    parser.add_argument("--clients", type=int, default=8, help="load generator threads")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.kill_at, args.down = 70.0, 15.0, 8.0
    import servers

    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "LOG_LEVEL")}
    with ExitStack() as stack:
        pg_server = stack.enter_context(servers.postgres())
        redis_url = stack.enter_context(servers.redis())
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        python_path = os.pathsep.join(p for p in (str(ROOT / "src"), base.get("PYTHONPATH", "")) if p)
        env = {
            **base,
            "MALLOPS_DATA_DIR": str(data_dir),
            "PYTHONPATH": python_path,
            "DATABASE_URL": _create_database(pg_server, "bench_failover"),
            "REDIS_URL": redis_url,
            "MALLOPS_ORDER_PAY_MINUTES": "1",
        }
        started = time.monotonic()
        seeded = _app(env, "_prepare", str(BUYERS // 4 if args.quick else BUYERS))
        print(
            f"seeded in {time.monotonic() - started:.1f} s: {len(seeded['skus'])} products, "
            f"{len(seeded['tokens'])} buyers",
            flush=True,
        )
        cluster = Cluster(env=env, log_dir=data_dir, ports=[servers.free_port(), servers.free_port()])
        stack.callback(cluster.stop_all)
        for n in (0, 1):
            cluster.start_web(n)
            cluster.start_worker(n)
        for n in (0, 1):
            cluster.wait_web(n)
        print(
            f"two web nodes on ports {cluster.ports}, two workers; load average {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        load = Load(cluster.ports, seeded)
        warm = Load(cluster.ports, seeded)  # first requests load the app in each granian worker: not timed
        with _threads(warm, args.clients):
            time.sleep(5)
        load.rr = warm.rr
        t0 = time.monotonic()
        kill_t = restart_t = 0.0
        with _threads(load, args.clients):
            time.sleep(args.kill_at)
            kill_t = time.monotonic()
            cluster.kill(cluster.web[1])
            cluster.kill(cluster.workers[1])
            print(f"{kill_t - t0:.1f} s: SIGKILL web node 1 and worker 1", flush=True)
            time.sleep(args.down)
            restart_t = time.monotonic()
            cluster.start_web(1)
            cluster.start_worker(1)
            print(f"{restart_t - t0:.1f} s: web node 1 and worker 1 started again", flush=True)
            time.sleep(max(0.0, args.seconds - (time.monotonic() - t0)))
        t_end = time.monotonic()
        samples = sorted(load.samples, key=lambda s: s.at)
        back = [s for s in samples if s.at > restart_t and s.node == 1 and s.ok]
        recovered_t = back[0].at if back else t_end
        recovery_s = round(recovered_t - kill_t, 2)
        window = [s for s in samples if kill_t <= s.at <= recovered_t]
        before = [s.ms for s in samples if s.at < kill_t and s.ok]
        after = [s.ms for s in samples if s.at > recovered_t and s.ok]
        served = sum(1 for s in samples if s.ok)
        errors = [s for s in samples if not s.ok]
        rps = round(served / max(1e-6, t_end - t0), 1)
        by_kind: dict[str, int] = {}
        failed: dict[str, int] = {}
        for s in samples:
            by_kind[s.what] = by_kind.get(s.what, 0) + 1
            if not s.ok:
                label = f"{s.what} {s.status or 'no answer'} {s.code}".strip()
                failed[label] = failed.get(label, 0) + 1
        print(
            f"requests served {served} in {t_end - t0:.1f} s ({rps} req/s), {len(errors)} errors in all, "
            f"{load.retried} sent again to the other node; by kind {by_kind}"
        )
        print(f"errors by kind, status and code: {failed or 'none'}")
        print(
            f"failover window {kill_t - t0:.1f}-{recovered_t - t0:.1f} s: {len(window)} requests, "
            f"{sum(1 for s in window if not s.ok)} errors; recovered in {recovery_s} s "
            f"(kill to the restarted node's first answer)"
        )
        print(
            f"latency before the kill: p50 {_pct(before, 0.5)} ms, p99 {_pct(before, 0.99)} ms "
            f"({len(before)} requests); after recovery: p50 {_pct(after, 0.5)} ms, p99 {_pct(after, 0.99)} ms "
            f"({len(after)} requests)"
        )
        # timers: wait for the next minute boundary (the sweeps' schedule) and for its sweep to finish
        boundary = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        print(f"waiting for the {boundary:%H:%M} UTC sweep ...", flush=True)
        time.sleep(max(0.0, (boundary - datetime.now(UTC)).total_seconds()))
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline and _app(env, "_due", boundary.isoformat()):
            time.sleep(2)
        ids_file = data_dir / "orders.json"
        ids_file.write_text(json.dumps(sorted(load.order_ids)))
        result = _app(env, "_check", str(ids_file), boundary.isoformat())
        print(
            f"orders the client saw created {result['orders_seen']}, in the database {result['orders_in_db']} (warm-up included), "
            f"lost {result['lost_orders']} {result['missing_orders'] or ''}"
        )
        print(
            f"unpaid orders cancelled by their pay timer {result['cancelled_by_timer']}; timers due at "
            f"{boundary:%H:%M:%S} still set: {result['lost_timers']} {result['timers_left'] or ''}"
        )
        print(f"load average {os.getloadavg()[0]:.2f} (2 shared cores)")
    summary = {
        "rps": rps,
        "p99_ms": _pct([s.ms for s in samples if s.ok], 0.99),
        "errors_during_failover": sum(1 for s in window if not s.ok),
        "recovery_s": recovery_s,
        "lost_orders": result["lost_orders"],
        "lost_timers": result["lost_timers"],
    }
    print(json.dumps(summary))
    return 1 if summary["lost_orders"] or summary["lost_timers"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
