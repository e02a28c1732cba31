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

pytestmark = pytest.mark.second_opinion

FLOORS = {
    # half: (precision, recall), the rules and the statistical second opinion together (the engine as
    # shipped; engine.second_opinion, trained on the dev sets v2-v6 and the own set, threshold chosen on v7
    # dev). Rules-alone figures of each round are in docs/listings.md.
    "dev": (1.00, 1.00),  # measured 1.0000 / 1.0000 (tuned on)
    # held out: 0.886 / 0.609 before the grammar, 0.9783 / 0.9609 after round 3 (rules), looked at as an
    # aggregate only; with the second opinion:
    "test": (0.98, 0.97),  # measured 0.9820 / 0.9715
    # v3 dev (labelled_v3_README.md): 0.9085 / 0.7988 blind before round 2; tuned on since
    "v3dev": (1.00, 1.00),  # measured 1.0000 / 1.0000
    # v4 dev (labelled_v4_dev_README.md): 0.9042 / 0.9179 blind, before round 3; tuned on since
    "v4dev": (0.99, 1.00),  # measured 0.9910 / 1.0000
    # v5 dev (labelled_v5_dev_README.md): 0.9658 / 0.9453 blind, before round 4; tuned on since
    "v5dev": (1.00, 1.00),  # measured 1.0000 / 1.0000
    # v6 dev (labelled_v6_dev_README.md): 0.9294 / 0.9605 blind, before round 5; tuned on since
    "v6dev": (0.99, 1.00),  # measured 0.9970 / 1.0000
    # v7 dev (round 6), split by id parity: fit 0.9262 / 0.8415 blind (rules), tuned on since; check
    # 0.9416 / 0.8788 blind (rules), never looked at item by item. The second opinion's threshold was
    # chosen on the whole of v7 dev (a validation set for it; never trained on).
    "v7fit": (0.95, 0.98),  # measured 0.9529 / 0.9878 (rules alone after round 6: 0.9625 / 0.9390)
    # round 9 (rules changed on v9 dev): 0.9529 / 0.9818 (rules alone 0.9490 / 0.9030)
    "v7check": (0.95, 0.98),  # measured 0.9524 / 0.9697 (rules alone after round 6: 0.9477 / 0.8788)
    # v8 and v9 dev (round 8; labelled_v8_dev_README.md, labelled_v9_dev_README.md): blind, nothing tuned or
    # trained on them in the shipped engine (a second opinion retrained on them was measured and not shipped;
    # docs/listings.md); rules alone 0.9522 / 0.7264 and 0.8790 / 0.8098. Round 9 tuned the rules on v9 dev
    # (FIT) and measured v8 dev (CHECK) as an aggregate only: rules alone 0.9575 / 0.7538 and 0.9897 / 0.9410
    "v8dev": (0.95, 0.89),  # measured 0.9513 / 0.8906 (round 8: 0.9474 / 0.8754)
    "v9dev": (0.96, 0.96),  # measured 0.9671 / 0.9639, fitted (round 8: 0.8746 / 0.8918)
    # v3 test (labelled_v3_test_README.md): blind and held out, never tuned on, aggregate only; rules alone
    # 0.9323 / 0.9498 (round 2) ... 0.9564 / 0.9624 (round 6); with the second opinion:
    "v3test": (
        0.95,
        0.985,
    ),  # measured 0.9517 / 0.9875; after round 9 0.9547 / 0.9906 (rules 0.9595 / 0.9655)
    # v6 test (labelled_v6_test_README.md): blind and held out, written beside v6 dev by another hand,
    # never tuned on, aggregate only; rules alone 0.9341 / 0.9483 (rounds 5 and 6); with the second opinion:
    "v6test": (0.93, 0.99),  # measured 0.9209 / 0.9909; after round 9 0.9314 / 0.9909 (rules 0.9456 / 0.9514)
    # v10 test (labelled_v10_test_README.md): written in session 9 by a hand that never read the engine,
    # scored once before round 9 (the session's starting engine: 0.9381 / 0.8727, rules alone 0.9333 /
    # 0.7212) and once after it, aggregate only; the freshest honest figure of the engine:
    "v10test": (0.95, 0.87),  # measured 0.9538 / 0.8758 (rules alone 0.9562 / 0.7273)
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
