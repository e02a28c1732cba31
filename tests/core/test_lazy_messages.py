"""The message middleware makes its storage on first use and stores exactly what Django's would."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.messages import get_messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from mallops.core.lazy_messages import LazyMessageMiddleware


def _serve(view, cookies: dict[str, str] | None = None) -> tuple[HttpRequest, HttpResponse]:  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/console/")
    request.COOKIES.update(cookies or {})
    seen: list[HttpRequest] = []

    def run(req: HttpRequest) -> HttpResponse:
        seen.append(req)
        return view(req)  # type: ignore[no-any-return]

    response = SessionMiddleware(LazyMessageMiddleware(run))(request)
    assert isinstance(response, HttpResponse)
    return seen[0], response


def test_a_request_that_never_touches_messages_makes_no_storage_and_sets_no_cookie() -> None:
    request, response = _serve(lambda req: HttpResponse("ok"))
    assert request._messages._wrapped is empty  # type: ignore[attr-defined]
    assert "messages" not in response.cookies


def test_a_flash_message_reaches_the_next_request_as_with_djangos_middleware() -> None:
    def add(req: HttpRequest) -> HttpResponse:
        messages.success(req, "已保存")
        return HttpResponse("saved")

    _, saved = _serve(add)
    cookie = saved.cookies["messages"].value

    def show(req: HttpRequest) -> HttpResponse:
        return HttpResponse("|".join(str(m.message) for m in get_messages(req)))

    _, shown = _serve(show, {"messages": cookie})
    assert shown.content.decode() == "已保存"
