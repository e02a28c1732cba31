"""console.css: the toast stack never covers the page header's primary action; a grid keeps its distance."""

from __future__ import annotations

import re
from pathlib import Path

import mallops.console

CSS = (Path(mallops.console.__file__).parent / "static" / "console" / "console.css").read_text(
    encoding="utf-8"
)


def _rule(selector: str) -> dict[str, str]:
    """The declarations of the first top-level rule whose selector is exactly ``selector``."""
    match = re.search(r"(?:^|\n)" + re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert match, selector
    pairs = (d.split(":", 1) for d in match.group(1).split(";") if ":" in d)
    return {k.strip(): v.strip() for k, v in pairs}


def test_toasts_sit_bottom_right_clear_of_the_page_header() -> None:
    toasts = _rule(".toasts")
    assert toasts["position"] == "fixed"
    assert toasts["bottom"] == "16px" and toasts["right"] == "16px"
    assert "top" not in toasts


def test_a_card_after_a_grid_keeps_its_distance_but_form_rows_do_not_grow() -> None:
    assert _rule(".grid")["margin-bottom"] == "16px"
    assert _rule(".grid > .card")["margin-bottom"] == "0"
    assert _rule("form .grid")["margin-bottom"] == "0"


def test_ticket_pages_split_into_a_main_column_and_a_side_panel_stacked_on_phones() -> None:
    assert _rule(".split")["grid-template-columns"] == "minmax(0, 2fr) minmax(0, 1fr)"
    assert "@media (max-width: 768px) { .split { grid-template-columns: minmax(0, 1fr); } }" in CSS
