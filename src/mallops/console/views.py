from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mallops.accounts import services as account_services
from mallops.accounts.actors import request_actor
from mallops.accounts.models import LoginLock
from mallops.audit import labels as audit_labels
from mallops.audit.selectors import audit_events
from mallops.core.errors import DomainError
from mallops.core.inputs import console_datetime


class ThrottledAuthenticationForm(AuthenticationForm):
    """The console sign-in with the same brute-force policy as the token endpoint."""

    def clean(self) -> dict[str, Any]:
        username = self.data.get("username", "")
        ip = self.request.META.get("REMOTE_ADDR") if self.request else None
        try:
            account_services.login_lock_check(username=username, ip=ip)
        except DomainError as exc:
            raise forms.ValidationError(
                _("Too many failed sign-ins; try again later."), code="locked"
            ) from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            account_services.login_failure_record(username=username, ip=ip)
            raise
        account_services.login_success_record(username=username)
        return cleaned

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if getattr(user, "kind", "") == "buyer":
            raise forms.ValidationError(_("Buyers sign in through the storefront."), code="buyer")


class LoginView(auth_views.LoginView):
    template_name = "console/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def require_perm(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied(permission)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台: the user's to-dos (linked to the filtered queues), KPI cards and a trend (console.workbench)."""
    from mallops.console.workbench import workbench_for

    return render(
        request, "console/dashboard.html", {"active": "dashboard", "workbench": workbench_for(request.user)}
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    require_perm(request, "audit.view")
    filters = {
        key: request.GET.get(key, "").strip() for key in ("actor", "object_type", "object_id", "action")
    }
    since, since_error = console_datetime(request.GET.get("since"))
    until, until_error = console_datetime(request.GET.get("until"))
    events = audit_events(**filters, since=since, until=until)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "console/audit_log.html",
        {
            "active": "audit",
            "page": page,
            "filters": filters,
            "since": request.GET.get("since", "")[:32],
            "until": request.GET.get("until", "")[:32],
            "filter_error": since_error or until_error,
            # the filters take codes; the selects show their names (a code without a name stays typed)
            "action_choices": _named_choices("audit.action", audit_labels.ACTION, filters["action"]),
            "object_choices": _named_choices("audit.object", audit_labels.OBJECT, filters["object_type"]),
        },
    )


def _named_choices(key: str, codes: Any, current: str) -> list[tuple[str, str]]:
    from mallops.core.words import label_choices

    choices = sorted(label_choices(key, codes), key=lambda pair: pair[1])
    if current and current not in codes:
        choices.insert(0, (current, current))
    return choices


@login_required
def locks(request: HttpRequest) -> HttpResponse:
    require_perm(request, "staff.unlock")
    from django.utils import timezone

    from mallops.console.lists import Column, DataTable, Filter

    def shown(lock: LoginLock) -> str:
        return lock.key.split(":", 1)[1] if ":" in lock.key else lock.key

    kinds = [("user:", _("Account")), ("ip:", _("Address"))]
    table = DataTable(
        request,
        LoginLock.objects.filter(locked_until__gt=timezone.now()),
        columns=[
            Column("key", _("Account or address"), sort="key", value=shown),
            Column(
                "kind",
                _("Kind"),
                kind="badge",
                value=lambda lock: lock.key.split(":", 1)[0],
                display=lambda lock: _("Account") if lock.key.startswith("user:") else _("Address"),
                tone=lambda lock: "info",
            ),
            Column("failures", _("Failures"), kind="number", sort="failures"),
            Column("locked_until", _("Locked until"), kind="datetime", sort="locked_until"),
            Column("actions", "", kind="template", template="console/_lock_actions.html", export=False),
        ],
        search=["key"],
        search_placeholder=_("Account or address"),
        filters=[Filter("kind", _("Kind"), kinds, lookup="key__startswith")],
        default_sort="-locked_until",
        page_size=50,
        testid="locks",
        row_testid="lock-{key}",
        empty_title=_("No account is locked."),
        empty_hint=_(
            "An account or address is locked after too many failed sign-ins; the lock ends by itself."
        ),
    )
    return render(request, "console/locks.html", {"active": "locks", "table": table})


@login_required
@require_POST
def unlock(request: HttpRequest) -> HttpResponse:
    require_perm(request, "staff.unlock")
    username = request.POST.get("username", "")
    try:
        account_services.login_unlock(actor=request_actor(request), username=username)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Unlocked %(name)s.") % {"name": username})
    return redirect("console:locks")
