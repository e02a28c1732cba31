"""The analytics app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class AnalyticsCode(ProblemCode):
    BATCH_TOO_LARGE = "batch_too_large", "The event batch holds too many events.", "单批事件数量超过上限"
    EVENTS_RATE_LIMITED = (
        "events_rate_limited",
        "Too many event batches from this client; retry later.",
        "该客户端上报事件过于频繁，请稍后重试",
    )
    JOB_FINISHED = "job_finished", "The job has already finished.", "任务已结束"
    PAYLOAD_TOO_LARGE = (
        "payload_too_large",
        "The body is larger than the server accepts.",
        "请求体超过服务器上限",
    )
