"""The dsr app's problem codes (issue 16): the ``code`` of its problem+json answers.

Values never change once published (clients switch on them); docs/api.md lists them with their meaning
(``scripts/error_codes.py``). Raise ``DomainError(code=...)`` / ``conflict(..., code=...)`` with a member."""

from __future__ import annotations

from mallops.core.codes import ProblemCode


class DsrCode(ProblemCode):
    EXPORT_UNAVAILABLE = (
        "export_unavailable",
        "No export is available for this request.",
        "该请求没有可下载的导出文件",
    )
    NO_POLICY = "no_policy", "No privacy policy has been published.", "尚未发布隐私政策"
    REQUEST_CLOSED = "request_closed", "The request is already closed.", "该请求已关闭"
    REQUEST_OPEN = "request_open", "An open request of this kind exists.", "已有同类请求在处理中"
