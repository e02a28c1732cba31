from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import auth
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from mallops.accounts.roles import MERCHANT_ROLES, ROLES, Kind
from mallops.privacy.contracts import DataClass, PersonalField
from mallops.privacy.fields import EncryptedTextField
from mallops.tenancy.managers import MerchantScopedManager


class User(AbstractUser):
    """Anyone who signs in: platform staff, merchant members and buyers (``kind``)."""

    kind = models.CharField(max_length=10, choices=[(k.value, k.value) for k in Kind], default=Kind.STAFF)
    phone = EncryptedTextField(associated_data="accounts.user.phone", blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    display_name = EncryptedTextField(associated_data="accounts.user.display_name", blank=True, default="")
    # bumped when the password changes or the account is disabled; part of the session auth hash, so every
    # session signed in before is refused on its next request (and stays refused after re-enabling)
    session_generation = models.PositiveIntegerField(default=0)

    objects: ClassVar[UserManager[User]] = UserManager()  # type: ignore[assignment]

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "username": PersonalField(DataClass.IDENTITY, purpose="sign-in identifier", mask="redact"),
        "first_name": PersonalField(
            DataClass.IDENTITY, purpose="unused by Mallops (Django default)", mask="name"
        ),
        "last_name": PersonalField(
            DataClass.IDENTITY, purpose="unused by Mallops (Django default)", mask="name"
        ),
        "email": PersonalField(DataClass.CONTACT, purpose="staff notifications", mask="email"),
        "phone": PersonalField(DataClass.CONTACT, purpose="buyer sign-in and delivery contact", mask="phone"),
        "phone_index": PersonalField(
            DataClass.CONTACT, purpose="blind index for phone look-up", mask="redact"
        ),
        "display_name": PersonalField(
            DataClass.IDENTITY, purpose="name shown to staff and on orders", mask="name"
        ),
    }

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["phone_index"], condition=~models.Q(phone_index=""), name="accounts_user_phone_unique"
            )
        ]

    # -- permissions come from roles only (docs/security.md "Roles"): Django's superuser flag grants nothing
    # by itself. Without this, a superuser with no role saw every console page (Django answers True for a
    # superuser before any backend) while the services, which read the role matrix through ``Actor``, showed
    # them nothing and refused their writes. ``create-admin`` grants the platform_admin role instead.

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return self.is_active and any(
            backend.has_perm(self, perm, obj)
            for backend in auth.get_backends()
            if hasattr(backend, "has_perm")
        )

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_active and any(
            backend.has_module_perms(self, app_label)
            for backend in auth.get_backends()
            if hasattr(backend, "has_module_perms")
        )

    # -- every sign-in ends on a password change or a disable, whichever path made it (issue 13, finding 5).
    # The rule sits on the model because Django's own paths (admin forms, PasswordChangeView,
    # ``changepassword``) call ``set_password``/``save`` directly and never pass through our services.

    _loaded_is_active: bool | None = None  # as read from the database (None: not loaded)
    _sign_ins_end = False  # the password was made unusable since the last save

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> User:
        user: User = super().from_db(*args, **kwargs)
        user._loaded_is_active = user.__dict__.get("is_active")
        return user

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._sign_ins_end = True

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's hash of the password (also for ``SECRET_KEY_FALLBACKS``), salted with the session
        generation once it moved."""
        if not self.session_generation:
            return str(super()._get_session_auth_hash(secret=secret))  # type: ignore[misc]
        return salted_hmac(
            "mallops.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_generation}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def save(self, *args: Any, **kwargs: Any) -> None:
        was_active = getattr(self, "_loaded_is_active", None)
        disabled = self.pk is not None and was_active is True and not self.is_active
        # ``set_password`` leaves the new password in ``_password`` until the save; Django's re-hash on
        # sign-in (a stronger hasher) clears it before saving, so an upgrade ends nothing
        password_changed = getattr(self, "_password", None) is not None or self._sign_ins_end
        end = self.pk is not None and (disabled or password_changed)
        super().save(*args, **kwargs)
        self._sign_ins_end = False
        self._loaded_is_active = self.is_active
        if end:
            self.end_sign_ins()

    def end_sign_ins(self) -> None:
        """Revoke every API token of the account and end its console sessions (bump the generation).

        Tokens are revoked one by one with ``save`` so that listeners of ``ApiToken`` saves (the flash
        fast path's Redis token cache) learn about each revocation.
        """
        User.objects.filter(pk=self.pk).update(session_generation=F("session_generation") + 1)
        self.session_generation = User.objects.values_list("session_generation", flat=True).get(pk=self.pk)
        now = timezone.now()
        for token in ApiToken.objects.filter(user_id=self.pk, revoked_at__isnull=True, expires_at__gt=now):
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])


class Merchant(models.Model):
    """A seller's store: the tenant of every merchant-owned row."""

    name = models.CharField(max_length=100, unique=True)
    licence_number = models.CharField(max_length=32, unique=True)
    contact_name = EncryptedTextField(associated_data="accounts.merchant.contact_name")
    contact_phone = EncryptedTextField(associated_data="accounts.merchant.contact_phone")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # why and when the platform suspended the store (``is_active`` false); kept after resuming for the record
    suspended_reason = models.CharField(max_length=200, blank=True, default="")
    suspended_at = models.DateTimeField(null=True, blank=True)
    # the business licence scan: a name in the media storage (``accounts.licences``), PDF, JPEG or PNG
    licence_file = models.CharField(max_length=200, blank=True, default="")
    licence_content_type = models.CharField(max_length=40, blank=True, default="")

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "contact_name": PersonalField(DataClass.IDENTITY, purpose="merchant contact person", mask="name"),
        "contact_phone": PersonalField(DataClass.CONTACT, purpose="merchant contact phone", mask="phone"),
        "licence_file": PersonalField(
            DataClass.IDENTITY,
            purpose="merchant qualification (the licence names the legal representative)",
            mask="redact",
        ),
    }

    def __str__(self) -> str:
        return self.name


class MerchantMember(models.Model):
    """A user working for one merchant, with a merchant role. Scoped: a merchant sees only its own."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="merchant_membership")
    role = models.CharField(max_length=30, choices=[(r, ROLES[r].label_zh) for r in MERCHANT_ROLES])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedManager()

    def __str__(self) -> str:
        return f"{self.user_id}@{self.merchant_id}"


class RoleGrant(models.Model):
    """A staff role held by a user (R8.1.1)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(max_length=30)  # a code of ``roles.STAFF_ROLES`` (checked by the services)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="accounts_rolegrant_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 digest is stored; the prefix identifies it to people and logs."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}…"


class LoginFailure(models.Model):
    """One failed sign-in, kept for the brute-force window (console and API share the policy)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(db_index=True)
    expires_due_at = models.DateTimeField(db_index=True)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "username": PersonalField(DataClass.IDENTITY, purpose="brute-force protection", mask="redact"),
        "ip": PersonalField(DataClass.BROWSING, purpose="brute-force protection (15 minutes)", mask="redact"),
    }

    class Meta:
        indexes = [models.Index(fields=["ip", "at"], name="accounts_loginfail_ip_at")]

    def __str__(self) -> str:
        return f"{self.username} at {self.at}"


class LoginLock(models.Model):
    """A lock on sign-in for a username (``user:<name>``) or an address (``ip:<addr>``)."""

    key = models.CharField(max_length=200, unique=True)
    locked_until = models.DateTimeField(db_index=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key} until {self.locked_until}"


class Address(models.Model):
    """A buyer's delivery address (R1.3: contact data, encrypted; shown cut to the district)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    recipient = EncryptedTextField(associated_data="accounts.address.recipient")
    phone = EncryptedTextField(associated_data="accounts.address.phone")
    province = models.CharField(max_length=20)
    city = models.CharField(max_length=30)
    district = models.CharField(max_length=30)
    detail = EncryptedTextField(associated_data="accounts.address.detail")
    is_default = models.BooleanField(default=False)

    PERSONAL_DATA: ClassVar[dict[str, PersonalField]] = {
        "recipient": PersonalField(DataClass.IDENTITY, purpose="delivery", mask="name"),
        "phone": PersonalField(DataClass.CONTACT, purpose="delivery contact", mask="phone"),
        "province": PersonalField(
            DataClass.CONTACT, purpose="delivery region and analytics by region", mask="redact"
        ),
        "city": PersonalField(
            DataClass.CONTACT, purpose="delivery region and analytics by region", mask="redact"
        ),
        "district": PersonalField(DataClass.CONTACT, purpose="delivery region", mask="redact"),
        "detail": PersonalField(DataClass.CONTACT, purpose="delivery", mask="address"),
    }

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}"
