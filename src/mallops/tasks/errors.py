"""The tasks app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class TasksCode(ProblemCode):
    INVALID = "invalid", "The task input is invalid.", "任务输入不合法"
    TASK_CLOSED = "task_closed", "The task is already closed.", "任务已关闭"
    TASK_NOT_OPEN = "task_not_open", "Only a task still to do can be started.", "只有待办任务可以开始"
