"""A statistical second opinion on listings the rules let pass (issue 17).

The rule packs cite an article for every finding, but a blind set keeps finding new wordings of the same
families that no lexicon lists (six tuning rounds moved the held-out figures by less than a point). This
module is a linear model over hashed character 1-3-grams of the normalised title and description,
trained on the labelled development sets only (``scripts/train_second_opinion.py``; the model card
beside the weights names the sets, the threshold and how it was chosen). It never blocks and never
clears: when the rules find nothing and the model's probability is above its threshold, the listing gets
one ``review`` finding (``AD-SECOND-OPINION``, 广告法第二十八条: false or misleading content) on the
three characters that weigh most, so a person decides. Pure numpy, no Django.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from mallops.compliance.engine.normalize import normalize

BITS = 20
SIZE = 1 << BITS
NGRAMS = (1, 2, 3)
MODEL_DIR = Path(__file__).resolve().parents[1] / "packs"
_MULT = np.uint32(1_000_003)
_SHIFT = np.uint32(32 - BITS)


def _ids(codes: np.ndarray, n: int) -> np.ndarray:
    """Hashed ids of every ``n``-gram of ``codes`` (``uint32`` code units; multiplicative hashing, the
    top ``BITS`` bits; arithmetic wraps modulo 2**32 on purpose)."""
    m = len(codes) - n + 1
    h = codes[:m].copy()
    for k in range(1, n):
        h = h * _MULT + codes[k : m + k]
    return (h * np.uint32(n * 2_654_435_761 % 2**32)) >> _SHIFT


def feature_ids(codes: np.ndarray) -> np.ndarray:
    """Every hashed 1-3-gram id of one item's code units, repeated as often as the n-gram occurs."""
    parts = [_ids(codes, n) for n in NGRAMS if len(codes) >= n]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def item_codes(title: str, description: str) -> np.ndarray:
    """One item's normalised code units as the engine's batch scan holds them: each field after a
    ``\\x00`` separator."""
    units = normalize("\x00" + title + "\x00" + description).units
    return np.frombuffer(units, dtype=np.uint16).astype(np.uint32)


@dataclass(frozen=True)
class Opinion:
    """The model's probability that an item is not lawful as written, and where it leans most."""

    probability: float
    field: str
    start: int
    end: int


class SecondOpinion:
    """Weights over hashed n-grams, a bias and the threshold above which an item goes to review."""

    def __init__(self, index: np.ndarray, weight: np.ndarray, bias: float, threshold: float) -> None:
        self.table = np.zeros(SIZE, dtype=np.float32)
        self.table[index.astype(np.int64)] = weight.astype(np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> SecondOpinion:
        data = np.load(directory / "second_opinion.npz")
        card = json.loads((directory / "second_opinion.json").read_text(encoding="utf-8"))
        return cls(data["index"], data["weight"], card["bias"], card["threshold"])

    def probabilities(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """The probability per ``(title, description)``."""
        if not items:
            return np.zeros(0)
        units = b"".join(
            item_codes(title, description).astype(np.uint16).tobytes() for title, description in items
        )
        return self.batch_probabilities(units, len(items))

    def batch_probabilities(self, units: bytes, count: int) -> np.ndarray:
        """The probability of each of ``count`` items from the batch's normalised code units
        (``\\x00`` title ``\\x00`` description, item after item: what the engine's batch scan built).
        The n-grams of the whole batch are hashed in one pass and summed per item; an n-gram across two
        items counts for neither."""
        codes = np.frombuffer(units, dtype=np.uint16).astype(np.uint32)
        owner = (np.cumsum(codes == 0) - 1) // 2
        logits = np.full(count, self.bias)
        for n in NGRAMS:
            m = len(codes) - n + 1
            if m <= 0:
                continue
            weights = self.table[_ids(codes, n)]
            if n > 1:
                weights = np.where(owner[:m] == owner[n - 1 :], weights, np.float32(0))
            logits += np.bincount(owner[:m], weights=weights, minlength=count)[:count]
        probability: np.ndarray = 1.0 / (1.0 + np.exp(-logits))
        return probability

    def lean(self, title: str, description: str) -> tuple[str, int, int]:
        """``(field, start, end)`` of the three characters whose n-grams weigh most (in the original
        text; the title when nothing weighs)."""
        best = ("title", 0, min(len(title), 3), 0.0)
        for field, text in (("title", title), ("description", description)):
            if not text:
                continue
            codes = np.fromiter((ord(c) for c in normalize_chars(text)), dtype=np.uint32, count=len(text))
            length = len(codes)
            score = np.zeros(length, dtype=np.float64)
            for n in NGRAMS:
                if length < n:
                    continue
                weights = self.table[_ids(codes, n)]
                for k in range(n):
                    score[k : length - n + 1 + k] += weights
            if length >= 3:
                window = score[:-2] + score[1:-1] + score[2:]
                at = int(np.argmax(window))
                if window[at] > best[3]:
                    best = (field, at, at + 3, float(window[at]))
        return best[0], best[1], best[2]


def normalize_chars(text: str) -> str:
    """Lower-case and half-width, one character for one (so offsets stay those of ``text``)."""
    out = []
    for char in text:
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E:
            char = chr(code - 0xFEE0)
        out.append(char.lower() if len(char.lower()) == 1 else char)
    return "".join(out)


@cache
def default_second_opinion() -> SecondOpinion | None:
    """The shipped model, or ``None`` when its files are absent (the rules then decide alone)."""
    if not (MODEL_DIR / "second_opinion.npz").exists():
        return None
    return SecondOpinion.load()
