"""Write ``src/mallops/compliance/packs/pinyin.txt`` (not a test; run it by hand when lexicons change).

    PYTHONPATH=/path/to/pypinyin .venv/bin/python tests/compliance/make_pinyin_table.py

The engine reads pinyin spellings of the words of rules that say ``pinyin_spellings: true`` (降xue糖 for
降血糖, 三gao for 三高) from that table, so the engine itself needs no pinyin library. The table lists every
Chinese character of every term and lexicon word in the packs with all its toneless readings (a merchant
who spells 长高 as zhang高 uses the reading of the word, so every reading is kept).
``test_compliance_pinyin.py`` fails when a pinyin rule has a character the table lacks.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from pypinyin import Style, pinyin

PACKS = Path(__file__).resolve().parents[2] / "src" / "mallops" / "compliance" / "packs"


def words(node: object) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, list):
        return set().union(*(words(item) for item in node)) if node else set()
    if isinstance(node, dict):
        return set().union(*(words(value) for value in node.values())) if node else set()
    return set()


def main() -> int:
    characters: set[str] = set()
    for path in sorted(PACKS.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        sources = [document.get("lexicons") or {}] + [rule.get("terms") or [] for rule in document["rules"]]
        for text in words(sources):
            characters.update(char for char in text if "\u4e00" <= char <= "\u9fff")
    lines = []
    for char in sorted(characters):
        readings = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
        readings = sorted({reading.replace("ü", "v") for reading in readings if reading.isascii()})
        if readings:
            lines.append(f"{char}\t{','.join(readings)}")
    (PACKS / "pinyin.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} characters", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
