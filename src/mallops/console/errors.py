"""Styled 403 / 404 / 500 pages (Chinese with English underneath). Under /api/ errors stay problem+json.

The pages render without the request context, so they touch neither the session nor the database: a 500
caused by a database outage still gets its page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template import loader

from mallops.core.problems import problem_response

PAGES: dict[int, dict[str, str]] = {
    403: {
        "title_zh": "没有权限访问此页面",
        "title_en": "You do not have permission to open this page.",
        "hint_zh": "您的角色不包含此功能。如需使用，请联系平台管理员为您分配相应角色。",
        "hint_en": "Your role does not include this feature. Ask a platform administrator for the role.",
    },
    404: {
        "title_zh": "页面不存在",
        "title_en": "Page not found.",
        "hint_zh": "链接可能已失效，或内容已被删除。请从左侧菜单重新进入。",
        "hint_en": "The link may be out of date or the item was removed. Start again from the menu.",
    },
    500: {
        "title_zh": "服务器出错了",
        "title_en": "Something went wrong on our side.",
        "hint_zh": "错误已记录。请稍后重试；如果反复出现，请把页面时间和请求编号告诉技术运维。",
        "hint_en": "The error has been logged. Try again later; if it keeps happening, tell technical "
        "operations the time and the request id.",
    },
}


def _render(request: HttpRequest, status: int) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, status=status)
    context: dict[str, Any] = {"status": status, **PAGES[status]}
    context["request_id"] = getattr(request, "request_id", "")
    body = loader.get_template("console/error.html").render(context)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _render(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _render(request, 500)
