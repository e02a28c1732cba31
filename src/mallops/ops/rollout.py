"""Gray-release arithmetic, pure Python (no Django): versions and the stable percentage rollout.

A subject (a merchant, a buyer or a staff member) falls in a bucket 0..9999 given by a SHA-256 of the flag
name, the subject's kind and its id. A flag at ``p`` % is on for the buckets below ``p * 100``, so raising
the percentage only adds subjects: whoever had the feature keeps it, and a subject's answer never depends
on the request, the process or the machine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

BUCKETS = 10_000
SubjectKind = Literal["merchant", "buyer", "staff"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("merchant", "buyer", "staff")

_VERSION = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")


@dataclass(frozen=True, slots=True)
class Subject:
    """Who asks: ``kind`` and the id of the merchant, the buyer (user id) or the staff member (user id)."""

    kind: SubjectKind
    id: int


def parse_version(text: str) -> tuple[int, int, int] | None:
    """``"1.4.0"`` -> ``(1, 4, 0)``; anything but MAJOR.MINOR.PATCH of plain decimals -> None."""
    match = _VERSION.fullmatch(text)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch)


def bucket(flag: str, subject: Subject) -> int:
    """The subject's stable bucket for this flag, 0 <= bucket < 10,000."""
    digest = hashlib.sha256(f"{flag}\x1f{subject.kind}\x1f{subject.id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def in_rollout(flag: str, subject: Subject, percentage: int) -> bool:
    """True when the subject's bucket lies under ``percentage`` % (0 -> nobody, 100 -> everybody)."""
    return bucket(flag, subject) < max(0, min(100, percentage)) * (BUCKETS // 100)


def decide(
    flag: str,
    subject: Subject | None,
    *,
    is_enabled: bool,
    percentage: int,
    cohorts: Mapping[str, Collection[int]],
) -> bool:
    """The answer of one flag: off when switched off; on for an explicit cohort member; else the percentage.

    Without a subject (a sweep, a command) only 100 % counts as on.
    """
    if not is_enabled:
        return False
    if subject is None:
        return percentage >= 100
    if subject.id in cohorts.get(subject.kind, ()):
        return True
    return in_rollout(flag, subject, percentage)
