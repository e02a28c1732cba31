"""Train the compliance engine's statistical second opinion (issue 17; docs/listings.md "Round 8").

    .venv/bin/python scripts/train_second_opinion.py          # writes packs/second_opinion.{npz,json}
    .venv/bin/python scripts/train_second_opinion.py --dry-run  # figures only

A logistic regression over the counts of hashed character 1-3-grams (``engine.second_opinion.feature_ids``)
trained on the labelled DEVELOPMENT sets only (the engine's own set, v2-v9 dev).

The threshold is chosen on out-of-fold predictions of the two newest dev sets, which the rules were never
tuned on (``BLIND``): each is predicted by a model trained on every other dev set, and the threshold is the
one that maximises F1 of "rules or model" over both (1,200 items). The rules were fitted to v2-v7 dev (about
1.0 there), so those sets would reward a model that adds nothing; a set the rules do not know shows what the
model adds where it matters. The shipped model is then trained on all dev sets with that threshold. The
held-out test halves (v2, v3, v6 test) are never read here: measure them afterwards with
``tests/compliance/score_v2.py``.

Round 8's run of this script was measured and NOT shipped (docs/listings.md, "Round 8": over the three
held-out test halves pooled its F1 was 0.9661 against the round-7 model's 0.9662). The shipped
``packs/second_opinion.*`` are still round 7's: trained by the round-7 version of this script (commit fce153e:
own set and v2-v6 dev, threshold 0.95 chosen on v7 dev). Running this script overwrites them.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mallops.compliance.engine import check_items  # noqa: E402
from mallops.compliance.engine.second_opinion import MODEL_DIR, SIZE, feature_ids, item_codes  # noqa: E402

LABELLED = ROOT / "tests" / "compliance"
# dev sets the rules were tuned on (always trained on)
TUNED = [
    "labelled_listings.jsonl",
    "labelled_v2_dev.jsonl",
    "labelled_v3_dev.jsonl",
    "labelled_v4_dev.jsonl",
    "labelled_v5_dev.jsonl",
    "labelled_v6_dev.jsonl",
    "labelled_v7_dev.jsonl",
]
# dev sets the rules were never tuned on: the threshold is chosen on their out-of-fold predictions
BLIND = ["labelled_v8_dev.jsonl", "labelled_v9_dev.jsonl"]
TRAIN = TUNED + BLIND
NEVER_READ = ["labelled_v2_test.jsonl", "labelled_v3_test.jsonl", "labelled_v6_test.jsonl"]
THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
# inverse regularisation: 0.3, 1 and 3 measured on the out-of-fold predictions (F1 0.926, 0.928, 0.927)
C = 1.0
MIN_WEIGHT = 0.005


def load(name: str) -> list[dict[str, Any]]:
    with (LABELLED / name).open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def matrix(rows: list[dict[str, Any]]) -> sp.csr_matrix:
    ids = [feature_ids(item_codes(r["title"], r.get("description") or "")) for r in rows]
    pointers = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum([len(i) for i in ids], out=pointers[1:])
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
    found = sp.csr_matrix((np.ones(len(flat)), flat, pointers), shape=(len(rows), SIZE))
    found.sum_duplicates()  # an n-gram counts as often as it occurs
    return found


def flagged_truth(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([r["expected"] != "pass" for r in rows])


def precision_recall(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    tp = int((flags & truth).sum())
    fp = int((flags & ~truth).sum())
    fn = int((~flags & truth).sum())
    return (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0)


def fit(
    names: list[str], matrices: dict[str, sp.csr_matrix], truths: dict[str, np.ndarray]
) -> LogisticRegression:
    features = sp.vstack([matrices[name] for name in names]).tocsr()
    labels = np.concatenate([truths[name] for name in names])
    return LogisticRegression(C=C, max_iter=5000).fit(features, labels)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    sets = {name: load(name) for name in TRAIN}
    matrices = {name: matrix(rows) for name, rows in sets.items()}
    truths = {name: flagged_truth(rows) for name, rows in sets.items()}

    # out of fold: each blind set predicted by a model trained on every other dev set
    probability, rules = {}, {}
    for held in BLIND:
        model = fit([name for name in TRAIN if name != held], matrices, truths)
        probability[held] = model.predict_proba(matrices[held])[:, 1]
        rules[held] = np.array(
            [r["verdict"] != "pass" for r in check_items(sets[held], second_opinion=False)]
        )
    truth = np.concatenate([truths[name] for name in BLIND])
    rule_flags = np.concatenate([rules[name] for name in BLIND])
    probabilities = np.concatenate([probability[name] for name in BLIND])
    figures = {}
    for threshold in THRESHOLDS:
        p, r = precision_recall(rule_flags | (probabilities > threshold), truth)
        figures[threshold] = (p, r, 2 * p * r / (p + r))
    threshold = max(THRESHOLDS, key=lambda t: (figures[t][2], t))
    rules_alone = precision_recall(rule_flags, truth)
    print(f"out of fold on {' + '.join(BLIND)}: rules alone {rules_alone}")
    for t in THRESHOLDS:
        print(
            f"  threshold {t}: precision {figures[t][0]:.4f} recall {figures[t][1]:.4f} f1 {figures[t][2]:.4f}"
        )
    print(f"chosen threshold {threshold}")
    per_set = {}
    for name in BLIND:
        alone = precision_recall(rules[name], truths[name])
        both = precision_recall(rules[name] | (probability[name] > threshold), truths[name])
        per_set[name] = {
            "rules_alone": {"precision": round(alone[0], 4), "recall": round(alone[1], 4)},
            "rules_or_model": {"precision": round(both[0], 4), "recall": round(both[1], 4)},
        }
        print(f"  {name}: rules alone {alone}, rules or model {both}")

    model = fit(TRAIN, matrices, truths)
    weights = model.coef_[0]
    keep = np.flatnonzero(np.abs(weights) >= MIN_WEIGHT)
    bias = float(model.intercept_[0])
    print(f"trained on {sum(len(rows) for rows in sets.values())} items, {len(keep)} weights kept")
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
        "trained_items": sum(len(rows) for rows in sets.values()),
        "weights": len(keep),
        "C": C,
        "bias": bias,
        "threshold": threshold,
        "threshold_chosen_on": BLIND,
        "threshold_chosen_by": (
            "best F1 of rules or model over out-of-fold predictions of the blind dev sets (each predicted by "
            "a model trained on every other dev set)"
        ),
        "validation": {
            "rules_alone": {"precision": round(rules_alone[0], 4), "recall": round(rules_alone[1], 4)},
            "rules_or_model": {
                "precision": round(figures[threshold][0], 4),
                "recall": round(figures[threshold][1], 4),
            },
            "per_set": per_set,
        },
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
        "never_read": NEVER_READ,
    }
    (MODEL_DIR / "second_opinion.json").write_text(
        json.dumps(card, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
