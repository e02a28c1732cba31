"""A category's attribute schema as data, and the two rules it carries (pure: no Django).

A schema entry is stored in ``Category.required_attributes`` as a JSON object::

    {"key": "shelf_life", "label": "保质期", "type": "text", "required": true, "unit": "", "choices": []}

Entries written before the schema editor existed hold only ``key`` and ``label``: they read as required
text attributes. ``type`` is ``text`` (any text), ``number`` (a decimal number, optionally followed by the
unit: ``180`` or ``180天``) or ``choice`` (one of ``choices``).

:func:`map_attribute_names` lets a merchant key an attribute by its Chinese name (``保质期=180天``): the
value is stored under the schema key, so the completeness check finds it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ATTRIBUTE_TYPES = ("text", "number", "choice")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
MAX_LABEL = 40
MAX_UNIT = 16
MAX_CHOICES = 50
MAX_CHOICE = 40

# full-width forms a merchant may type for the brackets of a label such as 食品生产许可证编号(SC)
_FOLD = str.maketrans({"（": "(", "）": ")", "　": " "})


@dataclass(frozen=True)
class AttributeSpec:
    key: str
    label: str
    type: str = "text"
    required: bool = True
    unit: str = ""
    choices: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "type": self.type,
            "required": self.required,
            "unit": self.unit,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Problem:
    """A problem with one attribute: where (path below the attributes object), message, stable code."""

    where: tuple[str | int, ...]
    message: str
    code: str


def spec_of(raw: Mapping[str, Any]) -> AttributeSpec:
    """A stored entry read with the defaults of the pre-editor shape (required text)."""
    return AttributeSpec(
        key=str(raw["key"]),
        label=str(raw.get("label", raw["key"])),
        type=str(raw.get("type", "text")),
        required=bool(raw.get("required", True)),
        unit=str(raw.get("unit", "")),
        choices=tuple(str(c) for c in raw.get("choices", ())),
    )


def _name(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(_FOLD))


def _short(label: str) -> str:
    """The label without a trailing bracketed remark: 食品生产许可证编号(SC) → 食品生产许可证编号."""
    return re.sub(r"\([^()]*\)$", "", _name(label))


def validate_schema(specs: list[AttributeSpec], inherited: Iterable[AttributeSpec] = ()) -> list[Problem]:
    """Problems with a category's own entries (``inherited``: the ancestors' and descendants' entries,
    whose keys and names must not be reused, so a Chinese name maps to exactly one key)."""
    problems: list[Problem] = []
    taken_keys = {s.key: s.label for s in inherited}
    taken_names = {_name(s.label): s.label for s in inherited}
    seen_keys: set[str] = set()
    seen_names: set[str] = set()
    for index, spec in enumerate(specs):
        if not KEY_RE.match(spec.key):
            problems.append(
                Problem((index, "key"), "lower-case letters, digits and _, starting with a letter", "invalid")
            )
        elif spec.key in seen_keys or spec.key in taken_keys:
            problems.append(Problem((index, "key"), f"the key {spec.key!r} is already used", "duplicate"))
        seen_keys.add(spec.key)
        name = _name(spec.label)
        if not name:
            problems.append(Problem((index, "label"), "the name is required", "required"))
        elif len(spec.label) > MAX_LABEL:
            problems.append(Problem((index, "label"), f"at most {MAX_LABEL} characters", "too_long"))
        elif name in seen_names or name in taken_names:
            problems.append(
                Problem((index, "label"), f"the name {spec.label!r} is already used", "duplicate")
            )
        seen_names.add(name)
        if spec.type not in ATTRIBUTE_TYPES:
            problems.append(Problem((index, "type"), "text, number or choice", "invalid_choice"))
        if len(spec.unit) > MAX_UNIT:
            problems.append(Problem((index, "unit"), f"at most {MAX_UNIT} characters", "too_long"))
        if spec.type == "choice":
            if not spec.choices:
                problems.append(
                    Problem((index, "choices"), "a choice attribute needs its choices", "required")
                )
            elif len(spec.choices) > MAX_CHOICES or any(
                not c.strip() or len(c) > MAX_CHOICE for c in spec.choices
            ):
                problems.append(
                    Problem(
                        (index, "choices"),
                        f"up to {MAX_CHOICES} choices of 1 to {MAX_CHOICE} characters",
                        "invalid",
                    )
                )
            elif len(set(spec.choices)) != len(spec.choices):
                problems.append(Problem((index, "choices"), "each choice once", "duplicate"))
        elif spec.choices:
            problems.append(Problem((index, "choices"), "only a choice attribute has choices", "invalid"))
    return problems


def map_attribute_names(
    attributes: Mapping[str, str], specs: list[AttributeSpec]
) -> tuple[dict[str, str], list[Problem]]:
    """Attributes with keys given by Chinese name moved to their schema key, and the values checked
    against the entry's type. Keys that are neither a schema key nor a schema name stay as they are
    (free attributes such as 品牌). Giving one attribute twice (by key and by name) is refused."""
    by_key = {s.key: s for s in specs}
    by_name: dict[str, AttributeSpec] = {}
    for entry in specs:
        by_name.setdefault(_name(entry.label), entry)
        by_name.setdefault(_short(entry.label), entry)
    mapped: dict[str, str] = {}
    given_as: dict[str, str] = {}
    problems: list[Problem] = []
    for raw_key, raw_value in attributes.items():
        value = str(raw_value).strip()
        spec: AttributeSpec | None = (
            by_key.get(raw_key) or by_name.get(_name(raw_key)) or by_name.get(_short(raw_key))
        )
        key = spec.key if spec is not None else raw_key.strip()
        if key in given_as:
            problems.append(
                Problem(
                    (raw_key,),
                    f"{spec.label if spec else key} is given twice ({given_as[key]!r} and {raw_key!r})",
                    "duplicate",
                )
            )
            continue
        given_as[key] = raw_key
        if spec is not None and value:
            problem = _check_value(spec, value, raw_key)
            if problem is not None:
                problems.append(problem)
                continue
        mapped[key] = value
    return mapped, problems


def _check_value(spec: AttributeSpec, value: str, where: str) -> Problem | None:
    if spec.type == "number":
        number = value[: -len(spec.unit)].strip() if spec.unit and value.endswith(spec.unit) else value
        if not NUMBER_RE.match(number):
            unit = f" (in {spec.unit})" if spec.unit else ""
            return Problem((where,), f"{spec.label}: a number{unit}, got {value!r}", "not_a_number")
    if spec.type == "choice" and value not in spec.choices:
        return Problem((where,), f"{spec.label}: one of {'、'.join(spec.choices)}", "invalid_choice")
    return None
