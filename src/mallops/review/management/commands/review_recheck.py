"""``mallops review-recheck``: re-check live listings against the rule packs in force (one sweep run)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from mallops.core.sweeps import registered, run_sweeper
from mallops.review.checks import rules_version
from mallops.review.recheck import due_listings


class Command(BaseCommand):
    help = (
        "Re-check live listings whose live version was checked with older rule packs; listings with new "
        "findings go back to the review queue (still on sale). --dry-run only counts them."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count the due listings, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        now = timezone.now()
        summary: dict[str, Any] = {"rules_version": rules_version(), "due": due_listings(now).count()}
        if not options["dry_run"]:
            summary["handled"] = run_sweeper(registered()["review.rule_recheck"], now)
        self.stdout.write(json.dumps(summary, ensure_ascii=False, sort_keys=True))
