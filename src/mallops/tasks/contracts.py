"""What other apps may name from the tasks app: the team and kind codes, and the task type their close hooks
receive. Writes go through ``mallops.tasks.services``, reads through ``mallops.tasks.selectors``."""

from __future__ import annotations

from mallops.tasks.models import Kind, Status, Team, WorkTask

__all__ = ["Kind", "Status", "Team", "WorkTask"]
