"""Demo data for customer service: reply library, agent profiles and ~200 tickets over 30 days.

Tickets go through the real services with past timestamps (intake, replies, pauses, resolution,
ratings, follow-up visits), then the SLA sweeps run once at the present moment, so breaches,
escalations and tasks are exactly what the system itself would have produced. Idempotent: a second
run finds the demo tickets and adds nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mallops.accounts.actors import actor_of
from mallops.accounts.models import Merchant, MerchantMember, User
from mallops.accounts.roles import Kind
from mallops.core.sweeps import registered, run_sweeper
from mallops.service import checklist, configuration, procedures, services, training
from mallops.service.models import AgentProfile, ReplyTemplate, TicketEvent, TrainingRecord
from mallops.workdays.engine import SHANGHAI

LIBRARY = [
    ("物流查询与催件", "logistics", "快递 物流 没更新 催件 转运", "您好，已为您联系快递公司加急处理，预计24小时内更新物流，请留意短信通知。"),
    ("包裹显示签收但未收到", "logistics", "签收 没收到 代收 驿站", "您好，请先确认驿站、门卫或家人是否代收；我们已同步联系快递员核实签收信息，核实结果会第一时间告诉您。"),
    ("发货时间说明", "logistics", "什么时候发货 发货 催发货", "您好，订单将在付款后48小时内发出，预售商品以页面标注时间为准。"),
    ("退款到账时间", "service", "退款 到账 多久 原路返回", "您好，退款将原路返回，银行卡一般1-3个工作日到账，请耐心等待。"),
    ("发票开具", "service", "发票 开票 抬头 电子发票", "您好，您可以在订单详情页点击“申请发票”，电子发票会在3个工作日内发送到您的邮箱。"),
    ("修改收货地址", "service", "改地址 修改地址 地址填错", "您好，订单未发货前可以在订单详情页修改地址；如已发货，我们会帮您联系快递改派。"),
    ("尺码建议", "product", "尺码 偏小 偏大 码数", "您好，这款版型偏小，建议选大一码；如收到后不合适，可在7天内申请换货。"),
    ("商品质量问题处理", "product", "质量 破损 坏了 瑕疵", "非常抱歉给您带来不便，请上传商品问题照片，我们核实后为您办理退换或补偿。"),
    ("电子产品无法开机", "product", "充电器 没反应 无法开机 充不进电", "您好，请先用原装充电器充电30分钟后长按电源键10秒重启；仍无法开机的话我们为您安排检测或换新。"),
    ("色差说明", "product", "色差 颜色 不一样", "您好，受拍摄光线和屏幕影响，实物颜色可能略有差异；如您不满意，可申请七天无理由退货。"),
    ("投诉受理", "complaint", "投诉 不满意 态度差 欺骗", "您好，您的投诉已受理，我们将在24小时内联系您，并在72小时内给出处理结果。"),
    ("登录问题", "technical", "无法登录 验证码 密码 报错", "您好，请确认手机号正确并尝试重新获取验证码；如仍无法登录，请告诉我们报错截图，技术同事会在4小时内回复。"),
    ("支付失败", "technical", "支付失败 扣款 付款不成功", "您好，如已扣款但订单未支付成功，款项会在1-3个工作日内自动退回；我们也已提交技术排查。"),
    ("系统故障说明", "major_fault", "故障 打不开 崩溃 页面错误", "您好，我们已确认系统故障并启动应急处理，预计2小时内恢复，给您带来不便深表歉意。"),
    ("退货申请指引", "return", "退货 退款 不想要了 七天无理由", "您好，签收7天内、商品完好的可以申请七天无理由退货；我们已为您核实订单，退款将按该商品实付金额原路退回。"),
    ("订单状态查询", "order_query", "订单 查询 状态 到哪了 订单号", "您好，已为您查询到订单状态，并同步了最新物流；如需修改地址或催发货，我们会告诉您办理时限。"),
    ("意见建议致谢", "suggestion", "建议 希望 能不能 改进", "感谢您的宝贵建议，我们已转交产品团队评估，后续改进会在公告中通知。"),
]  # fmt: skip

ISSUES = {
    "logistics": [("快递三天没有更新", "物流信息一直停在转运中心"), ("显示签收但没收到", "快递显示已签收，但我没有收到包裹"),
                  ("什么时候发货", "下单两天了还没发货")],
    "product": [("充电器插上没反应", "新买的充电器插上手机没有反应"), ("衣服尺码偏小", "平时穿L，这件L太紧了"),
                ("商品有破损", "收到的杯子有裂痕"), ("实物有色差", "颜色和图片不一样")],
    "service": [("退款多久到账", "申请退款三天了还没到账"), ("怎么开发票", "需要公司抬头的发票"), ("地址填错了", "想修改收货地址")],
    "complaint": [("客服态度差", "之前的客服回复很敷衍"), ("商家虚假宣传", "宣传的功能实际没有")],
    "technical": [("无法登录", "收不到验证码"), ("支付失败", "付款时一直提示失败但扣了钱")],
    "major_fault": [("App打不开", "打开App直接闪退")],
    "suggestion": [("希望增加夜间模式", "晚上用太刺眼了")],
    "return": [("想退货", "收到的鞋子不喜欢，想七天无理由退货"), ("退货怎么寄回", "申请了退货，不知道寄到哪里")],
    "order_query": [("订单到哪了", "想查一下我的订单现在什么状态"), ("订单显示异常", "订单一直显示待发货")],
}  # fmt: skip
CATEGORY_WEIGHTS = {
    "logistics": 30,
    "product": 28,
    "service": 22,
    "complaint": 8,
    "technical": 7,
    "major_fault": 2,
    "suggestion": 3,
    "return": 10,
    "order_query": 10,
}
CHANNELS = ["chat", "chat", "chat", "app", "app", "phone", "email", "api"]
TICKETS = 200


def _agent(
    supervisor: User | None, username: str, skills: list[str], merchant: Merchant | None = None
) -> User | None:
    """The user, with a routing profile made by the supervisor through the service (as on a real install)."""
    user = User.objects.filter(username=username).first()
    if user is not None and supervisor is not None and not AgentProfile.objects.filter(user=user).exists():
        configuration.agent_profile_create(
            actor=actor_of(supervisor),
            user_id=user.pk,
            skills=skills,
            merchant_id=merchant.pk if merchant is not None else None,
        )
    return user


def _procedures(supervisor: User, agents: list[User], now: datetime) -> str:
    """The three standard procedures owned by the supervisor, and training records (R5.1.5, R8.2.1):
    everybody passed, except the first store's CS, who failed the order-query assessment (its store's
    order queries go to platform agents)."""
    procedures.procedures_install_standard(
        actor=actor_of(supervisor), owner_id=supervisor.pk, now=now - timedelta(days=40)
    )
    if TrainingRecord.objects.exists():
        return "training already recorded"
    made = 0
    for i, user in enumerate(agents):
        for spec in procedures.STANDARD:
            failed = i == 2 and spec["code"] == "order_queries"
            training.training_record(
                actor=actor_of(supervisor),
                user_id=user.pk,
                procedure_code=spec["code"],
                score=62 if failed else 85 + (i * 3) % 15,
                completed_at=now - timedelta(days=35 - i),
                now=now,
            )
            made += 1
    return f"{made} training records"


def _tick_all(handler: User, ticket_id: int, at: datetime) -> None:
    """Work through the ticket's checklist before resolving it (the procedure as a workflow, R8.4.1)."""
    for row in checklist.steps_of_id(ticket_id):
        checklist.ticket_step_set(actor=actor_of(handler), ticket_id=ticket_id, step_id=row.pk, now=at)


def _working_instant(rng: random.Random, now: datetime, days_back: float) -> datetime:
    local = (now - timedelta(days=days_back)).astimezone(SHANGHAI)
    return local.replace(
        hour=rng.choice([8, 9, 10, 11, 13, 14, 15, 16, 17, 20, 22]), minute=rng.randrange(60)
    )


@transaction.atomic
def load(*, lines: list[str], rng: random.Random) -> None:
    # the supervisor builds the reply library and the routing profiles through the services, so the demo
    # only does what an operator of a fresh install can do (audited, compliance-checked)
    boss = User.objects.filter(username="cs-supervisor").first()
    present = set(ReplyTemplate.objects.values_list("title", flat=True))
    for title, category, keywords, body in LIBRARY:
        if boss is not None and title not in present:
            configuration.reply_template_create(
                actor=actor_of(boss), title=title, category=category, keywords=keywords, body=body
            )
    supervisor = _agent(boss, "cs-supervisor", ["complaint", "technical", "major_fault", "service"])
    agent = _agent(
        boss, "cs-agent", ["logistics", "product", "service", "suggestion", "return", "order_query"]
    )
    store_agents = [
        _agent(
            boss,
            member.user.username,
            ["product", "logistics", "service", "return", "order_query"],
            member.merchant,
        )
        for member in (
            MerchantMember.objects.unscoped(reason="demo agents")
            .filter(role="merchant_cs")
            .select_related("user")
        )
    ]
    if supervisor is not None:
        trained = [u for u in [agent, supervisor, *store_agents] if u is not None]
        lines.append(f"Service: standard procedures; {_procedures(supervisor, trained, timezone.now())}")
    if (
        TicketEvent.objects.filter(kind="created", data__demo=True).exists()
        or agent is None
        or supervisor is None
    ):
        lines.append(
            f"Service: reply library {ReplyTemplate.objects.count()} answers; demo tickets already present"
        )
        return
    buyers = list(User.objects.filter(kind=Kind.BUYER).order_by("pk")[:150])
    merchants = list(Merchant.objects.order_by("pk"))
    if not buyers:
        return
    now = timezone.now()
    categories = list(CATEGORY_WEIGHTS)
    made = 0
    for _ in range(TICKETS):
        category = rng.choices(categories, weights=[CATEGORY_WEIGHTS[c] for c in categories])[0]
        subject, description = rng.choice(ISSUES[category])
        created = _working_instant(rng, now, rng.uniform(0, 30))
        if created >= now:
            created = now - timedelta(minutes=rng.randrange(5, 120))
        buyer = rng.choice(buyers)
        merchant = (
            rng.choice(merchants)
            if merchants and category in ("product", "logistics", "complaint", "return", "order_query")
            else None
        )
        staff = supervisor if category in ("complaint", "technical", "major_fault") else agent
        ticket = services.ticket_create(
            actor=actor_of(staff if rng.random() < 0.4 else buyer),
            subject=subject,
            description=description,
            channel=rng.choice(CHANNELS),
            category=category,
            priority=rng.choice(["normal", "normal", "normal", "high", "low", "urgent"]),
            buyer_id=buyer.pk,
            merchant_id=merchant.pk if merchant else None,
            order_ref=f"O{created.astimezone(SHANGHAI):%Y%m%d}{rng.randrange(10**6):06d}"
            if category != "suggestion"
            else "",
            now=created,
        )
        TicketEvent.objects.filter(ticket=ticket, kind="created").update(
            data={**ticket.events.get(kind="created").data, "demo": True}
        )
        made += 1
        handler = ticket.assignee or staff
        age = now - created
        step = created + timedelta(minutes=rng.choice([2, 4, 6, 9, 12, 14, 18, 35, 90]))
        if step >= now:
            continue
        services.ticket_reply(
            actor=actor_of(handler),
            ticket_id=ticket.pk,
            body="您好，已收到您的问题，正在为您处理。",
            now=step,
        )
        if rng.random() < 0.2 and age > timedelta(hours=30):
            pause_at = step + timedelta(hours=rng.uniform(1, 4))
            services.ticket_pause(
                actor=actor_of(handler), ticket_id=ticket.pk, reason="等待买家补充照片", now=pause_at
            )
            back = pause_at + timedelta(hours=rng.uniform(2, 20))
            if back >= now:
                continue
            services.ticket_reply(actor=actor_of(buyer), ticket_id=ticket.pk, body="照片已上传", now=back)
            step = back
        if age < timedelta(hours=6) and rng.random() < 0.7:
            continue
        resolve_at = step + timedelta(hours=rng.choice([1, 3, 6, 20, 30, 44, 60]))
        if resolve_at >= now:
            continue
        _tick_all(handler, ticket.pk, resolve_at - timedelta(minutes=5))
        services.ticket_resolve(
            actor=actor_of(handler),
            ticket_id=ticket.pk,
            summary="问题已处理，已告知买家结果。",
            now=resolve_at,
        )
        if rng.random() < 0.75:
            scores = rng.choice(
                [
                    (5, 5, 5, 5),
                    (5, 4, 5, 5),
                    (4, 4, 4, 5),
                    (5, 5, 4, 4),
                    (3, 3, 4, 3),
                    (2, 3, 2, 3),
                    (5, 5, 5, 4),
                ]
            )
            services.ticket_rate(
                actor=actor_of(buyer), ticket_id=ticket.pk, speed=scores[0], efficiency=scores[1], quality=scores[2], attitude=scores[3],
                now=min(now, resolve_at + timedelta(hours=rng.uniform(0.5, 12))),
            )  # fmt: skip
        visit = resolve_at + timedelta(days=rng.uniform(0.5, 4))
        if visit < now and rng.random() < 0.8:
            services.ticket_followup(
                actor=actor_of(handler), ticket_id=ticket.pk, note="回访：买家确认问题已解决。", now=visit
            )
    swept = {name: run_sweeper(s, now) for name, s in registered().items() if name.startswith("service.")}
    lines.append(
        f"Service: {made} demo tickets over 30 days, reply library {ReplyTemplate.objects.count()} answers; "
        f"sweeps {swept}; agents cs-agent, cs-supervisor (+ merchant CS)"
    )
