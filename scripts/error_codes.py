"""Write (or check) the list of problem codes in docs/api.md from the per-app enums (issue 16).

    .venv/bin/python scripts/error_codes.py           # rewrite the block between the error-codes markers
    .venv/bin/python scripts/error_codes.py --check   # exit 1 when docs/api.md differs from the enums

The enums are ``mallops.<app>.errors`` (``ProblemCode`` subclasses) and ``mallops.core.codes.CoreCode``;
the rendering is ``mallops.core.codes.render_markdown`` (tests/core/test_error_codes.py compares them).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mallops.core.codes import render_markdown, replace_between_markers  # noqa: E402

API_MD = ROOT / "docs" / "api.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/api.md is out of date")
    args = parser.parse_args(argv)
    text = API_MD.read_text(encoding="utf-8")
    wanted = replace_between_markers(text, render_markdown())
    if args.check:
        if wanted != text:
            print(
                "docs/api.md differs from the error-code enums: run scripts/error_codes.py", file=sys.stderr
            )
            return 1
        return 0
    if wanted != text:
        API_MD.write_text(wanted, encoding="utf-8")
        print("docs/api.md: error codes rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
