"""The accounts app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class AccountsCode(ProblemCode):
    ADDRESS_BOOK_FULL = "address_book_full", "The address book is full.", "收货地址已达上限"
    LOGIN_LOCKED = (
        "login_locked",
        "Too many failed sign-ins; try again later.",
        "登录失败次数过多，请稍后再试",
    )
    NOT_A_TOKEN = (
        "not_a_token",
        "The console session cannot be revoked as a token; sign out instead.",
        "控制台会话不是令牌，请直接退出登录",
    )
    OWNER_MEMBERSHIP = (
        "owner_membership",
        "The store owner's membership cannot be changed here.",
        "店铺主账号的成员身份不能在此修改",
    )
    SELF_LOCKOUT = (
        "self_lockout",
        "You cannot disable yourself or remove your own admin role.",
        "不能停用自己或移除自己的管理员角色",
    )
