"""The 立即备份 and 立即恢复演练 buttons of the backup pages (``ops.backup_requests``)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.ops import backup_requests


def _ask(request: HttpRequest, ask: Callable[..., None], done: str, back: str) -> HttpResponse:
    if not request.user.has_perm(backup_requests.PERMISSION):
        raise PermissionDenied(backup_requests.PERMISSION)
    try:
        ask(actor=request_actor(request), level=request.POST.get("level", "local"))
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied(error.detail) from error
        if error.status == 409:
            messages.error(request, _("A backup of this level is running; wait for its result."))
            return redirect(back)
        messages.error(request, _("Please check the input."))
        return redirect(back)
    messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def backup_start(request: HttpRequest) -> HttpResponse:
    return _ask(
        request,
        backup_requests.backup_request,
        _("Backup started. It shows below as running, then with its result."),
        "ops:backups",
    )


@login_required
@require_POST
def drill_start(request: HttpRequest) -> HttpResponse:
    return _ask(
        request,
        backup_requests.drill_request,
        _("Restore drill started on the newest backup. It shows below as running, then with its result."),
        "ops:drills",
    )
