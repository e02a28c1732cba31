"""``mallops create-admin --username NAME``: the first platform admin of a fresh install.

The password is read from ``--password-file`` (first line), else from ``MALLOPS_ADMIN_PASSWORD``, else asked
twice on the terminal; never from the command line (it would stay in the shell history)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mallops.accounts.bootstrap import admin_create
from mallops.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a platform admin account (the first sign-in of a fresh install)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--password-file", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options["password_file"])
        try:
            user = admin_create(username=options["username"], password=password, email=options["email"])
        except DomainError as exc:
            lines = [f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in exc.errors] or [exc.detail]
            raise CommandError("; ".join(lines)) from exc
        self.stdout.write(f"created platform admin {user.username} (sign in at /login/)")

    def _password(self, path: str) -> str:
        if path:
            try:
                return (
                    Path(path).read_text(encoding="utf-8").splitlines()[0]
                    if Path(path).stat().st_size
                    else ""
                )
            except OSError as exc:
                raise CommandError(f"cannot read {path}: {exc.strerror}") from exc
        if os.environ.get("MALLOPS_ADMIN_PASSWORD"):
            return os.environ["MALLOPS_ADMIN_PASSWORD"]
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return first
