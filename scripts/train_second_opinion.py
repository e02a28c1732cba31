"""Train the compliance engine's statistical second opinion (issue 17; docs/listings.md "Second opinion").

    .venv/bin/python scripts/train_second_opinion.py          # writes packs/second_opinion.{npz,json}
    .venv/bin/python scripts/train_second_opinion.py --dry-run  # figures only

Trains a logistic regression over the counts of hashed character 1-3-grams (``engine.second_opinion.feature_ids``) on
the labelled DEVELOPMENT sets only (v2, v3, v4, v5 and v6 dev and the engine's own set), chooses the
threshold on the v7 dev set (not trained on) as the one that maximises F1 of "rules or model" there, and
writes the weights and a model card. The held-out test halves (v2, v3, v6 test) are never read here:
measure them afterwards with ``tests/compliance/score_v2.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mallops.compliance.engine import check_items  # noqa: E402
from mallops.compliance.engine.second_opinion import MODEL_DIR, SIZE, feature_ids, item_codes  # noqa: E402

LABELLED = ROOT / "tests" / "compliance"
TRAIN = [
    "labelled_listings.jsonl",
    "labelled_v2_dev.jsonl",
    "labelled_v3_dev.jsonl",
    "labelled_v4_dev.jsonl",
    "labelled_v5_dev.jsonl",
    "labelled_v6_dev.jsonl",
]
VALIDATE = "labelled_v7_dev.jsonl"
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
C = 1.0
MIN_WEIGHT = 0.005


def load(name: str) -> list[dict]:
    with (LABELLED / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def matrix(rows: list[dict]) -> sp.csr_matrix:
    ids = [feature_ids(item_codes(r["title"], r.get("description") or "")) for r in rows]
    pointers = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(i) for i in ids], out=pointers[1:])
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    found = sp.csr_matrix((np.ones(len(flat)), flat, pointers), shape=(len(rows), SIZE))
    found.sum_duplicates()  # an n-gram counts as often as it occurs
    return found


def flagged_truth(rows: list[dict]) -> np.ndarray:
    return np.array([r["expected"] != "pass" for r in rows])


def precision_recall(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    tp = int((flags & truth).sum())
    fp = int((flags & ~truth).sum())
    fn = int((~flags & truth).sum())
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    train = [row for name in TRAIN for row in load(name)]
    model = LogisticRegression(C=C, max_iter=5000).fit(matrix(train), flagged_truth(train))
    weights = model.coef_[0]
    keep = np.flatnonzero(np.abs(weights) >= MIN_WEIGHT)
    bias = float(model.intercept_[0])

    validate = load(VALIDATE)
    truth = flagged_truth(validate)
    rules = np.array([r["verdict"] != "pass" for r in check_items(validate, second_opinion=False)])
    table = np.zeros(SIZE)
    table[keep] = weights[keep]
    logits = np.array(
        [
            bias + table[feature_ids(item_codes(r["title"], r.get("description") or ""))].sum()
            for r in validate
        ]
    )
    probability = 1 / (1 + np.exp(-logits))
    figures = {}
    for threshold in THRESHOLDS:
        p, r = precision_recall(rules | (probability > threshold), truth)
        figures[threshold] = (p, r, 2 * p * r / (p + r))
    threshold = max(THRESHOLDS, key=lambda t: (figures[t][2], t))
    rules_alone = precision_recall(rules, truth)
    print(f"trained on {len(train)} items, {len(keep)} weights kept; rules alone on v7 dev {rules_alone}")
    for t in THRESHOLDS:
        print(
            f"  threshold {t}: precision {figures[t][0]:.4f} recall {figures[t][1]:.4f} f1 {figures[t][2]:.4f}"
        )
    print(f"chosen threshold {threshold}")
    if args.dry_run:
        return 0
    np.savez_compressed(
        MODEL_DIR / "second_opinion.npz",
        index=keep.astype(np.uint32),
        weight=weights[keep].astype(np.float16),
    )
    card = {
        "model": "logistic regression over hashed character 1-3-grams of the normalised title and description",
        "trained_on": TRAIN,
        "trained_items": len(train),
        "weights": len(keep),
        "C": C,
        "bias": bias,
        "threshold": threshold,
        "threshold_chosen_on": VALIDATE,
        "validation": {
            "rules_alone": {"precision": round(rules_alone[0], 4), "recall": round(rules_alone[1], 4)},
            "rules_or_model": {
                "precision": round(figures[threshold][0], 4),
                "recall": round(figures[threshold][1], 4),
            },
        },
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "never_read": ["labelled_v2_test.jsonl", "labelled_v3_test.jsonl", "labelled_v6_test.jsonl"],
    }
    (MODEL_DIR / "second_opinion.json").write_text(
        json.dumps(card, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
