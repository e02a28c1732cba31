"""Score the compliance engine on the labelled sets v2 and v3 (not a test; run it by hand).

    .venv/bin/python tests/compliance/score_v2.py dev          # v2 dev: precision/recall + errors by family
    .venv/bin/python tests/compliance/score_v2.py v3dev        # v3 dev: the same
    .venv/bin/python tests/compliance/score_v2.py test         # v2 test: aggregate precision/recall only
    .venv/bin/python tests/compliance/score_v2.py v3test       # v3 test (blind, held out): aggregate only
    .venv/bin/python tests/compliance/score_v2.py v5dev -v     # v5 dev: figures per label + errors
    .venv/bin/python tests/compliance/score_v2.py v6dev -v     # v6 dev (written in batches): the same
    .venv/bin/python tests/compliance/score_v2.py v6test       # v6 test (blind, held out): aggregate only
    .venv/bin/python tests/compliance/score_v2.py v7fit -v     # v7 dev, odd ids: tuned on, errors listed
    .venv/bin/python tests/compliance/score_v2.py v7check      # v7 dev, even ids: aggregate figures only
    .venv/bin/python tests/compliance/score_v2.py v8dev        # v8 dev (round 8): the second opinion trains on it
    .venv/bin/python tests/compliance/score_v2.py v9dev        # v9 dev (round 8): its threshold is chosen here
    .venv/bin/python tests/compliance/score_v2.py v9dev --rules  # any set, rules alone (no second opinion)
    .venv/bin/python tests/compliance/score_v2.py v9fit -v --rules  # round 9: v9 dev, tuned on, errors listed
    .venv/bin/python tests/compliance/score_v2.py v8check --rules   # round 9: v8 dev, aggregate figures only
    .venv/bin/python tests/compliance/score_v2.py v10test      # v10 test (blind, held out): aggregate only

Round 6 splits v7 dev by id parity: ``v7fit`` (odd ids) is the half whose errors are looked at and
tuned on; ``v7check`` (even ids) is scored after every change but its errors are never listed, so it is
the honest estimate of how a change generalises; ``v7dev`` is the whole file (aggregate only).
Round 9 does the same with two files: ``v9fit`` (all of v9 dev) is looked at and tuned on, ``v8check``
(all of v8 dev) prints aggregate figures and counts by expected label only, never its items.

An item is positive when its expected verdict is not ``pass`` (review and block both count as
flagged), as in ``test_compliance_labelled.py``. For the test half the script prints only the aggregate
figures: the test half is measured, never tuned on (see ``labelled_v2_README.md``).
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from mallops.compliance.engine import check_items  # noqa: E402

HALVES = {
    "dev": "labelled_v2_dev.jsonl",
    "test": "labelled_v2_test.jsonl",
    "v3dev": "labelled_v3_dev.jsonl",
    "v3test": "labelled_v3_test.jsonl",
    "v4dev": "labelled_v4_dev.jsonl",
    "v5dev": "labelled_v5_dev.jsonl",
    "v6dev": "labelled_v6_dev.jsonl",
    "v6test": "labelled_v6_test.jsonl",
    "v7dev": "labelled_v7_dev.jsonl",
    "v7fit": "labelled_v7_dev.jsonl",
    "v7check": "labelled_v7_dev.jsonl",
    "v8dev": "labelled_v8_dev.jsonl",
    "v9dev": "labelled_v9_dev.jsonl",
    "v9fit": "labelled_v9_dev.jsonl",
    "v8check": "labelled_v8_dev.jsonl",
    "v10test": "labelled_v10_test.jsonl",
}
# halves tuned on: their errors may be listed; any other half prints aggregate figures only
DEV_HALVES = ("dev", "v3dev", "v4dev", "v5dev", "v6dev", "v7fit", "v8dev", "v9dev", "v9fit")
# a half that is part of a file: the parity of the id's number (V7-D-0001 is odd) it keeps
PARITY = {"v7fit": 1, "v7check": 0}
# halves not tuned on whose counts by expected label (never their items) may be printed
BREAKDOWN_HALVES = ("v7dev", "v7check", "v8check")


def load(half: str) -> list[dict[str, Any]]:
    with (HERE / HALVES[half]).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if half in PARITY:
        rows = [row for row in rows if int(row["id"].rsplit("-", 1)[1]) % 2 == PARITY[half]]
    return rows


def score(
    rows: list[dict[str, Any]], *, second_opinion: bool = True
) -> tuple[Counter[tuple[bool, bool]], list[dict[str, Any]]]:
    """Confusion counts keyed ``(expected_positive, flagged)`` and the engine's results."""
    results = check_items(rows, second_opinion=second_opinion)
    counts: Counter[tuple[bool, bool]] = Counter()
    for row, result in zip(rows, results, strict=True):
        counts[(row["expected"] != "pass", result["verdict"] != "pass")] += 1
    return counts, results


def precision_recall(counts: Counter[tuple[bool, bool]]) -> tuple[float, float]:
    true_positives = counts[(True, True)]
    flagged = true_positives + counts[(False, True)]
    positives = true_positives + counts[(True, False)]
    return (true_positives / flagged if flagged else 1.0, true_positives / positives if positives else 1.0)


def main(argv: list[str]) -> int:
    half = argv[0] if argv else "dev"
    if half not in HALVES:
        print(f"usage: score_v2.py [{'|'.join(HALVES)}] [-v]")
        return 2
    rows = load(half)
    counts, results = score(rows, second_opinion="--rules" not in argv)
    precision, recall = precision_recall(counts)
    print(
        f"{half}: {len(rows)} items, tp={counts[(True, True)]} fp={counts[(False, True)]} "
        f"fn={counts[(True, False)]} tn={counts[(False, False)]} "
        f"precision={precision:.4f} recall={recall:.4f}"
    )
    if half not in DEV_HALVES + BREAKDOWN_HALVES:
        return 0
    verbose = "-v" in argv
    by_label: dict[str, Counter[str]] = defaultdict(Counter)
    for row, result in zip(rows, results, strict=True):
        by_label[row["expected"]][result["verdict"]] += 1
    for label in ("block", "review", "pass"):
        verdicts = by_label[label]
        total = sum(verdicts.values())
        flagged = total - verdicts["pass"]
        print(
            f"  expected {label}: {total} items, flagged {flagged}, "
            + ", ".join(f"{verdict} {verdicts[verdict]}" for verdict in ("block", "review", "pass"))
        )
    if half not in DEV_HALVES:
        return 0
    errors: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row, result in zip(rows, results, strict=True):
        expected, got = row["expected"] != "pass", result["verdict"] != "pass"
        if expected == got:
            continue
        kind = "FN" if expected else "FP"
        line = f"  {row['id']} [{row['category']}] {row['title']}"
        if verbose:
            line += f"\n      desc: {row.get('description') or ''}"
        if result["findings"]:
            line += "\n      found: " + "; ".join(
                f"{f['rule']}:{f['text']}({f['severity']})" for f in result["findings"]
            )
        errors[(kind, row["family"])].append(line)
    for (kind, family), lines in sorted(errors.items(), key=lambda item: (item[0][0], -len(item[1]))):
        print(f"{kind} {family}: {len(lines)}")
        for line in lines:
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
