"""Channel attribution (R4.1.1): UTM parameters -> one channel group of the taxonomy.

The store keeps ``channel`` as ``<utm_source>/<medium>`` (paid mediums normalised to ``paid``, no UTM ->
``direct``). This module maps that to the taxonomy used in reports:

``search_ads``, ``social``, ``content``, ``live_streaming``, ``private_domain``, ``direct``, ``other``.

Rules, first match wins: a live medium (``live``, ``livestream``) or a live-commerce source -> live
streaming; private-domain sources or mediums (WeChat groups, WeCom, mini program, SMS, ``private``) ->
private domain; a search engine with a paid medium -> search ads; content platforms or a ``content``
medium -> content; social platforms or a ``social`` medium -> social; ``direct`` -> direct.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class ChannelGroup(StrEnum):
    SEARCH_ADS = "search_ads"
    SOCIAL = "social"
    CONTENT = "content"
    LIVE_STREAMING = "live_streaming"
    PRIVATE_DOMAIN = "private_domain"
    DIRECT = "direct"
    OTHER = "other"


LABELS: Final = {
    ChannelGroup.SEARCH_ADS: "搜索广告",
    ChannelGroup.SOCIAL: "社交媒体",
    ChannelGroup.CONTENT: "内容营销",
    ChannelGroup.LIVE_STREAMING: "直播",
    ChannelGroup.PRIVATE_DOMAIN: "私域",
    ChannelGroup.DIRECT: "直接访问",
    ChannelGroup.OTHER: "其他",
}

SEARCH_SOURCES: Final = frozenset(
    {"baidu", "sogou", "360", "so", "shenma", "bing", "google", "toutiao_search"}
)
SOCIAL_SOURCES: Final = frozenset({"weibo", "qq", "qzone", "douban", "tieba", "momo"})
CONTENT_SOURCES: Final = frozenset(
    {"xiaohongshu", "xhs", "zhihu", "bilibili", "douyin", "kuaishou", "toutiao"}
)
LIVE_SOURCES: Final = frozenset({"douyin_live", "kuaishou_live", "taobao_live", "live"})
PRIVATE_SOURCES: Final = frozenset(
    {"wechat", "weixin", "wecom", "qywx", "wechat_group", "miniprogram", "mini_program", "sms", "edm"}
)
LIVE_MEDIUMS: Final = frozenset({"live", "livestream", "live_streaming"})
PRIVATE_MEDIUMS: Final = frozenset({"private", "private_domain", "group", "community", "sms", "push"})


def channel_group(channel: str) -> ChannelGroup:
    """Group of a stored ``channel`` value (``source/medium`` or ``direct``)."""
    if channel == "direct" or not channel:
        return ChannelGroup.DIRECT
    source, _, medium = channel.partition("/")
    if medium in LIVE_MEDIUMS or source in LIVE_SOURCES:
        return ChannelGroup.LIVE_STREAMING
    if source in PRIVATE_SOURCES or medium in PRIVATE_MEDIUMS:
        return ChannelGroup.PRIVATE_DOMAIN
    if medium == "paid" and source in SEARCH_SOURCES:
        return ChannelGroup.SEARCH_ADS
    if medium == "content" or source in CONTENT_SOURCES:
        return ChannelGroup.CONTENT
    if medium == "social" or source in SOCIAL_SOURCES:
        return ChannelGroup.SOCIAL
    return ChannelGroup.OTHER
