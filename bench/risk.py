"""Benchmark of the transaction risk engine (not a test).

Generates a stream of buyer events (registrations, logins, password and address changes, coupon
claims, orders, reviews, refund requests) from ``--buyers`` ordinary buyers, with planted abuse: coupon
rings (phone farms sharing devices and one address spelled many ways, each account claiming the same
batch), brushing clusters (linked accounts ordering from one shop within the hour, then posting the same
review), account takeovers (new-device login, password change, large order) and refund abusers.

Measured on one core, in CPU time (the process's own, so a busy shared machine does not inflate it;
wall times are printed too):

* the engine (``RiskEngine.assess``) over the whole stream: events/s and the p50/p99/max latency of one
  decision (``perf_counter_ns`` around each call);
* a baseline that re-scans the whole history for every event (linkage rebuilt, every window counted
  again) on a prefix of ``--baseline-events`` events (20,000), timed on every ``--baseline-every``-th
  event of it (10: each still re-scans all the events before it, so the rate is the prefix's mean);
  its decisions must equal the engine's;
* ``mallops risk score`` end to end on the stream written as JSON Lines (parsing, deciding, writing).

The last line is JSON: ``{"events", "events_s", "p99_us", "baseline_events_s", "ratio"}`` (ratio = engine
events/s over baseline events/s). ``--quick`` runs a small smoke version.

    .venv/bin/python bench/risk.py            # 1,000,000 events, baseline on 20,000
    .venv/bin/python bench/risk.py --quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mallops.risk.engine import (
    BASELINE,
    Event,
    EventType,
    Profile,
    RiskEngine,
    Rule,
    Verdict,
    from_micros,
    normalise,
    to_micros,
)

ROOT = Path(__file__).resolve().parents[1]
T = EventType
S = 1_000_000
CST = timezone(timedelta(hours=8))
T0 = to_micros(datetime(2026, 11, 1, 0, 0, tzinfo=CST))
CITIES = ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "杭州市西湖区", "成都市武侯区"]
ROADS = ["建国路", "世纪大道", "天河路", "科技园南路", "文三路", "人民南路", "中山路", "解放路"]
TEXTS = [
    "物美价廉，好评！",
    "质量不错",
    "物流很快",
    "和描述一致",
    "一般般",
    "包装破损",
    "客服态度好",
    "回购了",
]


def _variant(rng: random.Random, address: str) -> str:
    """The same address as a person (or a script evading a filter) might type it."""
    roll = rng.random()
    if roll < 0.3:
        return address.replace("号", " 号 ").replace("路", "路，")
    if roll < 0.5:
        return address.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})  # full-width digits
    return address


class Stream:
    """Builds a time-ordered event stream; ``at`` advances a little before each event."""

    def __init__(self, rng: random.Random, buyers: int) -> None:
        self.rng = rng
        self.buyers = buyers
        self.at = T0
        self.events: list[Event] = []
        self.orders: dict[str, list[str]] = {}  # buyer -> order ids
        self.next_id = 0
        self.planted: Counter[str] = Counter()

    def emit(self, type_: EventType, buyer: str, step_s: float = 0.4, **fields: object) -> None:
        self.at += int(self.rng.expovariate(1 / step_s) * S)
        self.next_id += 1
        self.events.append(Event(id=f"e{self.next_id}", type=type_, at=self.at, buyer=buyer, **fields))  # type: ignore[arg-type]

    def home(self, k: int) -> tuple[str, str]:
        # one buyer in 20 shares a home (family) with the buyer before it
        house = k - 1 if k % 20 == 0 and k else k
        return f"d{k}", f"{CITIES[house % 6]}{ROADS[house % 8]}{house % 997 + 1}号{house // 997}室"

    def order(
        self, buyer: str, device: str, address: str, merchant: str, amount: int, step_s: float = 0.4
    ) -> None:
        order_id = f"o{self.next_id + 1}"
        self.orders.setdefault(buyer, []).append(order_id)
        self.emit(
            T.ORDER,
            buyer,
            step_s,
            device=device,
            address=address,
            order=order_id,
            merchant=merchant,
            amount_fen=amount,
        )

    def ordinary(self) -> None:
        rng = self.rng
        k = rng.randrange(self.buyers)
        buyer = f"b{k}"
        device, address = self.home(k)
        if rng.random() < 0.03:
            device = f"d{k}-{rng.randrange(3)}"  # a second phone
        roll = rng.random()
        if roll < 0.22:
            self.emit(T.LOGIN, buyer, device=device, ip=f"10.0.{k % 250}.{k % 200}")
        elif roll < 0.40:
            self.emit(T.COUPON_CLAIM, buyer, device=device, batch=f"c{rng.randrange(400)}")
        elif roll < 0.72:
            self.order(
                buyer, device, address, f"m{rng.randrange(2000)}", rng.choice([990, 2990, 12900, 59900])
            )
        elif roll < 0.84:
            mine = self.orders.get(buyer)
            if not mine:
                self.emit(T.LOGIN, buyer, device=device)
                return
            order_id = rng.choice(mine) if rng.random() < 0.99 else f"o-missing-{k}"
            self.emit(
                T.REVIEW,
                buyer,
                device=device,
                order=order_id,
                merchant=f"m{rng.randrange(2000)}",
                rating=rng.randint(1, 5),
                text=rng.choice(TEXTS) + str(rng.randrange(50)),
            )
        elif roll < 0.90:
            mine = self.orders.get(buyer)
            self.emit(
                T.REFUND_REQUEST,
                buyer,
                device=device,
                order=rng.choice(mine) if mine else "o0",
                amount_fen=990,
                kind="refund_only",
            )
        elif roll < 0.95:
            self.emit(T.REGISTER, buyer, device=device)
        elif roll < 0.975:
            self.emit(T.PASSWORD_CHANGE, buyer, device=device)
        else:
            self.emit(T.ADDRESS_CHANGE, buyer, device=device, address=address)

    def coupon_ring(self, ring: int) -> None:
        rng = self.rng
        size = rng.randint(5, 30)
        phones = [f"farm{ring}-p{j}" for j in range(rng.randint(2, 4))]
        address = f"{rng.choice(CITIES)}某某村{ring}号"
        batch = f"c{rng.randrange(400)}"
        for j in range(size):
            buyer = f"ring{ring}-{j}"
            self.emit(T.REGISTER, buyer, 2.0, device=phones[j % len(phones)], address=_variant(rng, address))
            self.emit(T.COUPON_CLAIM, buyer, 1.0, device=phones[j % len(phones)], batch=batch)
        self.planted["coupon ring accounts"] += size

    def harvester(self, k: int) -> None:
        buyer = f"new{k}"
        self.emit(T.REGISTER, buyer, 5.0, device=f"new{k}-d")
        for _ in range(4):
            self.emit(T.COUPON_CLAIM, buyer, 300.0, device=f"new{k}-d", batch=f"c{self.rng.randrange(400)}")
        self.planted["new-account harvesters"] += 1

    def brushing(self, cluster: int) -> None:
        rng = self.rng
        size = rng.randint(6, 14)
        merchant = f"m{rng.randrange(2000)}"
        address = f"{rng.choice(CITIES)}刷单小区{cluster}栋"
        text = f"宝贝很好，五星好评{cluster}"
        for j in range(size):
            buyer = f"brush{cluster}-{j}"
            self.order(buyer, f"brush{cluster}-d{j}", _variant(rng, address), merchant, 100, step_s=60.0)
            self.emit(
                T.REVIEW, buyer, 5.0, order=self.orders[buyer][-1], merchant=merchant, rating=5, text=text
            )
        self.planted["brushing orders"] += size

    def takeover(self) -> None:
        k = self.rng.randrange(self.buyers)
        buyer = f"b{k}"
        device = self.home(k)[0]
        self.emit(T.LOGIN, buyer, device=device)
        self.emit(T.LOGIN, buyer, 30.0, device=f"thief{self.next_id}")
        self.emit(T.PASSWORD_CHANGE, buyer, 60.0, device=f"thief{self.next_id - 1}")
        self.order(buyer, f"thief{self.next_id - 2}", "某地收货点1号", "m7", 250_000, step_s=300.0)
        self.planted["takeovers"] += 1

    def refund_abuser(self) -> None:
        k = self.rng.randrange(self.buyers)
        buyer = f"b{k}"
        device, address = self.home(k)
        for _ in range(10):
            self.order(buyer, device, address, f"m{self.rng.randrange(2000)}", 5990, step_s=5.0)
            self.emit(
                T.REFUND_REQUEST,
                buyer,
                5.0,
                device=device,
                order=self.orders[buyer][-1],
                amount_fen=5990,
                kind="return_refund",
            )
        self.planted["refund abusers"] += 1


def generate(n: int, buyers: int, seed: int) -> tuple[list[Event], Counter[str]]:
    rng = random.Random(seed)
    stream = Stream(rng, buyers)
    rings = clusters = 0
    while len(stream.events) < n:
        roll = rng.random()
        if roll < 0.0006:
            rings += 1
            stream.coupon_ring(rings)
        elif roll < 0.0012:
            clusters += 1
            stream.brushing(clusters)
        elif roll < 0.0015:
            stream.takeover()
        elif roll < 0.0017:
            stream.refund_abuser()
        elif roll < 0.0019:
            stream.harvester(len(stream.events))
        else:
            stream.ordinary()
    return stream.events[:n], stream.planted


def to_json_line(event: Event) -> str:
    data: dict[str, object] = {"id": event.id, "type": str(event.type)}
    data["at"] = from_micros(event.at).astimezone(CST).isoformat()
    data["buyer"] = event.buyer
    for name in (
        "device",
        "ip",
        "address",
        "batch",
        "order",
        "merchant",
        "amount_fen",
        "rating",
        "text",
        "kind",
    ):
        value = getattr(event, name)
        if value is not None:
            data[name] = value
    return json.dumps(data, ensure_ascii=False)


# The baseline: every event re-scans the whole history ------------------------------------------------


def rescan_decide(history: list[Event], profile: Profile = BASELINE) -> tuple[Verdict, list[Rule]]:
    """Decide ``history[-1]``: linkage rebuilt from all events, every window counted again."""
    e, earlier, x = history[-1], history[:-1], history[-1].buyer
    fired: list[tuple[Rule, Verdict]] = []
    if e.type in (T.COUPON_CLAIM, T.ORDER):
        parent: dict[str, str] = {}

        def find(a: str) -> str:
            parent.setdefault(a, a)
            while parent[a] != a:
                a = parent[a]
            return a

        for o in history:
            for key in (
                "d:" + o.device if o.device else "",
                "a:" + normalise(o.address) if o.address else "",
            ):
                if key and key != "a:":
                    parent[find("b:" + o.buyer)] = find(key)
        root = find("b:" + x)
        if e.type is T.COUPON_CLAIM:
            k = len(
                {
                    o.buyer
                    for o in earlier
                    if o.type is T.COUPON_CLAIM
                    and o.batch == e.batch
                    and o.buyer != x
                    and find("b:" + o.buyer) == root
                }
            )
            if k >= profile.coupon_ring_review_linked:
                fired.append(
                    (
                        Rule.COUPON_RING,
                        Verdict.BLOCK if k >= profile.coupon_ring_block_linked else Verdict.REVIEW,
                    )
                )
            young = any(
                o.type is T.REGISTER and o.buyer == x and e.at - o.at < profile.harvest_account_age_s * S
                for o in earlier
            )
            batches = {
                o.batch
                for o in history
                if o.type is T.COUPON_CLAIM and o.buyer == x and e.at - o.at <= profile.harvest_window_s * S
            }
            if young and len(batches) >= profile.harvest_distinct_batches:
                fired.append((Rule.NEW_ACCOUNT_HARVEST, Verdict.REVIEW))
        else:
            n = sum(
                1
                for o in history
                if o.type is T.ORDER
                and o.merchant == e.merchant
                and e.at - o.at <= profile.brushing_window_s * S
                and find("b:" + o.buyer) == root
            )
            if n >= profile.brushing_review_orders:
                fired.append(
                    (Rule.BRUSHING, Verdict.BLOCK if n >= profile.brushing_block_orders else Verdict.REVIEW)
                )
            seen: set[str] = set()
            takeover = False
            for j, o in enumerate(earlier):
                if o.buyer != x:
                    continue
                if (
                    o.type is T.LOGIN
                    and o.device
                    and seen
                    and o.device not in seen
                    and e.at - o.at <= profile.takeover_login_window_s * S
                ):
                    takeover = takeover or any(
                        c.buyer == x
                        and c.type in (T.PASSWORD_CHANGE, T.ADDRESS_CHANGE)
                        and c.at - o.at <= profile.takeover_change_window_s * S
                        for c in earlier[j + 1 :]
                    )
                if o.device:
                    seen.add(o.device)
            if takeover:
                fired.append(
                    (
                        Rule.ACCOUNT_TAKEOVER,
                        Verdict.BLOCK
                        if (e.amount_fen or 0) >= profile.takeover_block_amount_fen
                        else Verdict.REVIEW,
                    )
                )
    elif e.type is T.REVIEW:
        if not any(o.type is T.ORDER and o.order == e.order and o.buyer == x for o in earlier):
            fired.append((Rule.REVIEW_WITHOUT_PURCHASE, Verdict.BLOCK))
        else:
            text = normalise(e.text or "")
            posters = {
                o.buyer
                for o in earlier
                if o.type is T.REVIEW
                and o.merchant == e.merchant
                and o.buyer != x
                and e.at - o.at <= profile.duplicate_review_window_s * S
                and normalise(o.text or "") == text
            }
            if text and len(posters) >= profile.duplicate_review_other_buyers:
                fired.append((Rule.DUPLICATE_REVIEW_TEXT, Verdict.REVIEW))
    elif e.type is T.REFUND_REQUEST:
        window = profile.refund_window_s * S
        r = sum(1 for o in history if o.type is T.REFUND_REQUEST and o.buyer == x and e.at - o.at <= window)
        p = sum(1 for o in history if o.type is T.ORDER and o.buyer == x and e.at - o.at <= window)
        if r >= profile.refund_block_requests and r >= Fraction(profile.refund_block_percent, 100) * p:
            fired.append((Rule.REFUND_ABUSE, Verdict.BLOCK))
        elif r >= profile.refund_review_requests and r >= Fraction(profile.refund_review_percent, 100) * p:
            fired.append((Rule.REFUND_ABUSE, Verdict.REVIEW))
    rank = {Verdict.ALLOW: 0, Verdict.REVIEW: 1, Verdict.BLOCK: 2}
    verdict = max((v for _, v in fired), key=rank.__getitem__, default=Verdict.ALLOW)
    return verdict, [rule for rule, _ in fired]


def _us(sorted_ns: list[int], q: float) -> float:
    return round(sorted_ns[min(len(sorted_ns) - 1, int(q * len(sorted_ns)))] / 1000, 2)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--baseline-events", type=int, default=None)
    parser.add_argument(
        "--baseline-every",
        type=int,
        default=None,
        help="decide every k-th event of the prefix with the baseline (each still re-scans its whole history)",
    )
    parser.add_argument("--no-cli", action="store_true", help="skip the end-to-end CLI run")
    args = parser.parse_args(argv)
    n = args.events or (50_000 if args.quick else 1_000_000)
    n_base = args.baseline_events or (2_000 if args.quick else 20_000)
    every = args.baseline_every or (1 if args.quick else 10)
    started = time.perf_counter()
    events, planted = generate(n, buyers=max(1000, n // 5), seed=args.seed)
    print(
        f"generated {len(events):,} events in {time.perf_counter() - started:.1f} s; planted: {dict(planted)}"
    )

    gc.collect()
    gc.disable()  # the engine allocates no cycles; a collection pause would only blur the latency figures
    engine = RiskEngine()
    # CPU time of this thread around each call: on a shared machine wall time would also count the time
    # spent waiting for a core (the figures are those of an idle core; wall time is printed too)
    assess, clock = engine.assess, time.thread_time_ns
    latencies = [0] * len(events)
    verdicts: Counter[str] = Counter()
    rules: Counter[str] = Counter()
    decisions = []
    w0, t0 = time.perf_counter(), time.process_time()
    for i, event in enumerate(events):
        c0 = clock()
        decision = assess(event)
        latencies[i] = clock() - c0
        if i < n_base:
            decisions.append((decision.verdict, [r.rule for r in decision.reasons]))
        if decision.reasons:
            verdicts[str(decision.verdict)] += 1
            for reason in decision.reasons:
                rules[f"{reason.rule}:{reason.verdict}"] += 1
    engine_s, engine_wall = time.process_time() - t0, time.perf_counter() - w0
    gc.enable()
    latencies.sort()
    events_s = len(events) / engine_s
    print(
        f"engine: {len(events):,} events in {engine_s:.2f} s CPU ({engine_wall:.2f} s wall) = {events_s:,.0f} "
        f"events/s; decision latency (CPU) "
        f"p50 {_us(latencies, 0.5)} µs, p99 {_us(latencies, 0.99)} µs, max {_us(latencies, 1.0)} µs"
    )
    print(
        f"decisions: {len(events) - sum(verdicts.values()):,} allow, {dict(verdicts)}; rules {dict(sorted(rules.items()))}"
    )

    # The baseline decides event i from scratch on events[: i + 1]; its cost grows with i, so a sample of
    # every k-th event spread over the whole prefix gives its mean rate over the prefix.
    prefix = events[:n_base]
    sample = range(every - 1, len(prefix), every)
    t0 = time.process_time()
    mismatches = 0
    for i in sample:
        if rescan_decide(prefix[: i + 1]) != decisions[i]:
            mismatches += 1
    baseline_s = time.process_time() - t0
    baseline_events_s = len(sample) / baseline_s
    print(
        f"baseline (re-scan the history per event) on the first {len(prefix):,} events, every {every}: "
        f"{len(sample):,} decisions in {baseline_s:.1f} s CPU = {baseline_events_s:,.1f} events/s; "
        f"{mismatches} decisions differ from the engine's"
    )

    if not args.no_cli:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "events.jsonl"
            with path.open("w", encoding="utf-8") as handle:
                for event in events:
                    handle.write(to_json_line(event))
                    handle.write("\n")
            size_mb = path.stat().st_size / 1e6
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
            t0, c0 = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
            proc = subprocess.run(
                [sys.executable, "-m", "mallops", "risk", "score", str(path)],
                capture_output=True,
                env=env,
                check=False,
            )
            wall = time.perf_counter() - t0
            c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
            ok = proc.returncode == 0 and len(json.loads(proc.stdout)["decisions"]) == len(events)
            print(
                f"mallops risk score: {len(events):,} events ({size_mb:.0f} MB of JSON Lines) in {cpu:.1f} s CPU "
                f"({wall:.1f} s wall), "
                f"exit {proc.returncode}{'' if ok else ' FAILED ' + proc.stderr.decode()[-500:]}"
            )
    print(
        json.dumps(
            {
                "events": len(events),
                "events_s": round(events_s),
                "p99_us": _us(latencies, 0.99),
                "baseline_events_s": round(baseline_events_s, 1),
                "ratio": round(events_s / baseline_events_s, 1),
            }
        )
    )
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
