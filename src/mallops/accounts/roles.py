"""The permission matrix: which role may do what. ``docs/roles.md`` is generated from this module.

Permissions are dotted strings (``review.decide``); a role is a set of them. Staff roles follow R8.1.1;
merchant roles apply inside the member's own store only. The matrix is the single source: the console
menu, the API and the services all ask ``has_permission``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mallops.core.actors import Actor
from mallops.core.codes import CoreCode
from mallops.core.errors import DomainError


class Kind(StrEnum):
    STAFF = "staff"
    MERCHANT = "merchant"
    BUYER = "buyer"


@dataclass(frozen=True)
class Permission:
    code: str
    label_zh: str
    label_en: str


PERMISSIONS: dict[str, Permission] = {
    p.code: p
    for p in [
        Permission("staff.manage", "管理员工账号与角色", "Manage staff accounts and roles"),
        Permission("staff.unlock", "解锁被锁定账号", "Unlock locked accounts"),
        Permission("merchant.onboard", "商家入驻与停用", "Onboard and disable merchants"),
        Permission("merchant.view", "查看商家", "View merchants"),
        Permission("buyer.view", "查看买家", "View buyers"),
        Permission("audit.view", "查看审计日志", "View the audit log"),
        Permission(
            "privacy.reveal", "查看完整个人信息（需填写理由）", "Reveal full personal data (with a reason)"
        ),
        Permission("privacy.view_contact", "查看未脱敏的联系方式", "View contact data unmasked"),
        Permission("privacy.policy.publish", "发布隐私政策新版本", "Publish a new privacy policy version"),
        Permission("privacy.dsr.handle", "处理个人信息权利请求", "Handle data-subject requests (DSR)"),
        Permission("listing.review", "审核商品", "Review listings"),
        Permission("listing.view", "查看商品", "View listings"),
        Permission("listing.takedown", "下架违规商品", "Take live listings down"),
        Permission("catalogue.manage", "管理类目与属性模板", "Manage categories and their schemas"),
        Permission("compliance.manage", "维护合规规则包", "Maintain compliance rule packs"),
        Permission("compliance.inspect", "合规自查与审计", "Compliance self-inspection and audit"),
        Permission("promotion.manage", "管理平台促销与优惠券", "Manage platform promotions and coupons"),
        Permission("promotion.view", "查看促销", "View promotions"),
        Permission("order.view", "查看订单", "View orders"),
        Permission("ticket.handle", "处理工单", "Handle tickets"),
        Permission("ticket.supervise", "工单监督、升级与质检", "Supervise, escalate and assess tickets"),
        Permission("aftersales.handle", "处理售后与纠纷", "Handle after-sales and disputes"),
        Permission("analytics.view", "查看数据分析", "View analytics"),
        Permission("analytics.manage", "管理指标、分群与实验", "Manage metrics, segments and experiments"),
        Permission("content.manage", "管理内容与营销素材", "Manage content and marketing material"),
        Permission("user_ops.manage", "用户运营（分群触达、会员）", "User operations (segments, membership)"),
        Permission(
            "system.operate", "系统运维（健康、备份、发布）", "Operate the system (health, backups, releases)"
        ),
        Permission("calendar.manage", "维护工作日历", "Maintain the working-day calendar"),
        Permission("risk.view", "查看风控决策与证据", "View risk decisions and their evidence"),
        Permission("risk.decide", "处理风控审核队列（确认或排除）", "Confirm or clear risk decisions"),
        Permission("risk.manage", "维护风控规则版本", "Maintain risk rule profiles"),
        # merchant-side permissions (inside the member's own store)
        Permission("store.staff.view", "查看本店员工", "View own store staff"),
        Permission("store.staff.manage", "管理本店员工", "Manage own store staff"),
        Permission("store.listing.manage", "发布与编辑本店商品", "Publish and edit own listings"),
        Permission("store.promotion.manage", "管理本店促销与优惠券", "Manage own promotions and coupons"),
        Permission("store.order.manage", "处理本店订单与发货", "Handle own orders and shipping"),
        Permission(
            "store.service.handle", "处理本店客服与售后", "Handle own customer service and after-sales"
        ),
    ]
}


@dataclass(frozen=True)
class Role:
    code: str
    kind: Kind
    label_zh: str
    label_en: str
    permissions: frozenset[str]


def _role(code: str, kind: Kind, zh: str, en: str, *perms: str) -> Role:
    unknown = set(perms) - PERMISSIONS.keys()
    if unknown:
        raise ValueError(f"role {code} names unknown permissions {sorted(unknown)}")
    return Role(code, kind, zh, en, frozenset(perms))


ROLES: dict[str, Role] = {
    r.code: r
    for r in [
        _role(
            "platform_admin",
            Kind.STAFF,
            "平台管理员",
            "Platform admin",
            *PERMISSIONS.keys()
            - {
                "store.staff.view",
                "store.staff.manage",
                "store.listing.manage",
                "store.promotion.manage",
                "store.order.manage",
                "store.service.handle",
            },
        ),
        _role(
            "user_ops",
            Kind.STAFF,
            "用户运营",
            "User operations",
            "user_ops.manage",
            "buyer.view",
            "analytics.view",
            "promotion.view",
        ),
        _role(
            "content_ops",
            Kind.STAFF,
            "内容运营",
            "Content operations",
            "content.manage",
            "listing.view",
            "analytics.view",
        ),
        _role(
            "product_ops",
            Kind.STAFF,
            "商品运营",
            "Product operations",
            "listing.view",
            "listing.takedown",
            "catalogue.manage",
            "promotion.manage",
            "promotion.view",
            "merchant.view",
            "analytics.view",
        ),
        _role("data_ops", Kind.STAFF, "数据运营", "Data operations", "analytics.view", "analytics.manage"),
        _role(
            "tech_ops",
            Kind.STAFF,
            "技术运维",
            "Technical operations",
            "system.operate",
            "audit.view",
            "calendar.manage",
            "staff.unlock",
        ),
        _role(
            "cs_agent",
            Kind.STAFF,
            "客服专员",
            "CS agent",
            "ticket.handle",
            "aftersales.handle",
            "order.view",
            "buyer.view",
        ),
        _role(
            "cs_supervisor",
            Kind.STAFF,
            "客服主管",
            "CS supervisor",
            "ticket.handle",
            "ticket.supervise",
            "aftersales.handle",
            "order.view",
            "buyer.view",
            "privacy.reveal",
            "privacy.dsr.handle",
            "analytics.view",
            "calendar.manage",
        ),
        _role(
            "listing_reviewer",
            Kind.STAFF,
            "商品审核员",
            "Listing reviewer",
            "listing.review",
            "listing.view",
            "listing.takedown",
        ),
        _role(
            "compliance_auditor",
            Kind.STAFF,
            "合规审计",
            "Compliance auditor",
            "compliance.manage",
            "compliance.inspect",
            "audit.view",
            "listing.view",
            "promotion.view",
            "merchant.view",
            "privacy.reveal",
            "privacy.policy.publish",
            "privacy.dsr.handle",
            "risk.view",
        ),
        _role(
            "risk_analyst",
            Kind.STAFF,
            "风控分析师",
            "Risk analyst",
            "risk.view",
            "risk.decide",
            "buyer.view",
            "order.view",
        ),
        _role(
            "merchant_owner",
            Kind.MERCHANT,
            "店主",
            "Merchant owner",
            "store.staff.view",
            "store.staff.manage",
            "store.listing.manage",
            "store.promotion.manage",
            "store.order.manage",
            "store.service.handle",
        ),
        _role(
            "merchant_operator",
            Kind.MERCHANT,
            "店铺运营",
            "Merchant operator",
            "store.staff.view",
            "store.listing.manage",
            "store.promotion.manage",
            "store.order.manage",
        ),
        _role(
            "merchant_cs",
            Kind.MERCHANT,
            "店铺客服",
            "Merchant CS",
            "store.staff.view",
            "store.service.handle",
        ),
    ]
}

STAFF_ROLES = [r.code for r in ROLES.values() if r.kind is Kind.STAFF]
MERCHANT_ROLES = [r.code for r in ROLES.values() if r.kind is Kind.MERCHANT]


def permissions_for(role_codes: list[str] | set[str] | frozenset[str]) -> frozenset[str]:
    perms: set[str] = set()
    for code in role_codes:
        role = ROLES.get(code)
        if role is not None:
            perms |= role.permissions
    return frozenset(perms)


def render_roles_markdown() -> str:
    """The text of docs/roles.md (a test fails when the file differs)."""
    codes = list(ROLES)
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `src/mallops/accounts/roles.py` by `mallops roles-doc`; do not edit by hand.",
        "",
        "| permission | " + " | ".join(codes) + " |",
        "|---|" + "---|" * len(codes),
    ]
    for perm in PERMISSIONS.values():
        marks = ["x" if perm.code in ROLES[c].permissions else "" for c in codes]
        lines.append(f"| `{perm.code}` {perm.label_zh} | " + " | ".join(marks) + " |")
    lines += ["", "| role | kind | 中文 |", "|---|---|---|"]
    for role in ROLES.values():
        lines.append(f"| `{role.code}` | {role.kind.value} | {role.label_zh} |")
    return "\n".join(lines) + "\n"


def require_buyer(actor: Actor | None) -> Actor:
    """The one check that the caller is a buyer (issue 16): 401 ``unauthenticated`` without a signed-in
    actor, 403 ``buyer_only`` for a staff or merchant account. Returns the actor."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise DomainError(
            detail="Authentication required.",
            code=CoreCode.UNAUTHENTICATED,
            status=401,
            title="Unauthorized",
        )
    if getattr(actor, "kind", None) != Kind.BUYER:
        raise DomainError(
            detail="Only buyer accounts can do this.",
            code=CoreCode.BUYER_ONLY,
            status=403,
            title="Forbidden",
        )
    return actor
