"""Demo data: realistic and idempotent (run twice, nothing doubles); every login uses DEMO_PASSWORD."""

from __future__ import annotations

import importlib
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction

from mallops.accounts.models import Address, Merchant, MerchantMember, RoleGrant, User
from mallops.accounts.roles import ROLES, STAFF_ROLES, Kind
from mallops.privacy.keys import blind_index

DEMO_PASSWORD = "mallops-demo"

STAFF_USERS = {
    "admin": ["platform_admin"],
    "user-ops": ["user_ops"],
    "content-ops": ["content_ops"],
    "product-ops": ["product_ops"],
    "data-ops": ["data_ops"],
    "tech-ops": ["tech_ops"],
    "cs-agent": ["cs_agent"],
    "cs-supervisor": ["cs_supervisor"],
    "reviewer": ["listing_reviewer"],
    "auditor": ["compliance_auditor"],
    "risk-analyst": ["risk_analyst"],
}
# licence numbers are fictitious but valid USCCs (GB 32100 check character), so they pass the console's check
MERCHANTS = [
    ("merchant1", "鲜果时光旗舰店", "91310000MA1FL0001R"),
    ("merchant2", "云裳服饰专营店", "91330100MA2CD0002J"),
    ("merchant3", "极客数码官方店", "91440300MA5EX0003E"),
    ("merchant4", "安心母婴生活馆", "91110105MA01A0004B"),
    ("merchant5", "雪域美妆集合店", "91510100MA6CB0005A"),
]
REGIONS = [
    ("北京市", "北京市", "朝阳区"),
    ("上海市", "上海市", "浦东新区"),
    ("广东省", "深圳市", "南山区"),
    ("广东省", "广州市", "天河区"),
    ("浙江省", "杭州市", "西湖区"),
    ("江苏省", "南京市", "鼓楼区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"),
    ("陕西省", "西安市", "雁塔区"),
    ("山东省", "青岛市", "市南区"),
    ("福建省", "厦门市", "思明区"),
    ("重庆市", "重庆市", "渝中区"),
]


def _user(username: str, kind: Kind, password_hash: str, **extra: object) -> tuple[User, bool]:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, kind=kind, password=password_hash, **extra)
    user.save()
    return user, True


@transaction.atomic
def load_demo_data(*, reset: bool = False, buyers: int = 2000) -> list[str]:
    if reset:
        _reset_database()
    password_hash = make_password(DEMO_PASSWORD)
    lines = [
        "Demo data ready. Every password is " + DEMO_PASSWORD,
        "",
        "Platform staff (console http://127.0.0.1:PORT/):",
    ]
    for username, roles in STAFF_USERS.items():
        user, _ = _user(
            username,
            Kind.STAFF,
            password_hash,
            is_staff="platform_admin" in roles,
            email=f"{username}@mallops.example",
        )
        for role in roles:
            RoleGrant.objects.get_or_create(user=user, role=role)
        lines.append(f"  {username:14} {', '.join(ROLES[r].label_zh for r in roles)}")
    assert set(STAFF_ROLES) <= {r for roles in STAFF_USERS.values() for r in roles}

    from faker import Faker

    fake = Faker("zh_CN")
    Faker.seed(20261125)
    rng = random.Random(20261125)
    lines.append("Merchants (owner, then two staff each):")
    for index, (owner_name, store, licence) in enumerate(MERCHANTS, start=1):
        merchant, _ = Merchant.objects.get_or_create(
            name=store,
            defaults={
                "licence_number": licence,
                "contact_name": fake.name(),
                "contact_phone": fake.phone_number(),
            },
        )
        members = [
            (owner_name, "merchant_owner"),
            (f"merchant{index}-ops", "merchant_operator"),
            (f"merchant{index}-cs", "merchant_cs"),
        ]
        for username, role in members:
            user, created = _user(username, Kind.MERCHANT, password_hash)
            if created:
                MerchantMember.objects.create(merchant=merchant, user=user, role=role)
        lines.append(f"  {owner_name:14} {store}  (+ merchant{index}-ops, merchant{index}-cs)")

    existing = User.objects.filter(kind=Kind.BUYER).count()
    to_make = max(0, buyers - existing)
    new_users: list[User] = []
    used_phones: set[str] = set()
    for n in range(existing, existing + to_make):
        phone = fake.phone_number()
        while phone in used_phones:
            phone = fake.phone_number()
        used_phones.add(phone)
        new_users.append(
            User(
                username=f"buyer{n + 1:05d}",
                kind=Kind.BUYER,
                password=password_hash,
                phone=phone,
                phone_index=blind_index(phone, namespace="phone"),
                display_name=fake.name(),
            )
        )
    User.objects.bulk_create(new_users, batch_size=500)
    created_users = User.objects.filter(username__in=[u.username for u in new_users])
    addresses = []
    for user in created_users:
        province, city, district = rng.choice(REGIONS)
        addresses.append(
            Address(
                user=user,
                recipient=user.display_name,
                phone=user.phone,
                province=province,
                city=city,
                district=district,
                detail=fake.street_address(),
                is_default=True,
            )
        )
    Address.objects.bulk_create(addresses, batch_size=500)
    lines.append(
        f"Buyers: {User.objects.filter(kind=Kind.BUYER).count()} (buyer00001 … sign in with username or phone)"
    )
    for app in FEATURE_DEMOS:
        try:
            module = importlib.import_module(f"mallops.{app}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"mallops.{app}.demo":
                raise
            continue
        module.load(lines=lines, rng=random.Random(f"demo-{app}"))
    return lines


# data migrations whose rows a reset must put back (each ``seed(apps, schema_editor)`` is idempotent)
SEED_MIGRATIONS = [
    "mallops.workdays.migrations.0002_seed_package_years",
    "mallops.catalogue.migrations.0002_seed_categories",
    "mallops.service.migrations.0002_seed_policies",
]


def _reset_database() -> None:
    """Empty every table (the audit trigger makes a row-by-row delete impossible), then re-seed."""
    from django.apps import apps
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    for module in SEED_MIGRATIONS:
        importlib.import_module(module).seed(apps, None)


# each feature app may have a demo.py with ``load(*, lines, rng)``: idempotent, appends summary lines
FEATURE_DEMOS = [
    "dsr",  # first: consent binds the analytics events that later demos' orders send
    "workdays",
    "catalogue",
    "review",
    "pricing",
    "orders",
    "payments",
    "service",
    "aftersales",
    "analytics",
    "membership",  # tiers from the demo's paid orders
    "marketing",  # spend beside the orders the analytics events attribute to UTM sources
    "content",
    "compliance",  # last: the self-inspection reads the live listings, promotions and reply templates
]
