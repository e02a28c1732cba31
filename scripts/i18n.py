"""Refresh the zh-hans translations: collect strings, fill them from src/mallops/locale/zh_Hans.json, compile.

Translations live in JSON files (English → 简体中文): the shared ``locale/zh_Hans.json`` and one
``<app>/zh_Hans.json`` per app, so several people can add strings without editing the .po by hand. Run `make i18n` after adding UI strings; the compiled .mo is committed so a machine
without gettext still shows Chinese.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "src" / "mallops"
PO = APP / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
FUZZY = re.compile(r'^#, fuzzy((?:, [^\n]*)?)\n(?:#\|[^\n]*\n)*(?=msgid "((?:[^"\\]|\\.)*)"\n)', re.M)
ENTRY = re.compile(r'(msgid "((?:[^"\\]|\\.)*)"\nmsgstr ")((?:[^"\\]|\\.)*)(")', re.M)
# zh-hans has one plural form: msgstr[0] is the table's translation of the plural (else the singular)
PLURAL = re.compile(
    r'(msgid "((?:[^"\\]|\\.)*)"\nmsgid_plural "((?:[^"\\]|\\.)*)"\nmsgstr\[0\] ")((?:[^"\\]|\\.)*)(")', re.M
)


def main() -> int:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mallops.settings"}
    env.setdefault("MALLOPS_DATA_DIR", str(ROOT / "var"))
    admin = [sys.executable, "-m", "django"]
    subprocess.run(
        [
            *admin,
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-wrap",  # one line per msgid, so the tables fill long strings too
            "-i",
            "compliance/engine/*",
            "-i",
            "pricing/engine/*",
            "-i",
            "analytics/store/*",
        ],
        cwd=APP,
        env=env,
        check=True,
    )
    # the shared table first; each app may keep its own <app>/zh_Hans.json (the shared one wins a clash)
    table: dict[str, str] = {}
    for app_table in sorted(APP.glob("*/zh_Hans.json")):
        if app_table.parent.name != "locale":
            table.update(json.loads(app_table.read_text(encoding="utf-8")))
    table.update(json.loads((APP / "locale" / "zh_Hans.json").read_text(encoding="utf-8")))
    text = PO.read_text(encoding="utf-8")
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        msgid = match.group(2)
        if not msgid:
            return match.group(0)
        source = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        translated = table.get(source)
        if translated is None:
            missing.append(source)
            return match.group(0)
        return match.group(1) + json.dumps(translated, ensure_ascii=False)[1:-1] + match.group(4)

    def settle(match: re.Match[str]) -> str:
        # msgmerge marks a new msgid "fuzzy" when an old one looks alike; the tables translate it exactly,
        # so the flag (which keeps the entry out of the .mo) and the previous msgid are dropped
        source = match.group(2).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
        if not source or source not in table:
            return match.group(0)
        return f"#{match.group(1)}\n" if match.group(1) else ""

    def fill_plural(match: re.Match[str]) -> str:
        singular, plural = (
            part.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            for part in match.group(2, 3)
        )
        translated = table.get(plural, table.get(singular))
        if translated is None:
            missing.append(plural)
            return match.group(0)
        return match.group(1) + json.dumps(translated, ensure_ascii=False)[1:-1] + match.group(5)

    text = ENTRY.sub(fill, text).replace("#, fuzzy\n", "", 1)
    text = PLURAL.sub(fill_plural, text)
    text = FUZZY.sub(settle, text)
    PO.write_text(text, encoding="utf-8")
    subprocess.run([*admin, "compilemessages", "-l", "zh_Hans"], cwd=APP, env=env, check=True)
    if missing:
        print(f"{len(missing)} strings without a translation in zh_Hans.json:")
        for source in missing:
            print("  ", source)
    return 0


if __name__ == "__main__":
    sys.exit(main())
