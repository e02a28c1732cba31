"""Precision and recall on the independent labelled sets v2 and v3 (labelled_v2_README.md, labelled_v3_README.md).

The floors are the figures measured when the grammar rules were written, rounded down to two
decimals, so any regression fails. They were tuned on the dev half only; the test half was measured
(aggregate precision and recall), never inspected item by item. An item is positive when its expected
verdict is not ``pass``: a review stops the listing going live unreviewed, as in
``test_compliance_labelled.py``.
"""

from __future__ import annotations

import pytest
from score_v2 import load, precision_recall, score

FLOORS = {
    # half: (precision, recall)
    "dev": (1.00, 1.00),  # measured 1.0000 / 1.0000 (tuned on)
    # held out: 0.886 / 0.609 before the grammar, 0.9534 / 0.9466 after round 1, measured after round 2:
    "test": (0.97, 0.96),  # measured 0.9783 / 0.9609 after round 3 (looked at as an aggregate only)
    # v3 dev (labelled_v3_README.md): 0.9085 / 0.7988 before round 2, measured before any change (held
    # out then); tuned on since
    "v3dev": (1.00, 0.99),  # measured 1.0000 / 0.9969 (also after round 5)
    # v4 dev (labelled_v4_dev_README.md): 0.9042 / 0.9179 blind, before round 3; tuned on since
    "v4dev": (0.99, 1.00),  # measured 0.9880 / 1.0000 after round 3, 0.9910 / 1.0000 after round 4
    # v5 dev (labelled_v5_dev_README.md): 0.9658 / 0.9453 blind, before round 4; tuned on since
    "v5dev": (1.00, 1.00),  # measured 1.0000 / 1.0000 after round 4 and after round 5
    # v6 dev (labelled_v6_dev_README.md): 0.9294 / 0.9605 blind, before round 5; tuned on since
    "v6dev": (0.99, 1.00),  # measured 0.9970 / 1.0000 after round 5
    # v7 dev (round 6), split by id parity: fit (odd ids) 0.9262 / 0.8415 blind, tuned on since; check (even
    # ids) 0.9416 / 0.8788 blind, never looked at item by item (its floor is a regression guard, not a target)
    "v7fit": (0.96, 0.93),  # measured 0.9625 / 0.9390 after round 6
    "v7check": (0.94, 0.87),  # measured 0.9477 / 0.8788 after round 6
    # v3 test (labelled_v3_test_README.md): blind and held out, never tuned on; 0.9323 / 0.9498 for the
    # round-2 engine, 0.9472 / 0.9561 after round 3, measured after round 4 (aggregate only):
    # (0.9564 / 0.9624 after round 6)
    "v3test": (0.95, 0.955),  # measured 0.9533 / 0.9592; 0.9534 / 0.9624 after round 5
    # v6 test (labelled_v6_test_README.md): blind and held out, written beside v6 dev by another hand,
    # never tuned on; measured after round 5 (aggregate only; round 5 was fitted on v6 dev):
    "v6test": (0.93, 0.945),  # measured 0.9341 / 0.9483 (also after round 6)
}


@pytest.mark.req("R1.4.1")
@pytest.mark.req("R2.1.2")
@pytest.mark.parametrize("half", sorted(FLOORS))
def test_precision_and_recall_on_the_labelled_half(half: str) -> None:
    counts, _ = score(load(half))
    precision, recall = precision_recall(counts)
    floor_precision, floor_recall = FLOORS[half]
    # aggregate figures only: never print the items of the test half
    assert precision >= floor_precision, f"{half} precision {precision:.4f} < {floor_precision}"
    assert recall >= floor_recall, f"{half} recall {recall:.4f} < {floor_recall}"
