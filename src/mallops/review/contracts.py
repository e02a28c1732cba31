"""Typed inputs of the review services (shared by the API and the console)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ManualFinding:
    """A finding a reviewer cites when rejecting, in the shape of an automated one.

    ``field`` is a field path of the version's snapshot (``title``, ``selling_points[0]``,
    ``description.usage``, ...); ``text`` the quoted span inside it (its first occurrence at or after
    ``start``), empty for a finding on the whole field; ``article`` the legal basis, by default the one the
    rule cites.
    """

    rule: str
    field: str
    text: str = ""
    start: int | None = None
    article: str = ""
    message: str = ""
