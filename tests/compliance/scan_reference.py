"""The scan path as it was before round 9 (issue 17, speed), kept as the oracle of the faster one.

A verbatim copy of ``engine/normalize.py`` and ``engine/matcher.py`` at f70e4f0 (only the imports merged),
of the body of ``engine.api.check_items`` and of the second opinion's batch path (float64 sums): ``test_scan_speedup.py`` checks that the shipped path gives
exactly these results. Do not edit it to follow the engine; it is the reference.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import ahocorasick_rs
import numpy as np
import numpy.typing as npt
import zhconv.zhconv as _zhconv
from scipy.sparse import _sparsetools

from mallops.compliance.engine.api import _lean_finding
from mallops.compliance.engine.rules import CATEGORIES, FIELDS, Citation, Pack, Rule, Severity
from mallops.compliance.engine.second_opinion import (
    _KEYS,
    _MULT,
    _SHIFT,
    _UNITS,
    _ZERO,
    SIZE,
    SecondOpinion,
    _compact,
    default_second_opinion,
    item_codes,
)

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
        return units[2 * start : 2 * end].decode("utf-16-le", "surrogatepass")

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
    # np.take gathers from the table faster than fancy indexing with a uint16 index array
    mapped = np.take(_TABLE, units)
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


# ---- matcher.py ----


_SEPARATOR = "\x00"
_WINDOW = 32
# how far a claim verb may reach left of the nearest one that ends a before-frame (重新长出 vs 长出)
_VERB_REACH = 3
_SEVERITY_RANK = {"review": 1, "block": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One offending span. ``start``/``end`` are Python string offsets into the original field."""

    rule: str
    field: str
    start: int
    end: int
    text: str
    severity: Severity
    citation: Citation
    # a grammar finding spans a whole claim; it does not swallow the word findings inside it
    claim: bool = False

    @property
    def basis(self) -> str:
        return self.citation.basis

    def as_dict(self) -> dict[str, object]:
        """The public JSON shape of a finding (CLI and API)."""
        return {
            "rule": self.rule,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "basis": self.basis,
            "severity": self.severity,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """The text of one item to check. ``category`` must be one of ``rules.CATEGORIES``."""

    title: str
    description: str = ""
    category: str = "general"


class _Kind(IntEnum):
    TERM = 0
    ALLOW = 1
    REVIEW = 2
    DOCUMENT = 3
    REVIEW_DOCUMENT = 4


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class Engine:
    """Compiled rule packs. Build once (it compiles the automaton); :meth:`scan` is thread-safe."""

    def __init__(self, packs: Sequence[Pack]) -> None:
        self.packs = tuple(packs)
        self.rules: tuple[Rule, ...] = tuple(rule for pack in self.packs for rule in pack.rules)
        pattern_index: dict[str, int] = {}
        entries: list[list[tuple[_Kind, int]]] = []

        def add(pattern: str, kind: _Kind, rule_index: int) -> None:
            index = pattern_index.setdefault(pattern, len(pattern_index))
            if index == len(entries):
                entries.append([])
            entries[index].append((kind, rule_index))

        for rule_index, rule in enumerate(self.rules):
            for term in rule.terms:
                add(term, _Kind.TERM, rule_index)
            for phrase in rule.allow:
                add(phrase, _Kind.ALLOW, rule_index)
            for phrase in rule.review:
                add(phrase, _Kind.REVIEW, rule_index)
            for phrase in rule.allow_if_document:
                add(phrase, _Kind.DOCUMENT, rule_index)
            for phrase in rule.review_if_document:
                add(phrase, _Kind.REVIEW_DOCUMENT, rule_index)
        self.patterns: tuple[str, ...] = tuple(pattern_index)
        self._term_rules = tuple(
            tuple(rule_index for kind, rule_index in entry if kind is _Kind.TERM) for entry in entries
        )
        self._other_entries = tuple(
            tuple(item for item in entry if item[0] is not _Kind.TERM) for entry in entries
        )
        # A term that starts or ends with an ASCII letter or digit must sit on an ASCII word boundary of
        # the original text (fillers were deleted, so "laptop 1tb" reads "laptop1tb" and must not match
        # "top1", while "NO.1 1080P" reads "no11080p" and must).
        self._word_edges = tuple((_is_word_char(p[0]), _is_word_char(p[-1])) for p in self.patterns)
        # a grammar finding's span is the whole claim, not a pattern: no word-edge check (last index)
        self._word_edges += ((False, False),)
        self._claim_pattern = len(self.patterns)
        self._frame_rules = tuple(bool(rule.frames) for rule in self.rules)
        self._name_rules = frozenset(rule.id for rule in self.rules if rule.exempt_names)
        self._name_rule_indexes = tuple(rule.exempt_names for rule in self.rules)
        self._answered_rules = tuple(rule.answered_in_item for rule in self.rules)
        # how far before a term a context phrase of its rule can start
        self._context_reach = tuple(
            max((len(phrase) for phrase in (*rule.allow, *rule.review)), default=0) for rule in self.rules
        )
        self._regex_rules = tuple(
            any((rule.allow_before, rule.allow_after, rule.review_before, rule.review_after))
            for rule in self.rules
        )
        self._automaton = ahocorasick_rs.BytesAhoCorasick(
            [pattern.encode("utf-16-le") for pattern in self.patterns],
            matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
            implementation=ahocorasick_rs.Implementation.DFA,
        )

    @property
    def pattern_count(self) -> int:
        return len(self.patterns)

    def scan(self, documents: Sequence[Document]) -> list[list[Finding]]:
        """Findings per document, each list sorted by field (title first) and start."""
        texts: list[str] = []
        for document in documents:
            texts.append(document.title)
            texts.append(document.description)
        return self.scan_fields(texts, [document.category for document in documents])

    def scan_fields(
        self, texts: Sequence[str], categories: Sequence[str], *, units_out: list[bytes] | None = None
    ) -> list[list[Finding]]:
        """Like :meth:`scan` for ``texts = [title0, description0, title1, ...]`` and one category each.

        The batch form used by ``check_items``: no :class:`Document` objects are built. ``units_out``
        receives the batch's normalised code units (every field after a ``\\x00``) for the second opinion.
        """
        results: list[list[Finding]] = [[] for _ in categories]
        if not any(texts):
            return results
        # Every field is preceded by a separator, so a context can demand a boundary before it ("^").
        field_starts = np.ones(len(texts), dtype=np.int64)
        np.cumsum([len(text) + 1 for text in texts[:-1]], out=field_starts[1:])
        field_starts[1:] += 1
        normalized = normalize(_SEPARATOR + _SEPARATOR.join(texts))
        units = normalized.units
        if units_out is not None:
            units_out.append(units)
        matches = self._automaton.find_matches_as_indexes(units, overlapping=True)

        terms: list[tuple[int, int, int, int]] = []  # start, end, rule, pattern
        contexts: dict[int, list[tuple[int, int, _Kind]]] = {}  # rule -> (start, end, allow|review)
        markers: list[tuple[int, int, int, bool]] = []  # start, end, rule, caps (not clears)
        term_rules, other_entries = self._term_rules, self._other_entries
        for pattern, byte_start, byte_end in matches:
            if byte_start & 1:
                continue
            start, end = byte_start >> 1, byte_end >> 1
            for rule_index in term_rules[pattern]:
                terms.append((start, end, rule_index, pattern))
            for kind, rule_index in other_entries[pattern]:
                if kind is _Kind.DOCUMENT or kind is _Kind.REVIEW_DOCUMENT:
                    markers.append((start, end, rule_index, kind is _Kind.REVIEW_DOCUMENT))
                else:
                    contexts.setdefault(rule_index, []).append((start, end, kind))
        if not terms:
            return results

        context_starts: dict[int, list[int]] = {}
        for rule_index, rule_contexts in contexts.items():
            rule_contexts.sort()
            context_starts[rule_index] = [context[0] for context in rule_contexts]
        candidates: list[tuple[int, int, int, bool, int]] = []  # start, end, rule, capped, pattern
        text_slice = normalized.slicer()
        reach, regex_rules, frame_rules = self._context_reach, self._regex_rules, self._frame_rules
        answered = self._answered_rules
        for start, end, rule_index, pattern in terms:
            capped = False
            found = contexts.get(rule_index)
            if found is not None:
                position = bisect_right(context_starts[rule_index], start)
                lowest = start - reach[rule_index]
                cleared = False
                while position:
                    position -= 1
                    context_start, context_end, kind = found[position]
                    if context_start < lowest:
                        break
                    if context_end >= end:
                        if kind is _Kind.ALLOW:
                            cleared = True
                            break
                        capped = True
                if cleared:
                    continue
            if frame_rules[rule_index]:
                claim = self._judge_frames(text_slice, start, end, rule_index)
                if claim is None:
                    continue
                start, end = claim
                pattern = self._claim_pattern
            if regex_rules[rule_index]:
                verdict = self._judge_window(text_slice, start, end, rule_index)
                if verdict is None:
                    if answered[rule_index]:
                        # answered here: the rule's other hits in this item are cleared like a document phrase
                        markers.append((start, end, rule_index, False))
                    continue
                capped = capped or verdict
            candidates.append((start, end, rule_index, capped, pattern))
        if not candidates:
            return results

        spans = np.array([candidate[:2] for candidate in candidates] + [marker[:2] for marker in markers])
        original_starts, original_ends = normalized.original_spans(spans[:, 0], spans[:, 1])
        field_indexes = (np.searchsorted(field_starts, original_starts, side="right") - 1).tolist()
        starts, ends = original_starts.tolist(), original_ends.tolist()
        documented: set[tuple[int, int]] = set()
        capped_documents: set[tuple[int, int]] = set()
        for position, (_, _, rule_index, caps) in enumerate(markers, start=len(candidates)):
            (capped_documents if caps else documented).add((field_indexes[position] // 2, rule_index))
        offsets = field_starts.tolist()
        name_rule_indexes = self._name_rule_indexes
        named_documents: set[int] = set()
        word_edges, claim_pattern = self._word_edges, self._claim_pattern
        for position, (_, _, rule_index, capped, pattern) in enumerate(candidates):
            field_index = field_indexes[position]
            document_index, field_number = divmod(field_index, 2)
            rule = self.rules[rule_index]
            field = FIELDS[field_number]
            category = categories[document_index]
            if not rule.applies_to(field, category) or (document_index, rule_index) in documented:
                continue
            offset = offsets[field_index]
            start, end = starts[position] - offset, ends[position] - offset
            text = texts[field_index]
            left_word, right_word = word_edges[pattern]
            # Checked on the original text: "NO.1 1080P" is a claim, "laptop 1TB" and "TOP 10" are not.
            if (left_word and start > 0 and _is_word_char(text[start - 1])) or (
                right_word and end < len(text) and _is_word_char(text[end])
            ):
                continue
            capped = capped or (document_index, rule_index) in capped_documents
            if name_rule_indexes[rule_index]:
                named_documents.add(document_index)
            severity = "review" if capped else rule.severity_for(category)
            # positional (rule, field, start, end, text, severity, citation, claim): a keyword call costs
            # about a microsecond more per finding
            results[document_index].append(
                Finding(
                    rule.id,
                    field,
                    start,
                    end,
                    text[start:end],
                    severity,
                    rule.citation_for(category),
                    pattern == claim_pattern,
                )
            )
        # only the documents with a finding of a rule that exempts names (not a walk over every document)
        for document_index in sorted(named_documents):
            fields = texts[2 * document_index : 2 * document_index + 2]
            results[document_index] = _clear_names(results[document_index], fields, self._name_rules)
        return [_settle(findings) if findings else findings for findings in results]

    def _judge_frames(
        self, text_slice: Callable[[int, int], str], start: int, end: int, rule_index: int
    ) -> tuple[int, int] | None:
        """The span of the whole claim around an anchor hit, or ``None`` when no frame matches."""
        rule = self.rules[rule_index]
        window = rule.window
        before = text_slice(start - window, start).rpartition(_SEPARATOR)[2]
        after = text_slice(end, end + window).partition(_SEPARATOR)[0]
        claim_start, claim_end = start, end
        matched = False
        for frame in rule.frames:
            new_start, new_end = start, end
            if frame.before is not None:
                # compiled as ``.*(frame)$``: the greedy prefix picks the frame nearest the anchor
                found = frame.before.match(before)
                if found is None:
                    continue
                nearest = found.start(1)
                if nearest and frame.before_search is not None:
                    longer = frame.before_search.search(before, max(0, nearest - _VERB_REACH))
                    nearest = longer.start() if longer is not None and longer.start() < nearest else nearest
                new_start = start - (len(before) - nearest)
            if frame.after is not None:
                found = frame.after.match(after)
                if found is None:
                    continue
                new_end = end + found.end()
            matched = True
            claim_start, claim_end = min(claim_start, new_start), max(claim_end, new_end)
        return (claim_start, claim_end) if matched else None

    def _judge_window(
        self, text_slice: Callable[[int, int], str], start: int, end: int, rule_index: int
    ) -> bool | None:
        """Regex contexts around a hit: ``None`` clears it, ``True`` caps it at review."""
        capped = False
        rule = self.rules[rule_index]
        if rule.allow_before or rule.review_before:
            before = text_slice(start - _WINDOW, start).rpartition(_SEPARATOR)[2]
            if _search(rule.allow_before, before):
                return None
            capped = capped or _search(rule.review_before, before)
        if rule.allow_after or rule.review_after:
            after = text_slice(end, end + _WINDOW).partition(_SEPARATOR)[0]
            if _search(rule.allow_after, after):
                return None
            capped = capped or _search(rule.review_after, after)
        return capped


# A name the item marks as one: a work in 《》, or a quoted name said to be a brand, model, character or
# dish (品牌“永久”, “至尊”为菜品名). Quotes are curly, corner brackets or ASCII double quotes (names are read
# on the original text, where ASCII quotes are still there: "绝对安静"系列).
_NAME_KINDS = "品牌|商标|口味名?|牌子|书名|作品名?|角色名?|人物|节目名?|剧名|片名|游戏名?|型号|款名|系列名?|菜品名?|菜名|品名|产品名|商品名|店名|名为|名叫|叫做"
_NAMES = re.compile(
    "《([^《》\n]{1,30})》"
    f'|(?:{_NAME_KINDS})[:：]?[“「『"]([^“”「」『』"\n]{{1,16}})[”」』"]'
    f'|[“「『"]([^“”「」『』"\n]{{1,16}})[”」』"](?:为|是|系)[^“”「」『』",，。;；!！?？\n]{{0,10}}?(?:{_NAME_KINDS}|名称)'
    # a quoted name followed by its kind (“终极”系列, 「极润」牌, "终极芝士"味)
    '|[“「『"]([^“”「」『』"\n]{1,16})[”」』"](?:系列|牌|品牌|口味|味)'
    # the brand row of a spec table, up to the next space or punctuation (品牌：ABSOLUT 绝对 原产国：瑞典)
    "|品牌[:：] ?([^\\s,，。;；、:：]{1,16}(?: [^\\s,，。;；、:：]{1,8})?)(?=\\s|[,，。;；、]|$)"
)


def _clear_names(findings: list[Finding], fields: Sequence[str], rules: frozenset[str]) -> list[Finding]:
    """Drop findings of ``rules`` inside a name the item marks as one, or a recurrence of that name."""
    names = {
        variant
        for text in fields
        if "《" in text or "“" in text or "「" in text or "『" in text or '"' in text or "品牌" in text
        for match in _NAMES.finditer(text)
        for name in match.groups()
        if name and name.strip()
        # a brand typed with a space in one field (ABSOLUT 绝对) and without in another (ABSOLUT绝对牌)
        for variant in {name.strip(), name.strip().replace(" ", "")}
    }
    if not names:
        return findings

    def named(finding: Finding) -> bool:
        text = fields[FIELDS.index(finding.field)]
        for name in names:
            position = text.find(name, max(0, finding.end - len(name)))
            while position != -1 and position <= finding.start:
                if position + len(name) >= finding.end:
                    return True
                position = text.find(name, position + 1)
            if " " in text and _spaced(text, finding.start, finding.end, name):
                return True
        return False

    return [finding for finding in findings if finding.rule not in rules or not named(finding)]


def _spaced(text: str, start: int, end: int, name: str) -> bool:
    """Whether ``text[start:end]`` is part of ``name`` typed with spaces (至尊 黑金 for 「至尊黑金」)."""
    fragment = text[start:end]
    offset = name.find(fragment)
    while offset != -1:
        # at most one space between two characters of the name: look twice as far
        left = text[max(0, start - 2 * offset) : start].replace(" ", "")[-offset:] if offset else ""
        rest = len(name) - offset - len(fragment)
        right = text[end : end + 2 * rest].replace(" ", "")[:rest]
        if left + fragment + right == name:
            return True
        offset = name.find(fragment, offset + 1)
    return False


def _search(pattern: re.Pattern[str] | None, text: str) -> bool:
    return pattern is not None and pattern.search(text) is not None


def _settle(findings: list[Finding]) -> list[Finding]:
    """Drop findings inside a longer one of at least the same severity; sort title first, by start.

    A grammar claim (``Finding.claim``) does not swallow a word finding of the same severity inside
    it, and a claim whose span equals a word finding of at least its severity is dropped.
    """
    if len(findings) == 1:
        return findings
    kept = [
        finding
        for finding in findings
        if not any(
            other.field == finding.field
            and other.start <= finding.start
            and other.end >= finding.end
            and other.end - other.start > finding.end - finding.start
            and _SEVERITY_RANK[other.severity] >= _SEVERITY_RANK[finding.severity]
            # a claim keeps the word findings of its own severity inside it (they name the lexicon rule)
            and (finding.claim or not other.claim or other.severity != finding.severity)
            for other in findings
        )
        and not (
            # a claim that is exactly a word finding adds nothing
            finding.claim
            and any(
                not other.claim
                and other.field == finding.field
                and (other.start, other.end) == (finding.start, finding.end)
                and _SEVERITY_RANK[other.severity] >= _SEVERITY_RANK[finding.severity]
                for other in findings
            )
        )
    ]
    unique = {(finding.field, finding.start, finding.end, finding.rule): finding for finding in kept}
    return sorted(unique.values(), key=lambda f: (FIELDS.index(f.field), f.start, f.end, f.rule))


# ---- api.check_items ----

_CATEGORY_SET = frozenset(CATEGORIES)
_NOT_A_DEVICE = ("非医用", "非医疗器械", "非器械", "不是医疗器械", "不属于医疗器械")


def _checked_category(category: str, title: str, description: str) -> str:
    if category == "medical_device" and any(
        marker in title or marker in description for marker in _NOT_A_DEVICE
    ):
        return "general"
    return category


def _second_opinion(items: Sequence[dict[str, Any]], found: list[list[Any]], units: bytes | None) -> None:
    model = default_second_opinion()
    if model is None or all(found):
        return
    flagged = [bool(findings) for findings in found]
    probabilities = None
    if units is not None:
        try:
            probabilities = _batch_probabilities(model, units, len(items), skip=flagged)
        except ValueError:
            probabilities = None
    if probabilities is None:
        pairs = [(item["title"], item.get("description") or "") for item in items]
        probabilities = _batch_probabilities(
            model,
            b"".join(
                item_codes(title, description).astype(np.uint16).tobytes() for title, description in pairs
            ),
            len(pairs),
        )
    for i in np.flatnonzero(probabilities > model.threshold).tolist():
        if not found[i]:
            item = items[i]
            found[i] = [_lean_finding(model, item["title"], item.get("description") or "")]


def check_items(
    items: Sequence[dict[str, Any]], *, engine: Engine, second_opinion: bool = True
) -> list[dict[str, Any]]:
    """``engine.api.check_items`` as it was, over the reference :class:`Engine`."""
    scanner = engine
    texts: list[str] = []
    categories: list[str] = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for item in items:
            title, description = item["title"], item.get("description") or ""
            texts.append(title)
            texts.append(description)
            category = item.get("category")
            categories.append(
                _checked_category(category, title, description)
                if isinstance(category, str) and category in _CATEGORY_SET
                else "general"
            )
        units: list[bytes] = []
        found = scanner.scan_fields(texts, categories, units_out=units)
        if second_opinion:
            _second_opinion(items, found, units[0] if units else None)
        return [
            {"id": item["id"], "verdict": "pass", "findings": []}
            if not findings
            else {
                "id": item["id"],
                "verdict": "block" if any(finding.severity == "block" for finding in findings) else "review",
                "findings": [finding.as_dict() for finding in findings],
            }
            for item, findings in zip(items, found, strict=True)
        ]
    finally:
        if collecting:
            gc.enable()


# ---- second_opinion.SecondOpinion.batch_probabilities and _logits (float64 sums) ----

_CHUNK = 1 << 16


def _batch_probabilities(
    model: SecondOpinion, units: bytes, count: int, skip: Sequence[bool] | None = None
) -> np.ndarray:
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
    cuts = np.unique(np.searchsorted(starts, np.arange(_CHUNK, len(codes16), _CHUNK))).tolist()
    bounds = [*starts.tolist(), len(codes16)]
    logits = np.empty(len(starts))
    for first, last in zip([0, *cuts], [*cuts, len(starts)], strict=True):
        if first == last:
            continue
        offset = bounds[first]
        logits[first:last] = _logits(model, codes16[offset : bounds[last]], starts[first:last] - offset)
    probability[scored] = 1.0 / (1.0 + np.exp(-logits))
    return probability


def _logits(model: SecondOpinion, codes16: np.ndarray, starts: np.ndarray) -> np.ndarray:
    n, rows = len(codes16), len(starts)
    sums = np.zeros(3 * rows)
    codes = codes16.astype(np.uint32)
    indptr = np.append(starts, n).astype(np.int32)
    _sparsetools.csr_matvec(rows, _UNITS, indptr, codes.view(np.int32), np.ones(n), model.unigrams, sums)
    ids = np.empty(2 * n - 3, dtype=np.int32)
    three = n - 1
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
    _sparsetools.csr_matvec(2 * rows, SIZE + 1, indptr, ids, np.ones(len(ids)), model.table, sums[rows:])
    logits: np.ndarray = model.bias + sums[:rows] + sums[rows : 2 * rows] + sums[2 * rows :]
    return logits
