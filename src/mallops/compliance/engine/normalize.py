"""Text normalisation for matching, with an offset map back to the original text.

Normalisation is one character-level lookup table applied with numpy, so it runs at C speed:

* full-width ASCII forms (``ＮＯ．１``, ``１００％``) become half-width, ``\\u3000`` becomes a space;
* ASCII letters are lower-cased (only ASCII, so every character maps to exactly one character);
* traditional characters become simplified (single-character pairs from zhconv's zh-hans table);
* *filler* characters that merchants insert to dodge filters (spaces, ``.``, ``·``, ``*``, ``_``, ``-``,
  ``~``, ``|``, ``/``, zero-width characters, variation selectors, ...) are deleted, so ``最 好``, ``最.好``
  and ``最*好`` all read ``最好``;
* emoji and pictographs (U+1F000..U+1FBFF) are fillers too (``最🔥好`` reads ``最好``), except the few
  that stand for a character inside a word (``血🍬`` reads ``血糖``, ``💊`` reads ``药``): those become
  that character. Emoji are outside the BMP, so this is done on the surrogate pairs after the table.

Sentence punctuation (``，。！？；：、`` and their ASCII forms), brackets, line breaks, ``%`` and ``=``
(an equivalence sign is a claim: 一片=一斤蔬菜) are kept:
they are real boundaries, and a term never matches across them. Deleting fillers can join ASCII words
(``laptop 1tb`` reads ``laptop1tb``); the matcher therefore demands an ASCII word boundary around any
pattern that starts or ends with a letter or digit.

Because deleted characters shift positions, :class:`NormalizedText` keeps a mask of the kept
characters and maps spans back to the original string.
"""

from __future__ import annotations

# bytes.decode("utf-16-le") goes through the codec registry and a Python wrapper on every call (only
# "utf-16" without a byte order has a fast path); the windows call the C decoder directly (final=True)
from codecs import utf_16_le_decode as _decode
from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import zhconv.zhconv as _zhconv

# Characters deleted before matching. Real sentence punctuation is deliberately absent.
FILLER_CHARS = (
    " \t\r\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff\ufe0e\ufe0f.·•・‧∙⋅*_-‐‑‒–—―~～|/\\'\"`^+#@$&○●◆◇■□★☆♥♡❤"
)

# Emoji that stand for a character in a word (血🍬 for 血糖); every other pictograph is a filler.
EMOJI_CHARS = {"🍬": "糖", "🍭": "糖", "💊": "药", "💉": "针", "🈚": "无", "🈶": "有", "🉑": "可"}
_PICTOGRAPH_HIGHS = (0xD83C, 0xD83E)  # high surrogates of U+1F000..U+1FBFF
_EMOJI_KEYS = np.array(sorted(ord(emoji) for emoji in EMOJI_CHARS), dtype=np.int64)
_EMOJI_VALUES = np.array([ord(EMOJI_CHARS[chr(key)]) for key in _EMOJI_KEYS.tolist()], dtype=np.uint16)

_BMP_SIZE = 0x10000
# U+FFFF is a noncharacter, so it can mark deleted characters (an input U+FFFF is deleted too).
_DELETED = 0xFFFF


def _build_table() -> npt.NDArray[np.uint16]:
    table = np.arange(_BMP_SIZE, dtype=np.uint32)
    # full-width ASCII variants U+FF01..U+FF5E -> U+0021..U+007E
    table[0xFF01:0xFF5F] = np.arange(0x21, 0x7F, dtype=np.uint32)
    table[0x3000] = 0x20
    simplified = _zhconv.getdict("zh-hans")
    for source, target in simplified.items():
        if len(source) == 1 and len(target) == 1 and ord(source) < _BMP_SIZE and ord(target) < _BMP_SIZE:
            table[ord(source)] = ord(target)
    # zhconv turns corner brackets into curly quotes; keep them as brackets (they are boundaries).
    for bracket in "「」『』":
        table[ord(bracket)] = ord(bracket)
    # ASCII case folding after width folding, so both ``Ａ`` and ``A`` become ``a``.
    upper = (table >= 0x41) & (table <= 0x5A)
    table[upper] += 0x20
    fillers = np.array([ord(char) for char in FILLER_CHARS], dtype=np.uint32)
    # A character that folds to a filler is a filler too (full-width ``．`` -> ``.``).
    table[np.isin(table, fillers)] = _DELETED
    table[fillers] = _DELETED
    return table.astype(np.uint16)


_TABLE = _build_table()
_CHUNK = 1 << 16  # code units looked up at a time (see ``normalize``)


class NormalizedText:
    """A normalised text as UTF-16-LE code units, and the way back to the original string.

    The matcher runs over ``units`` (bytes, two per code unit), so positions here are code-unit
    positions. ``keep`` is ``None`` when no character was deleted, else a boolean mask over the
    original code units. ``pair_lows`` lists the positions of the second half of each surrogate pair
    in the original (characters outside the BMP take two code units but one Python index).
    """

    __slots__ = ("_kept_before_deletion", "keep", "pair_lows", "units")

    def __init__(
        self,
        units: bytes,
        keep: npt.NDArray[np.bool_] | None,
        pair_lows: npt.NDArray[np.intp] | None,
    ) -> None:
        self.units = units
        self.keep = keep
        self.pair_lows = pair_lows
        self._kept_before_deletion: npt.NDArray[np.intp] | None = None

    @property
    def size(self) -> int:
        """Number of normalised code units."""
        return len(self.units) // 2

    def slice(self, start: int, end: int) -> str:
        """The normalised text of code units ``[start, end)``, clipped to the text."""
        # called for every context and frame window: no property or builtin calls on this path
        units = self.units
        size = len(units) >> 1
        if start < 0:
            start = 0
        if end > size:
            end = size
        if end <= start:
            return ""
        return _decode(units[2 * start : 2 * end], "surrogatepass", True)[0]

    def around(self, start: int, end: int, reach: int) -> tuple[str, str]:
        """``(slice(start - reach, start), slice(end, end + reach))`` for ``0 <= start <= end <= size``,
        with one decode when every code unit of the window is one character (the usual case), else
        exactly as two :meth:`slice` calls."""
        units = self.units
        low = start - reach if start > reach else 0
        high = end + reach
        size = len(units) >> 1
        if high > size:
            high = size
        window = _decode(units[2 * low : 2 * high], "surrogatepass", True)[0]
        if len(window) == high - low:
            return window[: start - low], window[end - low :]
        return self.slice(start - reach, start), self.slice(end, end + reach)

    def slicer(self) -> Callable[[int, int], str]:
        """:meth:`slice` for the many windows of one scan: the text is decoded once and sliced as a Python
        string when every normalised code unit is one character (no surrogate pair survived normalisation,
        the usual case), which costs one decode instead of one per window; else :meth:`slice` itself."""
        text = self.text
        if len(text) != len(self.units) >> 1:
            return self.slice

        def window(start: int, end: int) -> str:
            return text[start if start > 0 else 0 : end if end > 0 else 0]

        return window

    @property
    def text(self) -> str:
        """The whole normalised text."""
        return self.units.decode("utf-16-le", "surrogatepass")

    def original_spans(
        self, starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Map normalised code-unit spans ``[start, end)`` (non-empty) to original Python string spans."""
        if self.keep is None:
            original_starts, original_ends = starts, ends
        else:
            # Kept unit number k sits at original position k + (deletions before it). Deletions are
            # sparse, so this is much cheaper than a cumulative sum over the whole mask: the i-th
            # deletion has (position - i) kept units before it.
            if self._kept_before_deletion is None:
                deleted = np.flatnonzero(~self.keep)
                self._kept_before_deletion = deleted - np.arange(deleted.size)
            shifts = self._kept_before_deletion
            original_starts = starts + np.searchsorted(shifts, starts, side="right")
            last = ends - 1
            original_ends = last + np.searchsorted(shifts, last, side="right") + 1
        if self.pair_lows is not None:
            original_starts = original_starts - np.searchsorted(self.pair_lows, original_starts)
            original_ends = original_ends - np.searchsorted(self.pair_lows, original_ends)
        return original_starts, original_ends

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Scalar form of :meth:`original_spans`."""
        starts, ends = self.original_spans(np.array([start], dtype=np.int64), np.array([end], dtype=np.int64))
        return int(starts[0]), int(ends[0])


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for matching (see the module docstring)."""
    if not text:
        return NormalizedText(b"", None, None)
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    pair_lows: npt.NDArray[np.intp] | None = None
    if units.size != len(text):
        is_high = (units >= 0xD800) & (units <= 0xDBFF)
        is_low = (units >= 0xDC00) & (units <= 0xDFFF)
        pair_lows = np.flatnonzero(is_high[:-1] & is_low[1:]) + 1
    # np.take gathers from the table faster than fancy indexing with a uint16 index array; it widens the
    # indexes to intp first, so it runs in chunks: the widened indexes (8 bytes a code unit) stay in the
    # core's cache instead of faulting in a fresh array four times the text's size
    mapped = np.empty_like(units)
    for start in range(0, units.size, _CHUNK):
        np.take(_TABLE, units[start : start + _CHUNK], out=mapped[start : start + _CHUNK])
    keep = mapped != _DELETED
    if pair_lows is not None:
        _fold_pictographs(units, mapped, keep, pair_lows)
    if bool(keep.all()):
        return NormalizedText(mapped.tobytes(), None, pair_lows)
    return NormalizedText(mapped[keep].tobytes(), keep, pair_lows)


def _fold_pictographs(
    units: npt.NDArray[np.uint16],
    mapped: npt.NDArray[np.uint16],
    keep: npt.NDArray[np.bool_],
    pair_lows: npt.NDArray[np.intp],
) -> None:
    """Delete pictograph pairs, or turn the high half into the character the emoji stands for."""
    highs = pair_lows - 1
    high_units = units[highs]
    pictograph = (high_units >= _PICTOGRAPH_HIGHS[0]) & (high_units <= _PICTOGRAPH_HIGHS[1])
    if not pictograph.any():
        return
    highs, lows = highs[pictograph], pair_lows[pictograph]
    keep[lows] = False
    code_points = (
        0x10000 + ((units[highs].astype(np.int64) - 0xD800) << 10) + (units[lows].astype(np.int64) - 0xDC00)
    )
    slots = np.searchsorted(_EMOJI_KEYS, code_points).clip(max=_EMOJI_KEYS.size - 1)
    stands_for = _EMOJI_KEYS[slots] == code_points
    keep[highs[~stands_for]] = False
    # the kept high half stands for the whole emoji, so spans map back to it
    mapped[highs[stands_for]] = _EMOJI_VALUES[slots[stands_for]]


def normalize_pattern(pattern: str) -> str:
    """Normalise a rule term or context exactly like listing text."""
    return normalize(pattern).text
