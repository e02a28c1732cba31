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
from scipy.sparse import _sparsetools  # csr_matvec: the C loop behind a CSR matrix times a vector

from mallops.compliance.engine.normalize import normalize

BITS = 20
SIZE = 1 << BITS
NGRAMS = (1, 2, 3)
MODEL_DIR = Path(__file__).resolve().parents[1] / "packs"
_MULT = np.uint32(1_000_003)
_SHIFT = np.uint32(32 - BITS)
# the last multiplier of an n-gram's hash, per n (see ``_ids``)
_KEYS = {n: np.uint32(n * 2_654_435_761 % 2**32) for n in NGRAMS}
_ZERO = SIZE  # the bucket past the table's end: it weighs nothing
_UNITS = 1 << 16  # UTF-16 code units
_CHUNK = 1 << 16  # code units scored at a time (see ``batch_probabilities``)


def _ids(codes: np.ndarray, n: int) -> np.ndarray:
    """Hashed ids of every ``n``-gram of ``codes`` (``uint32`` code units; multiplicative hashing, the
    top ``BITS`` bits; arithmetic wraps modulo 2**32 on purpose)."""
    m = len(codes) - n + 1
    h = codes[:m].copy()
    for k in range(1, n):
        h = h * _MULT + codes[k : m + k]
    return (h * _KEYS[n]) >> _SHIFT


def feature_ids(codes: np.ndarray) -> np.ndarray:
    """Every hashed 1-3-gram id of one item's code units, repeated as often as the n-gram occurs."""
    parts = [_ids(codes, n) for n in NGRAMS if len(codes) >= n]
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)


def item_codes(title: str, description: str) -> np.ndarray:
    """One item's normalised code units as the engine's batch scan holds them: each field after a
    ``\\x00`` separator (a NUL inside a field is dropped: it would read as a separator)."""
    if "\x00" in title or "\x00" in description:
        title, description = title.replace("\x00", ""), description.replace("\x00", "")
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
        # float64 so the per-item sums are those of the float16 weights exactly; one extra bucket (``_ZERO``)
        # weighs nothing: the n-grams that run from one item into the next are pointed at it
        self.table = np.zeros(SIZE + 1, dtype=np.float64)
        self.table[index.astype(np.int64)] = weight.astype(np.float32)
        self.bias = float(bias)
        self.threshold = float(threshold)
        # the 1-gram weights by code unit (a 1-gram's hashed id depends on its code unit only)
        self.unigrams = self.table[_ids(np.arange(_UNITS, dtype=np.uint32), 1)]
        self._ones = np.ones(0)
        self._int_ones = np.ones(0, dtype=np.int32)
        self._scaled = _scaled_tables(self.table, self.unigrams)

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

    def batch_probabilities(
        self, units: bytes, count: int, skip: Sequence[bool] | np.ndarray | None = None
    ) -> np.ndarray:
        """The probability of each of ``count`` items from the batch's normalised code units
        (``\\x00`` title ``\\x00`` description, item after item: what the engine's batch scan built); an
        n-gram across two items counts for neither. Items whose ``skip`` is true (the rules already flagged
        them) are not scored and read 0.

        The whole batch is hashed at once, one pass per n-gram length, into one id array laid out as three
        parts (1-, 2-, 3-grams, each in text order), and every item's part is summed by one sparse
        matrix-vector product in C (rows = item x n-gram length, no per-position owner array and no
        per-item Python): about a quarter of the cost of a gather and a ``bincount`` per length.
        """
        codes16 = np.frombuffer(units, dtype=np.uint16)
        seps = np.flatnonzero(codes16 == 0)
        if len(seps) != 2 * count or (count and seps[0] != 0):
            raise ValueError("units must hold count items, each as \\x00 title \\x00 description")
        probability = np.zeros(count)
        if not count:
            return probability
        starts = seps[0::2]
        scored = np.arange(count)
        if skip is not None:
            keep = ~np.asarray(skip, dtype=bool)
            if not keep.all():
                if not keep.any():
                    return probability
                scored = np.flatnonzero(keep)
                codes16, starts = _compact(codes16, starts, keep)
        # chunks of whole items of about _CHUNK code units: the temporaries stay in the core's cache and
        # are reused instead of faulting in fresh pages for the whole batch
        cuts = np.unique(np.searchsorted(starts, np.arange(_CHUNK, len(codes16), _CHUNK))).tolist()
        bounds = [*starts.tolist(), len(codes16)]
        logits = np.empty(len(starts))
        for first, last in zip([0, *cuts], [*cuts, len(starts)], strict=True):
            if first == last:
                continue
            offset = bounds[first]
            logits[first:last] = self._logits(codes16[offset : bounds[last]], starts[first:last] - offset)
        probability[scored] = 1.0 / (1.0 + np.exp(-logits))
        return probability

    def _logits(self, codes16: np.ndarray, starts: np.ndarray) -> np.ndarray:
        """``bias`` plus the weights of every n-gram of each item (item ``i`` runs from ``starts[i]``)."""
        n, rows = len(codes16), len(starts)
        indptr = np.append(starts, n).astype(np.int32)
        # In whole multiples of 2**-scale (see ``_scaled_tables``) the sums are the same numbers added as
        # int32, which halves the tables the n-grams are looked up in (4 MB instead of 8 for 2**20 buckets);
        # an item longer than ``limit`` code units could overflow int32 and is added as float64
        scaled = self._scaled
        sums: np.ndarray
        if scaled is not None and int(np.diff(indptr).max(initial=0)) < scaled.limit:
            table, unigrams, ones, unit = scaled.table, scaled.unigrams, self._int_ones_for, scaled.unit
            sums = np.zeros(3 * rows, dtype=np.int32)
        else:
            table, unigrams, ones, unit = self.table, self.unigrams, self._ones_for, 1.0
            sums = np.zeros(3 * rows)
        # 1-grams: a code unit is its own id in the 1-gram table (``unigrams``, 65,536 weights)
        codes = codes16.astype(np.uint32)
        _sparsetools.csr_matvec(rows, _UNITS, indptr, codes.view(np.int32), ones(n), unigrams, sums)
        # 2- and 3-grams: hashed into one id array, the 2-grams then the 3-grams, each in text order
        ids = np.empty(2 * n - 3, dtype=np.int32)
        three = n - 1  # where the 3-gram part starts
        grams2 = np.multiply(codes[:-1], _MULT)
        grams2 += codes[1:]
        grams3 = np.multiply(grams2[:-1], _MULT)
        grams3 += codes[2:]
        grams2 *= _KEYS[2]
        np.right_shift(grams2, _SHIFT, out=ids[:three], casting="unsafe")
        grams3 *= _KEYS[3]
        np.right_shift(grams3, _SHIFT, out=ids[three:], casting="unsafe")
        following = starts[1:]
        ids[following - 1] = _ZERO
        ids[three + following - 1] = _ZERO
        ids[three + following - 2] = _ZERO
        indptr = np.concatenate((starts, three + starts, [len(ids)])).astype(np.int32)
        _sparsetools.csr_matvec(2 * rows, SIZE + 1, indptr, ids, ones(len(ids)), table, sums[rows:])
        if sums.dtype != np.float64:
            sums = sums * unit  # exact: a power of two
        logits: np.ndarray = self.bias + sums[:rows] + sums[rows : 2 * rows] + sums[2 * rows :]
        return logits

    def _ones_for(self, length: int) -> np.ndarray:
        """``length`` ones (the matrix entries: an n-gram counts once per occurrence), from one cached array."""
        if len(self._ones) < length:
            self._ones = np.ones(max(length, 2 * len(self._ones)))
        return self._ones[:length]

    def _int_ones_for(self, length: int) -> np.ndarray:
        """:meth:`_ones_for` as ``int32``."""
        if len(self._int_ones) < length:
            self._int_ones = np.ones(max(length, 2 * len(self._int_ones)), dtype=np.int32)
        return self._int_ones[:length]

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


@dataclass(frozen=True)
class _Scaled:
    """The weight tables as int32 multiples of ``unit``, and the longest row that cannot overflow."""

    table: np.ndarray
    unigrams: np.ndarray
    unit: float
    limit: int


def _scaled_tables(table: np.ndarray, unigrams: np.ndarray) -> _Scaled | None:
    """The weights as whole multiples of the smallest power of two that makes every one whole, or ``None``.

    The shipped weights are float16 values (11 significant bits), so a weight ``w`` is a whole multiple of
    ``2**(floor(log2 |w|) - 10)`` and every weight one of ``2**-scale`` for the smallest ``|w|``. A sum of
    such numbers in float64 is exact while it stays below ``2**53`` units, and so is the int32 sum below
    ``2**31``: a row of fewer than ``limit`` n-grams gives the same float64 sum bit for bit either way.
    """
    magnitudes = np.abs(table[table != 0])
    if not magnitudes.size:
        return None
    scale = 10 - int(np.floor(np.log2(magnitudes.min())))
    scaled, scaled_unigrams = table * 2.0**scale, unigrams * 2.0**scale
    largest = float(np.abs(scaled).max())
    if largest >= 2**31 or not np.array_equal(scaled, np.round(scaled)):
        return None
    return _Scaled(
        table=scaled.astype(np.int32),
        unigrams=scaled_unigrams.astype(np.int32),
        unit=2.0**-scale,
        limit=int((2**31 - 1) // largest),
    )


def _compact(codes16: np.ndarray, starts: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The code units of the kept items only, and where each kept item starts among them."""
    ends = np.append(starts[1:], len(codes16))
    # runs of consecutive kept items, copied as whole slices
    edges = np.flatnonzero(np.diff(np.concatenate(([False], keep, [False])).astype(np.int8)))
    run_starts, run_ends = starts[edges[0::2]], ends[edges[1::2] - 1]
    compact = np.concatenate(
        [codes16[a:b] for a, b in zip(run_starts.tolist(), run_ends.tolist(), strict=True)]
    )
    lengths = (ends - starts)[keep]
    kept_starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=kept_starts[1:])
    return compact, kept_starts


@cache
def default_second_opinion() -> SecondOpinion | None:
    """The shipped model, or ``None`` when its files are absent (the rules then decide alone)."""
    if not (MODEL_DIR / "second_opinion.npz").exists():
        return None
    return SecondOpinion.load()
