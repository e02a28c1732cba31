from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mallops.privacy.masking import (
    MASKERS,
    REDACTED,
    mask_address,
    mask_card_number,
    mask_email,
    mask_id_number,
    mask_name,
    mask_phone,
)

pytestmark = pytest.mark.req("R7.3.1")


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812341234", "138****1234"),
        ("+86 138-1234-1234", "138****1234"),
        ("8613812341234", "138****1234"),
        ("138****1234", "138****1234"),
        ("010-12345678", "010****5678"),
        ("12345678", "****5678"),
        ("12345", "****5"),
        ("1234", "****"),
        ("电话", REDACTED),
    ],
)
def test_mask_phone(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张三", "张*"),
        ("张三丰", "张**"),
        ("欧阳娜娜", "欧***"),
        ("张", "*"),
        ("Al", "A*"),
        ("Li Na", "L* **"),
        ("买买提·艾力", "买**·**"),
        ("  王五 ", "王*"),
    ],
)
def test_mask_name(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("110101199001011234", "110***********1234"),
        ("11010119900101123x", "110***********123X"),
        ("110101900101123", "110********1123"),
        ("E12345678", "E****5678"),
    ],
)
def test_mask_id_number(raw: str, masked: str) -> None:
    assert mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("北京市朝阳区建国路88号SOHO现代城", "北京市朝阳区"),
        ("广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市青秀区"),
        ("上海市浦东新区世纪大道1号", "上海市浦东新区"),
        ("浙江省杭州市西湖区文三路90号", "浙江省杭州市西湖区"),
        ("江苏省苏州市昆山市玉山镇前进中路", "江苏省苏州市昆山市"),
        ("内蒙古自治区锡林郭勒盟锡林浩特市", "内蒙古自治区锡林郭勒盟锡林浩特市"),
        ("吉林省延边朝鲜族自治州延吉市建工街道", "吉林省延边朝鲜族自治州延吉市"),
        ("西藏自治区阿里地区噶尔县狮泉河镇", "西藏自治区阿里地区噶尔县"),
        ("新疆维吾尔自治区乌鲁木齐市天山区", "新疆维吾尔自治区乌鲁木齐市天山区"),
        ("云南省临沧市双江拉祜族佤族布朗族傣族自治县勐勐镇", "云南省临沧市双江拉祜族佤族布朗族傣族自治县"),
        ("香港特别行政区九龙城区太子道", "香港特别行政区九龙城区"),
        ("河南省济源市天坛街道", "河南省济源市"),
        ("济南市市中区经十路", "济南市市中区"),
        ("湖北省荆州市沙市区北京路", "湖北省荆州市沙市区"),
        ("杭州市西溪诚园小区3幢", "杭州市"),
        ("杭州市万科城市花园", "杭州市"),
        ("朝阳区建国路", "朝阳区"),
        ("Room 5, 88 Jianguo Road", REDACTED),
    ],
)
def test_mask_address_cuts_to_district(raw: str, masked: str) -> None:
    assert mask_address(raw) == masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("zhangsan@example.com", "z***@example.com"),
        ("a@example.com", "***@example.com"),
        ("z***@example.com", "z***@example.com"),
        ("not-an-email", REDACTED),
    ],
)
def test_mask_email(raw: str, masked: str) -> None:
    assert mask_email(raw) == masked


def test_card_number_shows_last_four() -> None:
    assert mask_card_number("6222 0212 3456 7890 123") == "***************0123"


@pytest.mark.parametrize("kind", sorted(MASKERS))
def test_none_and_empty_pass_through(kind: str) -> None:
    assert MASKERS[kind](None) is None
    assert MASKERS[kind]("") == ""


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
id_numbers = st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(mobiles)
def test_phone_mask_reveals_at_most_seven_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked is not None
    assert masked == phone[:3] + "****" + phone[-4:]
    assert mask_phone(masked) == masked


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789 -+*", max_size=30))
def test_any_phone_input_hides_at_least_four(raw: str) -> None:
    masked = mask_phone(raw)
    if not raw:
        return
    assert masked is not None
    assert masked == REDACTED or masked.count("*") >= min(4, len(masked))
    assert sum(c.isdigit() for c in masked) <= 7
    assert mask_phone(masked) == masked


@settings(max_examples=200, deadline=None)
@given(id_numbers)
def test_id_mask_keeps_region_and_last_four(number: str) -> None:
    masked = mask_id_number(number)
    assert masked == number[:3] + "*" * 11 + number[-4:]
    assert mask_id_number(masked) == masked


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_name_mask_shows_at_most_one_character(name: str) -> None:
    masked = mask_name(name)
    assert masked is not None
    visible = [c for c in masked if c not in "* ·•.-'"]
    assert len(visible) <= 1
    assert mask_name(masked) == masked or masked == REDACTED


_PREFIXES = [
    "北京市", "上海市",
    "浙江省杭州市", "广东省广州市", "广西壮族自治区南宁市", "宁夏回族自治区银川市", "吉林省延边朝鲜族自治州",
    "杭州市", "广州市", "",
]  # fmt: skip
_DISTRICTS = ["西湖区", "天河区", "青秀区", "兴庆区", "安吉县", "朝阳区", "延吉市", ""]
_STREETS = [
    "建国路",
    "文三路",
    "人民大道",
    "88号",
    "3栋",
    "前进村",
    "玉山镇",
    "中关村大街",
    "幸福里弄",
    "天坛街道",
]
_TAILS = st.tuples(
    st.sampled_from(_STREETS),
    st.text(alphabet="路街道号弄巷村栋楼室幢0123456789ABC花园小区大厦单元", max_size=20),
).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_PREFIXES), st.sampled_from(_DISTRICTS), _TAILS)
def test_address_mask_never_shows_below_district(prefix: str, district: str, tail: str) -> None:
    address = prefix + district + tail
    masked = mask_address(address)
    assert masked is not None
    assert masked == REDACTED or address.startswith(masked)
    assert len(masked) <= len(prefix + district) or masked == REDACTED
    assert not re.search(r"[0-9路街道号弄巷村栋楼室幢镇]", masked)
    assert mask_address(masked) == masked


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_address_mask_is_a_prefix_without_numbers(address: str) -> None:
    masked = mask_address(address)
    if not address:
        return
    assert masked is not None
    assert masked == REDACTED or address.strip().startswith(masked)
    assert not any(c.isdigit() for c in masked)
