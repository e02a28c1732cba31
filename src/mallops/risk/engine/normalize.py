"""Normalisation of delivery addresses and review texts before they are compared.

Full-width characters become half-width (NFKC folds the width, e.g. ``Ａ１`` to ``A1`` and ``，`` to ``,``),
then every whitespace and punctuation character (Unicode categories ``Z*``, ``P*`` and the control
characters) is dropped and the rest is case-folded. Device ids are compared as given.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


class _DropTable(dict[int, int | None]):
    """``str.translate`` table that decides each code point once: dropped (None) or kept."""

    def __missing__(self, code: int) -> int | None:
        char = chr(code)
        category = unicodedata.category(char)
        keep = not (char.isspace() or category[0] in "PZ" or category == "Cc")
        result = code if keep else None
        self[code] = result
        return result


_DROP = _DropTable()


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """The comparison key of an address or a review text ('' when nothing is left)."""
    return unicodedata.normalize("NFKC", text).translate(_DROP).casefold()
