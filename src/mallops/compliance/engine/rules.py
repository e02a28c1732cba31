"""Rule packs: YAML data turned into typed, validated rules.

A pack file holds ``pack`` (name), ``version`` and ``rules``. Each rule::

    id: AD9-3-SUPERLATIVE          # stable id, unique over all packs
    title: 最/顶级 superlatives      # for people
    severity: block                # block | review
    citation: {law: AD, article: 9, item: 3}      # paragraph optional
    terms: [最好, 最佳]              # matched on normalised text
    fields: [title, description]   # default: both
    categories_exclude: [medical_device]           # or categories_only: [...]
    severity_by_category: {health_food: review}
    citation_by_category: {health_food: {law: AD, article: 18, paragraph: 1, item: 2}}
    allow: [最近, 最佳赏味期, ^第一,] # context phrases containing a term: the hit is not a finding;
                                   # a leading ^ demands a field start or punctuation before it
    review: [最新款]                # context phrases containing a term: at most a review finding
    allow_before: ['(棉|羊毛)$']     # regexes on the normalised text just before the hit
    allow_after: ['^(纯)?棉']        # regexes on the normalised text just after the hit
    review_before / review_after   # same, capping the finding at review
    allow_if_document: [消字号]      # phrases anywhere in the item (title or description)
    review_if_document: [消字号]     # phrases anywhere in the item that cap the finding at review

Grammar rules (claims, not words). A pack may define ``lexicons`` (name -> list of words); a term
``@NAME`` stands for every word of lexicon NAME (the Aho-Corasick anchors), and ``{NAME}`` inside a
regex stands for an alternation of its words (normalised, longest first). A rule with ``frames`` is a
finding only where one frame matches around the anchor hit, and its span then covers the whole claim::

    terms: ['@CONDITION']
    frames:
      - before: '{TREAT}[^,。;!?]{0,6}$'   # regex ending at the anchor (searched in a window)
      - after: '^[^,。;!?]{0,8}?{RESULT}'  # regex starting at the anchor
      - {before: '...', after: '...'}     # both must match

The window is ``window`` code units on each side (default 24) and never crosses a field boundary.

``exempt_names: true`` clears a hit that lies inside a name the item itself marks as a name — a work in
``《…》``, or a quoted brand, model, character or dish (品牌“永久”, “至尊”为菜品名) — there and wherever the
same name recurs in the item (the title 最好的我们 of a book whose description says 书名《最好的我们》).

``pinyin_spellings: true``: every term (lexicon words included) also matches with one or two of its
Chinese characters spelt in toneless pinyin, the commonest dodge of a word filter (降xue糖 for 降血糖,
三gao for 三高, 燃zhi for 燃脂); at least one character stays Chinese, so a pinyin word alone is not a
hit. Readings come from ``packs/pinyin.txt`` (every reading of each character, written by
``tests/compliance/make_pinyin_table.py``), so the engine needs no pinyin library.

``allow`` may name a lexicon too (``'@DISEASE'``): a suffix-class rule (病, 炎) then leaves every word
another rule reads by its lexicon to that rule, so a claim is found once.

``answered_in_item: true``: a hit that ``allow_before``/``allow_after`` clears answers the rule for the
whole item, so its other hits are cleared too (限时 in a title, 限时优惠：12月7日20:00-24:00 in the description).

Terms and context phrases are normalised like the listing text, so ``100%棉`` also matches
``１００％ 棉``. Regexes run on the normalised text as they are written, so write them normalised:
simplified characters, lower-case ASCII, half-width punctuation, no spaces or dots.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import combinations, product
from pathlib import Path
from typing import Any, Literal

import yaml

from mallops.compliance.engine.normalize import normalize_pattern

Severity = Literal["block", "review"]
FieldName = Literal["title", "description"]

CATEGORIES: tuple[str, ...] = (
    "food",
    "cosmetics",
    "apparel",
    "electronics",
    "medical_device",
    "health_food",
    "home",
    "baby",
    "general",
)
FIELDS: tuple[FieldName, ...] = ("title", "description")
SEVERITIES: tuple[Severity, ...] = ("block", "review")

LAW_NAMES: dict[str, str] = {
    "AD": "广告法",
    "PRICE56": "明码标价和禁止价格欺诈规定",
    "PROMO32": "规范促销行为暂行规定",
    "PRICELAW": "价格法",
    "ECL": "电子商务法",
    "AUCL": "反不正当竞争法",
    "CPL": "消费者权益保护法",
}

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"

_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """Chinese numeral for 1..99 as used in article numbers (``十七``, ``二十八``)."""
    if not 0 < number < 100:
        raise ValueError(f"article numbers run from 1 to 99, got {number}")
    tens, units = divmod(number, 10)
    if tens == 0:
        return _DIGITS[units]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[units] if units else "")


@dataclass(frozen=True, slots=True)
class Citation:
    """A legal basis: law code (see regulations.md), article, optional paragraph (款) and item (项)."""

    law: str
    article: int
    paragraph: int | None = None
    item: int | None = None

    @property
    def basis(self) -> str:
        """The citation as merchants read it, e.g. ``广告法第九条第（三）项``."""
        return _basis(self)


@cache
def _basis(citation: Citation) -> str:
    text = f"{LAW_NAMES[citation.law]}第{chinese_number(citation.article)}条"
    if citation.paragraph is not None:
        text += f"第{chinese_number(citation.paragraph)}款"
    if citation.item is not None:
        text += f"第（{chinese_number(citation.item)}）项"
    return text


@dataclass(frozen=True, slots=True)
class Frame:
    """A claim frame around an anchor hit: regexes ending at its start and/or starting at its end."""

    before: re.Pattern[str] | None
    after: re.Pattern[str] | None
    # ``before`` without the greedy prefix, to extend a frame found nearest the anchor to a longer
    # verb that ends in it (重新长出 rather than 长出, 杀灭 rather than 灭)
    before_search: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule; see the module docstring for the meaning of each field."""

    id: str
    pack: str
    pack_version: str
    title: str
    severity: Severity
    citation: Citation
    terms: tuple[str, ...]
    fields: frozenset[str]
    categories_exclude: frozenset[str]
    categories_only: frozenset[str] | None
    severity_by_category: Mapping[str, Severity]
    citation_by_category: Mapping[str, Citation]
    allow: tuple[str, ...]
    review: tuple[str, ...]
    allow_before: re.Pattern[str] | None
    allow_after: re.Pattern[str] | None
    review_before: re.Pattern[str] | None
    review_after: re.Pattern[str] | None
    allow_if_document: tuple[str, ...]
    review_if_document: tuple[str, ...] = ()
    frames: tuple[Frame, ...] = ()
    window: int = 24
    # a hit inside a name the item itself marks as a name (《最好的我们》, 品牌“永久”) is cleared there
    # and wherever the same name recurs in the item (SAMR exemption (e))
    exempt_names: bool = False
    # a hit its allow_before/allow_after context answers (限时 followed by its period) clears the rule's
    # other hits in the same item (限时 in the title, the period stated with 限时 in the description)
    answered_in_item: bool = False
    # terms also match with one or two characters spelt in pinyin (降xue糖); see the module docstring
    pinyin_spellings: bool = False

    def applies_to(self, field: str, category: str) -> bool:
        if field not in self.fields or category in self.categories_exclude:
            return False
        return self.categories_only is None or category in self.categories_only

    def severity_for(self, category: str) -> Severity:
        return self.severity_by_category.get(category, self.severity)

    def citation_for(self, category: str) -> Citation:
        return self.citation_by_category.get(category, self.citation)


@dataclass(frozen=True, slots=True)
class Pack:
    name: str
    version: str
    rules: tuple[Rule, ...]


class RulePackError(ValueError):
    """A rule pack is malformed; the message names the pack and rule."""


def _strings(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, str) and item for item in raw):
        raise RulePackError(f"{where}: expected a list of non-empty strings")
    return tuple(raw)


# What "^" at the start of a context phrase stands for: the start of a field or the end of a sentence
# or clause (normalised forms: full-width commas and colons are folded to ASCII).
BOUNDARIES = ("\x00", ",", "。", ";", "!", "?", "\n", ":", "、", ")", "】")


def _normalized(raw: Any, where: str, *, boundaries: bool = False) -> tuple[str, ...]:
    out: list[str] = []
    for phrase in _strings(raw, where):
        anchored = boundaries and phrase.startswith("^")
        normalized = normalize_pattern(phrase[1:] if anchored else phrase)
        if not normalized:
            raise RulePackError(f"{where}: {phrase!r} is empty after normalisation")
        if anchored:
            out.extend(boundary + normalized for boundary in BOUNDARIES)
        else:
            out.append(normalized)
    return tuple(dict.fromkeys(out))


def _regex(
    raw: Any,
    where: str,
    anchor: Literal["start", "end"],
    lexicons: Mapping[str, tuple[str, ...]] | None = None,
) -> re.Pattern[str] | None:
    expressions = _strings(raw, where)
    if not expressions:
        return None
    alternation = "|".join(f"(?:{_expand(expression, lexicons or {}, where)})" for expression in expressions)
    source = f"^(?:{alternation})" if anchor == "start" else f"(?:{alternation})$"
    try:
        return re.compile(source)
    except re.error as error:
        raise RulePackError(f"{where}: {error}") from error


_PLACEHOLDER = re.compile(r"\{([A-Z][A-Z0-9_]*)\}")


def _expand(expression: str, lexicons: Mapping[str, tuple[str, ...]], where: str) -> str:
    """Replace ``{NAME}`` by an alternation of lexicon NAME (regex quantifiers like ``{0,6}`` stay)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in lexicons:
            raise RulePackError(f"{where}: unknown lexicon {name!r}")
        words = sorted(lexicons[name], key=len, reverse=True)
        return "(?:" + "|".join(re.escape(word) for word in words) + ")"

    return _PLACEHOLDER.sub(replace, expression)


def _frame_regex(
    raw: Any, where: str, anchor: Literal["start", "end"], lexicons: Mapping[str, tuple[str, ...]]
) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise RulePackError(f"{where}: a frame regex is a non-empty string")
    source = _expand(raw, lexicons, where)
    if anchor == "start" and not source.startswith("^"):
        source = "^(?:" + source + ")"
    if anchor == "end":
        # matched with ``match``: the greedy prefix makes group 1 the frame nearest the anchor
        source = "(?s:.*)(" + (source[:-1] if source.endswith("$") else source) + ")$"
    try:
        return re.compile(source)
    except re.error as error:
        raise RulePackError(f"{where}: {error}") from error


def _frames(raw: Any, where: str, lexicons: Mapping[str, tuple[str, ...]]) -> tuple[Frame, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise RulePackError(f"{where}: frames is a non-empty list")
    frames = []
    for number, item in enumerate(raw):
        here = f"{where}, frame {number}"
        if not isinstance(item, dict) or not item or set(item) - {"before", "after"}:
            raise RulePackError(f"{here}: a frame has 'before' and/or 'after'")
        before = _frame_regex(item.get("before"), here, "end", lexicons)
        frames.append(
            Frame(
                before=before,
                after=_frame_regex(item.get("after"), here, "start", lexicons),
                before_search=None if before is None else re.compile(before.pattern[len("(?s:.*)") :]),
            )
        )
    return tuple(frames)


def _lexicons(raw: Any, source: str) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RulePackError(f"{source}: lexicons map NAME to a list of words")
    lexicons: dict[str, tuple[str, ...]] = {}
    for name, words in raw.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
            raise RulePackError(f"{source}: lexicon names are UPPER_CASE, got {name!r}")
        lexicons[name] = _normalized(words, f"{source}, lexicon {name}")
        if not lexicons[name]:
            raise RulePackError(f"{source}: lexicon {name} is empty")
    return lexicons


def _allow(raw: Any, where: str, lexicons: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Allow phrases; ``@NAME`` stands for every word of lexicon NAME (a class rule anchored on a suffix
    leaves the words another rule already reads to that rule)."""
    words: list[str] = []
    phrases: list[str] = []
    for phrase in _strings(raw, where):
        if phrase.startswith("@"):
            if phrase[1:] not in lexicons:
                raise RulePackError(f"{where}: unknown lexicon {phrase[1:]!r}")
            words.extend(lexicons[phrase[1:]])
        else:
            phrases.append(phrase)
    return tuple(dict.fromkeys(words + list(_normalized(phrases or None, where, boundaries=True))))


def _terms(raw: Any, where: str, lexicons: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    out: list[str] = []
    plain: list[str] = []
    for term in _strings(raw, where):
        if term.startswith("@"):
            if term[1:] not in lexicons:
                raise RulePackError(f"{where}: unknown lexicon {term[1:]!r}")
            out.extend(lexicons[term[1:]])
        else:
            plain.append(term)
    out.extend(_normalized(plain or None, where))
    return tuple(dict.fromkeys(out))


@cache
def pinyin_table() -> dict[str, tuple[str, ...]]:
    """Character -> toneless pinyin readings, from ``packs/pinyin.txt``."""
    table: dict[str, tuple[str, ...]] = {}
    with (PACKS_DIR / "pinyin.txt").open(encoding="utf-8") as handle:
        for line in handle:
            char, _, readings = line.rstrip("\n").partition("\t")
            if char and readings:
                table[char] = tuple(readings.split(","))
    return table


def pinyin_spellings(term: str) -> list[str]:
    """``term`` with one or two Chinese characters in pinyin, keeping at least one in Chinese (降xue糖)."""
    table = pinyin_table()
    positions = [index for index, char in enumerate(term) if char in table]
    out: list[str] = []
    for count in (1, 2):
        if count >= len(positions):
            break
        for chosen in combinations(positions, count):
            for readings in product(*(table[term[index]] for index in chosen)):
                chars = list(term)
                for index, reading in zip(chosen, readings, strict=True):
                    chars[index] = reading
                out.append("".join(chars))
    return out


def _citation(raw: Any, where: str) -> Citation:
    if (
        not isinstance(raw, dict)
        or raw.get("law") not in LAW_NAMES
        or not isinstance(raw.get("article"), int)
    ):
        raise RulePackError(f"{where}: citation needs law (one of {sorted(LAW_NAMES)}) and article")
    unknown = set(raw) - {"law", "article", "paragraph", "item"}
    if unknown:
        raise RulePackError(f"{where}: unknown citation keys {sorted(unknown)}")
    return Citation(
        law=raw["law"], article=raw["article"], paragraph=raw.get("paragraph"), item=raw.get("item")
    )


def _categories(raw: Any, where: str) -> frozenset[str]:
    values = _strings(raw, where)
    unknown = set(values) - set(CATEGORIES)
    if unknown:
        raise RulePackError(f"{where}: unknown categories {sorted(unknown)}")
    return frozenset(values)


_RULE_KEYS = {
    "id", "title", "severity", "citation", "terms", "fields", "categories_exclude", "categories_only",
    "severity_by_category", "citation_by_category", "allow", "review", "allow_before", "allow_after",
    "review_before", "review_after", "allow_if_document", "review_if_document", "frames", "window",
    "exempt_names", "answered_in_item", "pinyin_spellings",
}  # fmt: skip


def _rule(raw: Any, pack: str, version: str, lexicons: Mapping[str, tuple[str, ...]] | None = None) -> Rule:
    lexicons = lexicons or {}
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise RulePackError(f"pack {pack}: every rule needs an id")
    where = f"pack {pack}, rule {raw['id']}"
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise RulePackError(f"{where}: unknown keys {sorted(unknown)}")
    severity = raw.get("severity")
    if severity not in SEVERITIES:
        raise RulePackError(f"{where}: severity must be block or review")
    terms = _terms(raw.get("terms"), f"{where}, terms", lexicons)
    if not terms:
        raise RulePackError(f"{where}: no terms")
    fields = _strings(raw.get("fields"), f"{where}, fields") or FIELDS
    if set(fields) - set(FIELDS):
        raise RulePackError(f"{where}: fields must be title and/or description")
    by_category = raw.get("severity_by_category") or {}
    if not isinstance(by_category, dict) or not all(
        key in CATEGORIES and value in SEVERITIES for key, value in by_category.items()
    ):
        raise RulePackError(f"{where}: severity_by_category maps categories to block/review")
    citations = raw.get("citation_by_category") or {}
    if not isinstance(citations, dict) or set(citations) - set(CATEGORIES):
        raise RulePackError(f"{where}: citation_by_category maps categories to citations")
    only = raw.get("categories_only")
    window = raw.get("window", 24)
    if not isinstance(window, int) or not 4 <= window <= 64:
        raise RulePackError(f"{where}: window is an integer from 4 to 64")
    exempt_names = raw.get("exempt_names", False)
    if not isinstance(exempt_names, bool):
        raise RulePackError(f"{where}: exempt_names is true or false")
    answered_in_item = raw.get("answered_in_item", False)
    if not isinstance(answered_in_item, bool):
        raise RulePackError(f"{where}: answered_in_item is true or false")
    spellings = raw.get("pinyin_spellings", False)
    if not isinstance(spellings, bool):
        raise RulePackError(f"{where}: pinyin_spellings is true or false")
    if spellings:
        terms = tuple(dict.fromkeys(terms + tuple(s for term in terms for s in pinyin_spellings(term))))
    return Rule(
        id=raw["id"],
        pack=pack,
        pack_version=version,
        title=str(raw.get("title", raw["id"])),
        severity=severity,
        citation=_citation(raw.get("citation"), where),
        terms=terms,
        fields=frozenset(fields),
        categories_exclude=_categories(raw.get("categories_exclude"), f"{where}, categories_exclude"),
        categories_only=None if only is None else _categories(only, f"{where}, categories_only"),
        severity_by_category=dict(by_category),
        citation_by_category={key: _citation(value, where) for key, value in citations.items()},
        allow=_allow(raw.get("allow"), f"{where}, allow", lexicons),
        review=_normalized(raw.get("review"), f"{where}, review", boundaries=True),
        allow_before=_regex(raw.get("allow_before"), f"{where}, allow_before", "end", lexicons),
        allow_after=_regex(raw.get("allow_after"), f"{where}, allow_after", "start", lexicons),
        review_before=_regex(raw.get("review_before"), f"{where}, review_before", "end", lexicons),
        review_after=_regex(raw.get("review_after"), f"{where}, review_after", "start", lexicons),
        allow_if_document=_normalized(raw.get("allow_if_document"), f"{where}, allow_if_document"),
        review_if_document=_normalized(raw.get("review_if_document"), f"{where}, review_if_document"),
        frames=_frames(raw.get("frames"), f"{where}, frames", lexicons),
        window=window,
        exempt_names=exempt_names,
        answered_in_item=answered_in_item,
        pinyin_spellings=spellings,
    )


def parse_pack(document: Any, source: str) -> Pack:
    """Validate one parsed YAML document; raise :class:`RulePackError` naming what is wrong."""
    if not isinstance(document, dict):
        raise RulePackError(f"{source}: a pack is a mapping")
    name, version, rules = document.get("pack"), document.get("version"), document.get("rules")
    if not isinstance(name, str) or not isinstance(version, str | int | float) or not isinstance(rules, list):
        raise RulePackError(f"{source}: a pack needs pack (name), version and rules")
    lexicons = _lexicons(document.get("lexicons"), source)
    return Pack(
        name=name,
        version=str(version),
        rules=tuple(_rule(raw, name, str(version), lexicons) for raw in rules),
    )


def load_packs(paths: Sequence[Path] | None = None) -> tuple[Pack, ...]:
    """Load the packs (default: every ``*.yaml`` in the packs directory), checking ids are unique."""
    files = sorted(PACKS_DIR.glob("*.yaml")) if paths is None else list(paths)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    packs = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            packs.append(parse_pack(yaml.load(handle, Loader=loader), path.name))
    seen: set[str] = set()
    for pack in packs:
        for rule in pack.rules:
            if rule.id in seen:
                raise RulePackError(f"duplicate rule id {rule.id}")
            seen.add(rule.id)
    return tuple(packs)
