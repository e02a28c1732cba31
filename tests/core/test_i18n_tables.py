"""One English text, one Chinese text: the zh-hans catalogue is a single table built from every app's
``zh_Hans.json`` (scripts/i18n.py, later apps and the shared table win a clash), so two apps translating the
same msgid differently means one of them shows the other's word (an 'Open' link read 处理中, a coupon's
'Used' read 使用次数). A clash must be resolved: the same translation, or a more precise msgid in one app.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "mallops"

# Clashes read through and accepted: the winning word is right, or near enough, on every page that uses it.
ACCEPTED = {
    "Reason for rejecting", "No requests.", "Key", "Orders per day", "Show", "Updated", "Score", "Buyers",
    "GMV", "Order placed", "Orders", "Paid orders", "Segment", "Value", "Reason", "Remove", "Paid at",
    "Assign to", "Data-subject request overdue", "SLA policy", "Text", "Code",
    "Due", "Record", "Reject", "Result", "Findings", "History", "Level", "Regulator", "Size", "Timeline",
    "Threshold", "Live", "Review", "Assign", "Follow-up", "Approved", "Approve", "Approved by",
    "In review", "The action was refused.", "Words found",
}  # fmt: skip


def _clashes() -> dict[str, dict[str, str]]:
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for table in sorted(SRC.glob("*/zh_Hans.json")):
        for english, chinese in json.loads(table.read_text(encoding="utf-8")).items():
            seen[english][table.parent.name] = chinese
    return {english: by_app for english, by_app in seen.items() if len(set(by_app.values())) > 1}


def test_no_msgid_has_two_different_translations_unless_read_and_accepted() -> None:
    unresolved = {english: by_app for english, by_app in _clashes().items() if english not in ACCEPTED}
    assert unresolved == {}


def test_the_accepted_list_names_only_clashes_that_still_exist() -> None:
    assert sorted(ACCEPTED - set(_clashes())) == []
