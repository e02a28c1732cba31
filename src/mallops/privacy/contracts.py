"""What other apps import from privacy: data classes, field declarations and permission names.

A model declares its personal fields as a class attribute (R1.3.1 purpose, R1.3.2 class)::

    class User(AbstractBaseUser):
        PERSONAL_DATA = {
            "phone": PersonalField(DataClass.CONTACT, purpose="login and delivery contact", mask="phone"),
        }
        NOT_PERSONAL_DATA = {"display_theme": "UI preference, not about the person"}

``NOT_PERSONAL_DATA`` answers the name-pattern scan for a field that looks personal but is not (a shop's
``contact_hours``); the reason is kept in code review like any other declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mallops.privacy.masking import MASKERS

REVEAL_PERMISSION = "privacy.reveal"
MIN_REASON_LENGTH = 5


class DataClass(StrEnum):
    """Personal-data classes (R1.3.2); PIPL Art. 28 sensitive PI goes to ``SENSITIVE``."""

    IDENTITY = "identity"
    CONTACT = "contact"
    TRANSACTION = "transaction"
    BROWSING = "browsing"
    SENSITIVE = "sensitive"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def view_permission(self) -> str:
        """Holders see values of this class unmasked; everyone else sees the mask."""
        return f"privacy.view_{self.value}"


_LABELS = {
    DataClass.IDENTITY: "身份信息",
    DataClass.CONTACT: "联系方式",
    DataClass.TRANSACTION: "交易信息",
    DataClass.BROWSING: "浏览与设备信息",
    DataClass.SENSITIVE: "敏感个人信息",
}

# codename -> what it allows; for the role definitions in mallops.accounts
PRIVACY_PERMISSIONS: dict[str, str] = {
    **{cls.view_permission: f"查看未脱敏的{cls.label}" for cls in DataClass},
    REVEAL_PERMISSION: "说明理由后查看单个字段的完整值（记入审计）",
}


@dataclass(frozen=True)
class PersonalField:
    """Declaration of one personal field: its class, why it is collected, and how screens mask it.

    ``mask`` names a function in ``mallops.privacy.masking.MASKERS`` (phone, name, id_number,
    card_number, address, email, redact, or none for values coarse enough to
    show as they are).
    """

    data_class: DataClass
    purpose: str
    mask: str = "redact"

    def __post_init__(self) -> None:
        if not isinstance(self.data_class, DataClass):
            raise TypeError(f"data_class must be a DataClass, got {self.data_class!r}")
        if len(self.purpose.strip()) < MIN_REASON_LENGTH:
            raise ValueError("purpose must say why the field is collected (at least 5 characters)")
        if self.mask not in MASKERS:
            raise ValueError(f"unknown mask {self.mask!r}; choose from {sorted(MASKERS)}")
