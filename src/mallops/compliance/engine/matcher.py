"""The scanner: one Aho-Corasick automaton over every term and context of every rule.

A batch of documents is scanned in one pass: all fields are joined with NUL separators, normalised
once (numpy lookup table) and fed to ``ahocorasick_rs.BytesAhoCorasick`` as UTF-16-LE bytes, which
gives code-unit offsets directly (the ``str`` interface of ahocorasick-rs converts byte offsets to
character offsets and is three times slower; pyahocorasick is far slower still with 10,000 patterns,
see ``bench/compliance_scan.py``). Matches at odd byte offsets are artefacts of the two-byte encoding
and are dropped. Python only touches the hits: context checks, category and field filters, and the
mapping of spans back to the original strings (vectorised).

Overlapping matching (``MatchKind.Standard``) is used so that a context phrase and the term inside it
are both seen; a term hit covered by an ``allow`` phrase of its rule is dropped, one covered by a
``review`` phrase is capped at review. Among the surviving findings of one field, a finding inside a
longer finding of at least the same severity is dropped (``最`` inside ``最好``).

Grammar rules (``Rule.frames``) use their lexicon words as anchors in the same automaton; only around an
anchor hit does a frame regex run, on a window of ``Rule.window`` code units cut at the field separators,
so the text is still scanned once. A matching frame turns the hit into a *claim* finding spanning the
frame (``改善糖尿病症状``); a claim keeps the word findings of its severity inside it. Item-wide
``review_if_document`` phrases cap a rule's findings at review (a 消字号 disinfectant's kill claim).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import ahocorasick_rs
import numpy as np

from mallops.compliance.engine.normalize import NormalizedText, normalize
from mallops.compliance.engine.rules import FIELDS, Citation, Pack, Rule, Severity

_SEPARATOR = "\x00"
_WINDOW = 32
# how far a claim verb may reach left of the nearest one that ends a before-frame (重新长出 vs 长出)
_VERB_REACH = 3
_SEVERITY_RANK = {"review": 1, "block": 2}
# Engine._checks bits
_FRAMES = 1
_WINDOWS = 2


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


# One finding before it becomes a Finding or a JSON object: (field number, start, end, rule id, severity,
# claim, citation, basis), offsets into the original field. After settling, the first four are unique
# within an item, so rows sort by them.
Row = tuple[int, int, int, str, Severity, bool, Citation, str]
# What a finding of a rule in a field of a category says: (field number, rule id, severity, citation, basis)
_Verdict = tuple[int, str, Severity, Citation, str]


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
        self._window_regexes = tuple(
            (rule.allow_before, rule.review_before, rule.allow_after, rule.review_after)
            for rule in self.rules
        )
        # what a term hit of each rule must pass beyond its context phrases (frames, then windows)
        self._checks = tuple(
            (_FRAMES if frames else 0) | (_WINDOWS if windows else 0)
            for frames, windows in zip(self._frame_rules, self._regex_rules, strict=True)
        )
        # per category: per rule and field, None or what a finding says (built on first use)
        self._verdict_tables: dict[str, tuple[tuple[_Verdict | None, ...], ...]] = {}
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

        The batch form: no :class:`Document` objects are built. ``units_out`` receives the batch's
        normalised code units (every field after a ``\\x00``) for the second opinion.
        """
        return [
            [
                Finding(
                    rule,
                    FIELDS[field],
                    start,
                    end,
                    texts[2 * index + field][start:end],
                    severity,
                    citation,
                    claim,
                )
                for field, start, end, rule, severity, claim, citation, _ in rows
            ]
            for index, rows in enumerate(self.scan_rows(texts, categories, units_out=units_out))
        ]

    def scan_rows(
        self, texts: Sequence[str], categories: Sequence[str], *, units_out: list[bytes] | None = None
    ) -> list[list[Row]]:
        """:meth:`scan_fields` as :data:`Row` tuples (what ``check_items`` turns into JSON objects without
        building a :class:`Finding` per finding); each item's rows sorted by field, start, end and rule."""
        results: list[list[Row]] = [[] for _ in categories]
        if not any(texts):
            return results
        # Every field is preceded by a separator, so a context can demand a boundary before it ("^").
        field_starts = np.empty(len(texts), dtype=np.int64)
        field_starts[0] = 1
        np.cumsum(
            np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))[:-1] + 1, out=field_starts[1:]
        )
        field_starts[1:] += 1
        normalized = normalize(_SEPARATOR + _SEPARATOR.join(texts))
        units = normalized.units
        if units_out is not None:
            units_out.append(units)
        matches = self._automaton.find_matches_as_indexes(units, overlapping=True)

        terms: list[tuple[int, int, int, int]] = []  # start, end, rule, pattern
        contexts: dict[int, list[tuple[int, int, _Kind]]] = {}  # rule -> (start, end, allow|review)
        markers: list[tuple[int, int, int, bool]] = []  # start, end, rule, caps (not clears)
        add_term = terms.append
        term_rules, other_entries = self._term_rules, self._other_entries
        for pattern, byte_start, byte_end in matches:
            if byte_start & 1:
                continue
            start, end = byte_start >> 1, byte_end >> 1
            for rule_index in term_rules[pattern]:
                add_term((start, end, rule_index, pattern))
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
        add_candidate = candidates.append
        # windows are decoded one by one (NormalizedText.around), only for the hits of rules that read them
        # (a few hundred per batch), rather than decoding the whole batch once
        reach, checks, answered = self._context_reach, self._checks, self._answered_rules
        claim_pattern = self._claim_pattern
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
            check = checks[rule_index]
            if check:
                if check & _FRAMES:
                    claim = self._judge_frames(normalized, start, end, rule_index)
                    if claim is None:
                        continue
                    start, end = claim
                    pattern = claim_pattern
                if check & _WINDOWS:
                    verdict = self._judge_window(normalized, start, end, rule_index)
                    if verdict is None:
                        if answered[rule_index]:
                            # answered here: the rule's other hits in this item are cleared like a document phrase
                            markers.append((start, end, rule_index, False))
                        continue
                    capped = capped or verdict
            add_candidate((start, end, rule_index, capped, pattern))
        if not candidates:
            return results

        # two flat int arrays: numpy reads a list of ints several times faster than a list of pairs
        original_starts, original_ends = normalized.original_spans(
            np.array(
                [candidate[0] for candidate in candidates] + [marker[0] for marker in markers], dtype=np.int64
            ),
            np.array(
                [candidate[1] for candidate in candidates] + [marker[1] for marker in markers], dtype=np.int64
            ),
        )
        field_indexes = (np.searchsorted(field_starts, original_starts, side="right") - 1).tolist()
        starts, ends = original_starts.tolist(), original_ends.tolist()
        documented: set[tuple[int, int]] = set()
        capped_documents: set[tuple[int, int]] = set()
        for position, (_, _, rule_index, caps) in enumerate(markers, start=len(candidates)):
            (capped_documents if caps else documented).add((field_indexes[position] >> 1, rule_index))
        offsets = field_starts.tolist()
        name_rule_indexes = self._name_rule_indexes
        named_documents: set[int] = set()
        word_edges = self._word_edges
        verdict_tables = self._verdict_tables
        for position, (_, _, rule_index, capped, pattern) in enumerate(candidates):
            field_index = field_indexes[position]
            document_index = field_index >> 1
            category = categories[document_index]
            table = verdict_tables.get(category)
            if table is None:
                table = self._verdict_table(category)
            verdict_row = table[rule_index][field_index & 1]
            if verdict_row is None or (document_index, rule_index) in documented:
                continue
            offset = offsets[field_index]
            start, end = starts[position] - offset, ends[position] - offset
            left_word, right_word = word_edges[pattern]
            # Checked on the original text: "NO.1 1080P" is a claim, "laptop 1TB" and "TOP 10" are not.
            if left_word or right_word:
                text = texts[field_index]
                if (left_word and start > 0 and _is_word_char(text[start - 1])) or (
                    right_word and end < len(text) and _is_word_char(text[end])
                ):
                    continue
            if name_rule_indexes[rule_index]:
                named_documents.add(document_index)
            field_number, rule_id, severity, citation, basis = verdict_row
            if capped or (document_index, rule_index) in capped_documents:
                severity = "review"
            results[document_index].append(
                (field_number, start, end, rule_id, severity, pattern == claim_pattern, citation, basis)
            )
        # only the documents with a finding of a rule that exempts names (not a walk over every document)
        for document_index in sorted(named_documents):
            fields = texts[2 * document_index : 2 * document_index + 2]
            results[document_index] = _clear_names(results[document_index], fields, self._name_rules)
        return [_settle(rows) if len(rows) > 1 else rows for rows in results]

    def _verdict_table(self, category: str) -> tuple[tuple[_Verdict | None, ...], ...]:
        """Per rule and field (title, description) of an item of ``category``: ``None`` when the rule does
        not apply there, else what its finding says (field number, rule id, severity, citation, basis)."""
        table = tuple(
            tuple(
                (
                    number,
                    rule.id,
                    rule.severity_for(category),
                    rule.citation_for(category),
                    rule.citation_for(category).basis,
                )
                if rule.applies_to(field, category)
                else None
                for number, field in enumerate(FIELDS)
            )
            for rule in self.rules
        )
        self._verdict_tables[category] = table
        return table

    def _judge_frames(
        self, text: NormalizedText, start: int, end: int, rule_index: int
    ) -> tuple[int, int] | None:
        """The span of the whole claim around an anchor hit, or ``None`` when no frame matches."""
        rule = self.rules[rule_index]
        before, after = text.around(start, end, rule.window)
        before = before.rpartition(_SEPARATOR)[2]
        after = after.partition(_SEPARATOR)[0]
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

    def _judge_window(self, text: NormalizedText, start: int, end: int, rule_index: int) -> bool | None:
        """Regex contexts around a hit: ``None`` clears it, ``True`` caps it at review."""
        allow_before, review_before, allow_after, review_after = self._window_regexes[rule_index]
        reads_before = allow_before is not None or review_before is not None
        reads_after = allow_after is not None or review_after is not None
        # both sides from one decoded window when both are read
        if reads_before and reads_after:
            before, after = text.around(start, end, _WINDOW)
        else:
            before = text.slice(start - _WINDOW, start) if reads_before else ""
            after = text.slice(end, end + _WINDOW) if reads_after else ""
        capped = False
        if reads_before:
            before = before.rpartition(_SEPARATOR)[2]
            if allow_before is not None and allow_before.search(before) is not None:
                return None
            capped = review_before is not None and review_before.search(before) is not None
        if reads_after:
            after = after.partition(_SEPARATOR)[0]
            if allow_after is not None and allow_after.search(after) is not None:
                return None
            capped = capped or (review_after is not None and review_after.search(after) is not None)
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


def _clear_names(rows: list[Row], fields: Sequence[str], rules: frozenset[str]) -> list[Row]:
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
        return rows

    def named(row: Row) -> bool:
        text = fields[row[0]]
        start, end = row[1], row[2]
        for name in names:
            position = text.find(name, max(0, end - len(name)))
            while position != -1 and position <= start:
                if position + len(name) >= end:
                    return True
                position = text.find(name, position + 1)
            if " " in text and _spaced(text, start, end, name):
                return True
        return False

    return [row for row in rows if row[3] not in rules or not named(row)]


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


def _settle(rows: list[Row]) -> list[Row]:
    """Drop findings inside a longer one of at least the same severity; sort title first, by start.

    A grammar claim (``Finding.claim``) does not swallow a word finding of the same severity inside
    it, and a claim whose span equals a word finding of at least its severity is dropped.
    """
    rank = _SEVERITY_RANK
    kept: list[Row] = []
    for row in rows:
        field, start, end, _, severity, claim = row[:6]
        length, row_rank = end - start, rank[severity]
        dropped = False
        for other in rows:
            if (
                other[0] == field
                and other[1] <= start
                and other[2] >= end
                and other[2] - other[1] > length
                and rank[other[4]] >= row_rank
                # a claim keeps the word findings of its own severity inside it (they name the lexicon rule)
                and (claim or not other[5] or other[4] != severity)
            ):
                dropped = True
                break
            # a claim that is exactly a word finding adds nothing
            if (
                claim
                and not other[5]
                and other[0] == field
                and other[1] == start
                and other[2] == end
                and rank[other[4]] >= row_rank
            ):
                dropped = True
                break
        if not dropped:
            kept.append(row)
    # the first four (field, start, end, rule id) are unique after this, so the rows sort by them
    return sorted({row[:4]: row for row in kept}.values())
