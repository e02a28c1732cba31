from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from mallops.accounts.roles import render_roles_markdown


class Command(BaseCommand):
    help = "Write docs/roles.md from the permission matrix in mallops.accounts.roles."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", default=str(Path(__file__).resolve().parents[5] / "docs" / "roles.md")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        Path(options["output"]).write_text(render_roles_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {options['output']}")
