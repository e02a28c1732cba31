"""Turn engine problem paths (``items[3].title``) into problem+json ``loc`` lists."""

from __future__ import annotations

import re

from mallops.core.errors import FieldError

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def path_to_loc(path: str, root: str = "body") -> tuple[str | int, ...]:
    loc: list[str | int] = [root]
    if path in {"", "$"}:
        return tuple(loc)
    for name, index in _PART.findall(path.removeprefix("$").lstrip(".")):
        loc.append(int(index) if index else name)
    return tuple(loc)


def problems_to_errors(problems: list[tuple[str, str]], code: str = "invalid") -> list[FieldError]:
    return [FieldError(loc=path_to_loc(path), msg=message, code=code) for path, message in problems]
