"""Benchmark: content-compliance scan throughput (not a test).

Generates Chinese listing text (titles and multi-sentence descriptions, with rule terms, allowed
contexts, spaced-out evasions, full-width and traditional characters mixed in), pads the shipped rule
packs with synthetic terms up to ``--patterns`` patterns, and measures on one core:

* the engine end to end (``check_items`` in batches of 5,000 items: normalisation, matching, context
  checks, span mapping, result objects);
* a Python ``re`` alternation of the same patterns (longest first) over the same text, on a sample
  (``--baseline-mb``) because it is two orders of magnitude slower;
* the two Aho-Corasick libraries on the same normalised sample: ahocorasick-rs (what the engine uses)
  and pyahocorasick.

The last line is JSON: ``{"engine_mb_s", "baseline_mb_s", "ratio", "patterns", "mb"}``; MB means
10**6 bytes of UTF-8 listing text. ``--quick`` runs a small smoke version.

    .venv/bin/python bench/compliance_scan.py            # 50 MB, 10,000 patterns
    .venv/bin/python bench/compliance_scan.py --quick
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import ahocorasick
import ahocorasick_rs

from mallops.compliance.engine import Engine, check_items, load_packs
from mallops.compliance.engine.normalize import normalize
from mallops.compliance.engine.rules import parse_pack

BATCH = 5_000

PRODUCTS = [
    "纯棉T恤", "连衣裙", "羽绒服", "牛仔裤", "运动鞋", "蓝牙耳机", "充电宝", "笔记本电脑", "扫地机器人", "电饭煲",
    "保温杯", "四件套", "收纳箱", "洗面奶", "面霜", "口红", "防晒霜", "纸尿裤", "奶粉", "奶瓶", "每日坚果", "大米",
    "普洱茶", "蜂蜜", "牛肉干", "鱼油软胶囊", "蛋白粉", "血压计", "医用口罩", "拉杆箱", "猫粮", "台灯", "雨伞",
]  # fmt: skip
ADJECTIVES = [
    "新款", "韩版", "宽松", "修身", "加厚", "轻薄", "便携", "家用", "大容量", "静音", "透气", "保湿", "温和", "无糖",
    "有机", "进口", "国产", "正品", "包邮", "夏季", "冬季", "男女同款", "儿童", "中老年", "办公", "户外",
]  # fmt: skip
SPECS = [
    "500ml",
    "1kg",
    "2L",
    "M码",
    "XL",
    "36码",
    "64GB",
    "20000mAh",
    "1.8m",
    "10片装",
    "3支装",
    "24瓶",
    "S/M/L",
]
SENTENCES = [
    "面料柔软亲肤，做工精细，适合日常通勤穿着。", "产品规格请参考详情页尺码表，如有疑问请联系客服。",
    "支持七天无理由退换货，签收后请检查外包装是否完好。", "下单后48小时内发货，偏远地区请耐心等待物流。",
    "本品采用优质原料，经过严格质检，生产日期见包装。", "储存方法：阴凉干燥处保存，避免阳光直射。",
    "使用前请仔细阅读说明书，儿童请在成人监护下使用。", "颜色因显示器不同可能略有色差，请以实物为准。",
    "额定功率1200W，额定电压220V，配有过热保护装置。", "包装清单：主机一台、电源线一根、说明书一份。",
    "洗涤建议：30℃以下水温手洗，不可漂白，低温熨烫。", "保质期18个月，开封后请尽快食用。",
    "店铺会员购买可累计积分，积分可在下次购物时抵扣。", "如收到商品有破损，请在签收后24小时内联系客服处理。",
]  # fmt: skip
VIOLATIONS = [
    "最好", "最 好", "最.佳", "顶级", "極致", "全网最低价", "ＮＯ．１", "TOP 1", "销量第一", "唯一", "100%正品",
    "永不褪色", "国宴专用", "驰名商标", "治疗失眠", "降血压", "瘦身燃脂", "随时涨价", "恭喜您中奖", "原价199",
    "限时特价", "仅剩3件", "好评率99%", "高温杀菌", "根治", "世界级",
]  # fmt: skip
CONTEXTS = [
    "最近上新", "最佳赏味期15天", "第一次使用", "唯一码", "一级能效", "特级初榨", "100%棉", "最大功率2000W",
    "益智玩具", "内增高", "厂商建议零售价", "每单最多可用2张",
]  # fmt: skip


def generate_items(target_bytes: int, seed: int) -> tuple[list[dict[str, str]], int]:
    rng = random.Random(seed)
    items: list[dict[str, str]] = []
    size = 0
    while size < target_bytes:
        title = " ".join(
            [rng.choice(ADJECTIVES), rng.choice(PRODUCTS), rng.choice(ADJECTIVES), rng.choice(SPECS)]
        )
        parts = [rng.choice(SENTENCES) for _ in range(rng.randint(6, 14))]
        # about 10 % of items carry a violation (the guide's reference rate is 1.3 %) and 10 % an
        # allowed context, so the Python part of the engine is exercised well above real-life load
        if rng.random() < 0.06:
            parts.insert(rng.randrange(len(parts)), rng.choice(VIOLATIONS) + "，")
        if rng.random() < 0.04:
            title += " " + rng.choice(VIOLATIONS)
        if rng.random() < 0.1:
            parts.insert(rng.randrange(len(parts)), rng.choice(CONTEXTS) + "。")
        description = "".join(parts)
        items.append(
            {"id": f"b{len(items)}", "title": title, "description": description, "category": "general"}
        )
        size += len(title.encode("utf-8")) + len(description.encode("utf-8"))
    return items, size


def padded_engine(total_patterns: int, seed: int) -> Engine:
    packs = list(load_packs())
    shipped = Engine(packs).pattern_count
    rng = random.Random(seed)
    alphabet = [chr(code) for code in range(0x4E00, 0x9FA6)]
    existing = set(Engine(packs).patterns)
    padding: list[str] = []
    while len(padding) < total_patterns - shipped:
        term = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 5)))
        if term not in existing:
            existing.add(term)
            padding.append(term)
    if padding:
        synthetic = {
            "pack": "bench_padding",
            "version": "1",
            "rules": [
                {
                    "id": "BENCH-PADDING",
                    "severity": "review",
                    "citation": {"law": "AD", "article": 9, "item": 3},
                    "terms": padding,
                }
            ],
        }
        packs.append(parse_pack(synthetic, "bench_padding"))
    return Engine(packs)


def time_engine(engine: Engine, items: list[dict[str, str]]) -> tuple[float, int, float]:
    """Wall seconds, items flagged and CPU seconds (CPU time is steadier on a shared machine)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    flagged = 0
    for offset in range(0, len(items), BATCH):
        for result in check_items(items[offset : offset + BATCH], engine=engine):
            flagged += result["verdict"] != "pass"
    return time.perf_counter() - started, flagged, time.process_time() - cpu_started


def sample(items: list[dict[str, str]], target_bytes: int) -> tuple[list[str], int]:
    texts: list[str] = []
    size = 0
    for item in items:
        for field in ("title", "description"):
            texts.append(item[field])
            size += len(item[field].encode("utf-8"))
        if size >= target_bytes:
            break
    return texts, size


def time_regex(patterns: list[str], texts: list[str]) -> float:
    alternation = re.compile("|".join(re.escape(p) for p in sorted(patterns, key=len, reverse=True)))
    started = time.perf_counter()
    for text in texts:
        for _ in alternation.finditer(normalize(text).text):
            pass
    return time.perf_counter() - started


def time_automata(patterns: list[str], haystack: str) -> dict[str, float]:
    timings: dict[str, float] = {}
    rust = ahocorasick_rs.BytesAhoCorasick(
        [p.encode("utf-16-le") for p in patterns],
        matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
        implementation=ahocorasick_rs.Implementation.DFA,
    )
    data = haystack.encode("utf-16-le")
    started = time.perf_counter()
    rust.find_matches_as_indexes(data, overlapping=True)
    timings["ahocorasick-rs (bytes, utf-16)"] = time.perf_counter() - started
    rust_str = ahocorasick_rs.AhoCorasick(patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD)
    started = time.perf_counter()
    rust_str.find_matches_as_indexes(haystack, overlapping=True)
    timings["ahocorasick-rs (str)"] = time.perf_counter() - started
    automaton: Any = ahocorasick.Automaton()
    for index, pattern in enumerate(patterns):
        automaton.add_word(pattern, index)
    automaton.make_automaton()
    started = time.perf_counter()
    for _ in automaton.iter(haystack):
        pass
    timings["pyahocorasick (str)"] = time.perf_counter() - started
    return timings


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="MB (10**6 bytes) of listing text")
    parser.add_argument(
        "--patterns", type=int, default=10_000, help="pad the rule packs to this many patterns"
    )
    parser.add_argument("--baseline-mb", type=float, default=2.0, help="sample size for re and pyahocorasick")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="small smoke run (2 MB, 0.2 MB baseline)")
    args = parser.parse_args(argv)
    if args.quick:
        args.mb, args.baseline_mb = 2.0, 0.2

    items, size = generate_items(int(args.mb * 1e6), args.seed)
    engine = padded_engine(args.patterns, args.seed)
    megabytes = size / 1e6
    print(f"corpus: {len(items):,} items, {megabytes:.1f} MB; patterns: {engine.pattern_count:,}")

    check_items(items[:100], engine=engine)  # warm-up
    engine_seconds, flagged, engine_cpu = time_engine(engine, items)
    engine_rate = megabytes / engine_seconds
    print(f"engine: {engine_seconds:.2f} s, {engine_rate:.1f} MB/s, {flagged:,} items flagged")
    print(f"engine CPU time: {engine_cpu:.2f} s, {megabytes / engine_cpu:.1f} MB/s per CPU second")

    texts, sample_size = sample(items, int(args.baseline_mb * 1e6))
    sample_mb = sample_size / 1e6
    regex_seconds = time_regex(list(engine.patterns), texts)
    baseline_rate = sample_mb / regex_seconds
    print(f"re alternation: {regex_seconds:.2f} s on {sample_mb:.1f} MB, {baseline_rate:.2f} MB/s")

    haystack = normalize("\x00".join(texts)).text
    for name, seconds in time_automata(list(engine.patterns), haystack).items():
        print(f"{name}: matching only, {sample_mb / seconds:.1f} MB/s on {sample_mb:.1f} MB")

    ratio = engine_rate / baseline_rate
    print(f"ratio engine/re: {ratio:.1f}x")
    print(
        json.dumps(
            {
                "engine_mb_s": round(engine_rate, 2),
                "baseline_mb_s": round(baseline_rate, 3),
                "ratio": round(ratio, 1),
                "patterns": engine.pattern_count,
                "mb": round(megabytes, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
