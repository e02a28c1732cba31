"""关怀名单: the buyers user operations should look after, each with the reason, and a button that opens a
care task on the user-operations board (``analytics.care``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.analytics import care
from mallops.console.lists import Column, DataTable, Filter
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.tasks.contracts import Team
from mallops.tasks.selectors import assignable

PERMISSION = "user_ops.manage"


@login_required
def care_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm(PERMISSION):
        raise PermissionDenied(PERMISSION)
    now = timezone.now()
    if request.method == "POST":
        return _open_task(request, user, now)
    found = care.care_list(now=now)
    table = DataTable(
        request,
        found.rows,
        columns=[
            Column("name", gettext_lazy("Buyer")),
            Column(
                "reason",
                gettext_lazy("Why"),
                kind="badge",
                display=lambda r: r.reason_label,
                tone=lambda r: "warning",
            ),
            Column("detail", gettext_lazy("Details")),
            Column("since", gettext_lazy("Paid at"), kind="datetime", sort="since"),
            Column("actions", "", kind="template", template="analytics/_care_actions.html", export=False),
        ],
        filters=[Filter("reason", gettext_lazy("Why"), [(k, v) for k, v in care.REASONS.items()])],
        search=["name"],
        search_placeholder=gettext_lazy("Masked buyer name"),
        default_sort="reason",
        row_key="source_id",
        export_name="buyer-care",
        empty_title=gettext_lazy("No buyer needs care right now."),
        testid="care",
        row_testid="care-{key}",
        context={"assignees": list(assignable(Team.USER_OPS)), "me": user.pk},
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "analytics/care.html",
        {"active": "buyer_care", "table": table, "no_consent": found.no_consent},
    )


def _open_task(request: HttpRequest, user: Any, now: Any) -> HttpResponse:
    buyer = request.POST.get("buyer", "")
    assignee = request.POST.get("assignee", "")
    reason = request.POST.get("reason", "")
    if not is_ascii_digits(buyer, max_digits=12) or reason not in care.REASONS:
        messages.error(request, _("Choose a row of the list."))
        return redirect("analytics:care")
    try:
        task = care.care_task_open(
            actor=request_actor(request),
            buyer_id=int(buyer),
            reason=reason,
            assignee_id=int(assignee) if is_ascii_digits(assignee, max_digits=12) else None,
            now=now,
        )
    except DomainError as error:
        if error.errors and error.errors[0].code == "care_not_needed":
            messages.error(request, _("This buyer no longer needs care for this reason."))
        else:
            messages.error(request, _("The care task could not be created: %(why)s") % {"why": error.detail})
    else:
        if task is None:
            messages.info(request, _("A care task for this buyer and reason is already open."))
        else:
            messages.success(request, _("Care task created on the user-operations board."))
    return redirect("analytics:care")
