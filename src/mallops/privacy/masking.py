"""Display masks for personal data (GB/T 35273 §7.2: de-identify what screens show).

Pure functions, no Django. Every mask is idempotent (masking a masked value gives the same value) and
fails closed: input it cannot read comes back as ``REDACTED`` rather than unmasked. ``None`` stays
``None`` and ``""`` stays ``""`` so "not given" remains distinguishable from "hidden".

House conventions (guide/regulations.md, GB35273 display row): phone ``138****1234``, name ``张*``,
ID number ``110***********1234``, address cut to the district, card numbers show the last 4.
"""

from __future__ import annotations

import re
from collections.abc import Callable

REDACTED = "***"
_STAR = "*"


def _keep_ends(chars: str) -> str:
    """Hide the middle of a number-like string: at least 4 characters and never fewer than n - 7.

    For 11 characters (a mainland mobile) that is 3 + 4 hidden + 4; for 18 (an ID number) 3 + 11 + 4; short
    values keep at most their last 4 and always hide at least 4 characters.
    """
    n = len(chars)
    hidden = max(4, n - 7)
    if hidden >= n:
        return _STAR * n
    last = min(4, n - hidden)
    first = n - hidden - last
    return chars[:first] + _STAR * hidden + chars[n - last :]


def mask_phone(value: str | None) -> str | None:
    """``13812341234`` / ``+86 138-1234-1234`` -> ``138****1234``; landlines keep the same shape rule.

    Separators and a leading ``+86``/``86`` country code on an 11-digit mobile are dropped.
    """
    if not value:
        return value
    chars = "".join(c for c in value if c.isdigit() or c == _STAR)
    if len(chars) == 13 and chars.startswith("861"):
        chars = chars[2:]
    if not chars:
        return REDACTED
    return _keep_ends(chars)


def mask_id_number(value: str | None) -> str | None:
    """``110101199001011234`` -> ``110***********1234``; 15-digit IDs and passports by the same rule."""
    if not value:
        return value
    chars = "".join(c.upper() for c in value if c.isalnum() or c == _STAR)
    if not chars:
        return REDACTED
    return _keep_ends(chars)


def mask_card_number(value: str | None) -> str | None:
    """Bank card: only the last 4 digits, e.g. ``6222021234567890123`` -> ``***************0123``."""
    if not value:
        return value
    chars = "".join(c for c in value if c.isdigit() or c == _STAR)
    if len(chars) <= 8:
        return REDACTED
    return _STAR * (len(chars) - 4) + chars[-4:]


_NAME_SEPARATORS = frozenset(" ·•.-'")


def mask_name(value: str | None) -> str | None:
    """Keep the first character, hide the rest: ``张三`` -> ``张*``, ``张三丰`` -> ``张**``.

    Latin names follow the same rule over the whole string, keeping separators so the shape survives:
    ``Li Na`` -> ``L* **``, ``Al`` -> ``A*``. A one-character name is hidden entirely (``*``): keeping
    its first character would show all of it. Compound surnames (欧阳) keep only their first character,
    which reveals less.
    """
    if not value:
        return value
    text = value.strip()
    if not text:
        return REDACTED
    letters = [c for c in text if c not in _NAME_SEPARATORS]
    if len(letters) <= 1:
        return _STAR
    out: list[str] = []
    kept = False
    for char in text:
        if char in _NAME_SEPARATORS:
            out.append(char)
        elif not kept:
            out.append(char)
            kept = True
        else:
            out.append(_STAR)
    return "".join(out)


def mask_email(value: str | None) -> str | None:
    """``zhangsan@example.com`` -> ``z***@example.com`` (the local part's length is hidden too)."""
    if not value:
        return value
    local, at, domain = value.strip().rpartition("@")
    if not at or not domain:
        return REDACTED
    if len(local) < 2 or set(local) == {_STAR} or local[0] == _STAR:
        return f"{REDACTED}@{domain}"
    return f"{local[0]}{REDACTED}@{domain}"


# --- addresses -------------------------------------------------------------------------------------------

_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
# Characters that never occur inside an administrative-unit name: digits, spaces and the markers of
# street-level parts (road, lane, number, building, village, town). Hitting one ends the parse.
_STOP = r"\s\d０-９A-Za-z路街道号弄巷村组栋楼室幢单元镇乡#()（）,，、"
_PROVINCE = re.compile(
    rf"(?P<municipality>(?:{'|'.join(_MUNICIPALITIES)})市?)"
    rf"|(?P<sar>(?:香港|澳门)(?:特别行政区)?)"
    rf"|(?P<province>[^{_STOP}省市区县]{{2,8}}?(?:省|自治区))"
)
_CITY = re.compile(rf"[^{_STOP}省区县]{{1,14}}?(?:自治州|地区|市|盟)")
_DISTRICT = re.compile(rf"[^{_STOP}省区县]{{1,14}}?(?:自治县|自治旗|林区|特区|新区|区|县|旗)")
# A county-level city (苏州市昆山市) is only read under a full province + prefecture prefix: without it a
# building or compound name ending in 市 (万科城市花园) would be taken for a unit.
_COUNTY_CITY = re.compile(rf"[^{_STOP}省区县市]{{1,6}}?市")
# Residential and functional areas that end in 区 but sit below the district: never shown.
_BELOW_DISTRICT = (
    "小区",
    "社区",
    "园区",
    "校区",
    "景区",
    "片区",
    "厂区",
    "生活区",
    "住宅区",
    "宿舍区",
    "商业区",
)


def mask_address(value: str | None) -> str | None:
    """Cut an address to its district: ``北京市朝阳区建国路88号SOHO现代城`` -> ``北京市朝阳区``.

    Reads at most province (省, 自治区, 直辖市, 特别行政区), prefecture (市, 自治州, 地区, 盟) and county
    (区, 县, 旗, 自治县 ...; a county-level 市 only after province and prefecture) from the start, in that order; a municipality or SAR is
    followed directly by its district. Parsing stops at the first street-level marker, so the result is
    always a prefix of the address made of administrative units only; when no unit is found the whole
    address is hidden (``***``). Parsing may stop early on unusual names (``沙市区`` gives ``…沙市``):
    that shows less than allowed. Without a gazetteer (GB/T 2260) this is a heuristic: a compound name
    ending in 区 right after the city (``…市某某城区``) would pass as a district.
    """
    if not value:
        return value
    text = value.strip()
    pos = 0
    shown: list[str] = []
    province = _PROVINCE.match(text)
    direct_district = False
    if province:
        shown.append(province.group(0))
        pos = province.end()
        direct_district = province.lastgroup in {"municipality", "sar"}
    city = None
    if not direct_district:
        city = _CITY.match(text, pos)
        if city:
            shown.append(city.group(0))
            pos = city.end()
    district = _DISTRICT.match(text, pos)
    if district is None and province and city:
        district = _COUNTY_CITY.match(text, pos)
    if district and not district.group(0).endswith(_BELOW_DISTRICT):
        shown.append(district.group(0))
    return "".join(shown) if shown else REDACTED


def redact(value: str | None) -> str | None:
    """Hide everything (gender, birthday, device ids ...)."""
    if not value:
        return value
    return REDACTED


def show(value: str | None) -> str | None:
    """No mask, for values already coarse enough to show (a province, a blind-index digest)."""
    return value


MASKERS: dict[str, Callable[[str | None], str | None]] = {
    "none": show,
    "phone": mask_phone,
    "name": mask_name,
    "id_number": mask_id_number,
    "card_number": mask_card_number,
    "address": mask_address,
    "email": mask_email,
    "redact": redact,
}


def mask(kind: str, value: str | None) -> str | None:
    """Apply the masker named ``kind``; an unknown name is a programming error (``KeyError``)."""
    return MASKERS[kind](value)
