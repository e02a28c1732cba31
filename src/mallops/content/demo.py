"""Demo content: posts on the calendar (WeChat, Douyin, Xiaohongshu, Weibo: published, scheduled, in review,
a draft) and one finished lucky draw with its entrants, commitment, seed and winners.

Through the services only: every post passes the compliance engine on submit and a second person approves
(content-ops writes, admin approves). Idempotent: a post or draw whose title exists is not made again.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import User
from mallops.content import lottery, services
from mallops.content.models import ContentPost, LuckyDraw

# platform, title, body, what happens to it, days from now (scheduled time)
POSTS = [
    ("wechat_mp", "冬季水果礼盒上新", "产地直发的冬季水果礼盒已上架，下单后48小时内发货。", "published", -3),
    ("douyin", "周五晚八点直播预告", "本周五晚八点直播间介绍新品数码配件，欢迎预约观看。", "scheduled", 4),
    ("xiaohongshu", "母婴好物清单", "整理了几款宝妈常用的母婴用品，附上使用心得。", "in_review", 6),
    ("weibo", "会员日活动说明", "本月会员日的活动规则与参与方式，详见活动页面。", "draft", 10),
]
DRAW_TITLE = "新年转发抽奖"
DRAW_POST = "新年转发抽奖活动"


def _post(author: User, approver: User, spec: tuple[str, str, str, str, int]) -> bool:
    platform, title, body, state, days = spec
    if ContentPost.objects.filter(title=title).exists():
        return False
    now = timezone.now()
    when = now + timedelta(days=days, hours=2)
    post = services.post_create(
        actor=actor_of(author), platform=platform, title=title, body=body, scheduled_at=when
    )
    if state == "draft":
        return True
    services.post_submit(actor=actor_of(author), post_id=post.pk)
    if state == "in_review":
        return True
    services.post_approve(actor=actor_of(approver), post_id=post.pk, acknowledge_findings=True)
    if state == "published":
        services.post_publish(actor=actor_of(author), post_id=post.pk)
    else:
        services.post_schedule(actor=actor_of(author), post_id=post.pk, scheduled_at=when)
    return True


def _draw(author: User, approver: User, rng: random.Random) -> bool:
    if LuckyDraw.objects.filter(title=DRAW_TITLE).exists():
        return False
    post = ContentPost.objects.filter(title=DRAW_POST).first()
    if post is None:
        post = services.post_create(
            actor=actor_of(author),
            platform="weibo",
            title=DRAW_POST,
            body="转发本条微博即可参与新年抽奖，规则见抽奖页面。",
        )
        services.post_submit(actor=actor_of(author), post_id=post.pk)
        services.post_approve(actor=actor_of(approver), post_id=post.pk, acknowledge_findings=True)
        services.post_publish(actor=actor_of(author), post_id=post.pk)
    row = lottery.draw_create(
        actor=actor_of(author),
        title=DRAW_TITLE,
        rules="转发本条微博即可参与，每个账号一次机会；开奖后三个工作日内联系中奖者。",
        draw_at=timezone.now(),
        prizes=[
            lottery.PrizeInput(name="坚果礼盒", value_fen=19_900, quantity=3),
            lottery.PrizeInput(name="蓝牙耳机", value_fen=29_900, quantity=1),
        ],
        post_id=post.pk,
    )
    lottery.draw_start(actor=actor_of(author), draw_id=row.pk)
    lottery.entrant_add(
        actor=actor_of(author), draw_id=row.pk, codes=[f"WB-{n:04d}" for n in rng.sample(range(1, 5000), 60)]
    )
    lottery.draw_run(actor=actor_of(author), draw_id=row.pk)
    return True


def load(*, lines: list[str], rng: random.Random) -> None:
    author = User.objects.get(username="content-ops")
    approver = User.objects.get(username="admin")
    made = sum(_post(author, approver, spec) for spec in POSTS)
    drawn = _draw(author, approver, rng)
    lines.append(
        f"Content: {made} posts added to the calendar, {'one lucky draw drawn' if drawn else 'lucky draw kept'}. "
        "Console /content/."
    )
