"""Console pages of the tasks app: a board per team, a task page with its actions, a new-task form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mallops.accounts.actors import request_actor
from mallops.console.forms import console_widgets
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import error_lines
from mallops.tasks import selectors, services
from mallops.tasks.errors import TasksCode
from mallops.tasks.models import Kind, Status, Team
from mallops.tasks.rules import can_manage


class TaskForm(forms.Form):
    team = forms.ChoiceField(label=gettext_lazy("Team"))
    kind = forms.ChoiceField(label=gettext_lazy("Type"), choices=Kind.choices, initial=Kind.FOLLOW_UP)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    detail = forms.CharField(
        label=gettext_lazy("Details"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    assignee_id = forms.TypedChoiceField(
        label=gettext_lazy("Assignee"), coerce=int, required=False, empty_value=None
    )
    due_at = forms.DateTimeField(label=gettext_lazy("Due"), required=False)

    def __init__(self, *args: Any, teams: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ChoiceField)
        team_field.choices = [(t, Team(t).label) for t in teams]
        people: dict[int, str] = {}
        for team in teams:
            for user in selectors.assignable(team):
                people[user.pk] = user.get_full_name() or user.username
        assignee_field = self.fields["assignee_id"]
        assert isinstance(assignee_field, forms.ChoiceField)
        assignee_field.choices = [
            ("", _("Nobody yet")),
            *sorted(people.items(), key=lambda p: p[1]),
        ]
        console_widgets(self)


def _staff(actor: Actor) -> list[str]:
    teams = selectors.teams_of(actor)
    if not teams:
        raise PermissionDenied("tasks")
    return teams


@login_required
def board(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    teams = _staff(actor)
    team = request.GET.get("team", "")
    if team not in teams:
        team = teams[0]
    mine = request.GET.get("mine") == "1"
    columns = selectors.board(actor=actor, team=team, mine=mine)
    return render(
        request,
        "tasks/board.html",
        {
            "active": "tasks",
            "teams": [(t, Team(t).label) for t in teams],
            "team": team,
            "team_label": Team(team).label,
            "mine": mine,
            "columns": [
                (Status.OPEN.label, columns[Status.OPEN], "open"),
                (Status.IN_PROGRESS.label, columns[Status.IN_PROGRESS], "in_progress"),
                (_("Closed in the last 14 days"), columns[Status.DONE], "closed"),
            ],
            "can_create": can_manage(actor, team),
            "notices": list(selectors.notices(actor=actor, unread_only=True)[:20]),
            "now": timezone.now(),
        },
    )


@login_required
def task_new(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    teams = [t for t in _staff(actor) if can_manage(actor, t)]
    if not teams:
        raise PermissionDenied("tasks")
    form = TaskForm(request.POST or None, teams=teams, initial={"team": request.GET.get("team", "")})
    if request.method == "POST" and form.is_valid():
        try:
            task = services.task_open(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            for line in error_lines(exc.errors, "tasks") or [exc.detail]:
                form.add_error(None, line)
        else:
            messages.success(request, _("Task opened."))
            return redirect("tasks:task", task_id=task.pk)
    return render(request, "tasks/task_new.html", {"active": "tasks", "form": form})


@login_required
def task_page(request: HttpRequest, task_id: int) -> HttpResponse:
    actor = request_actor(request)
    _staff(actor)
    try:
        task = selectors.task_get(actor=actor, task_id=task_id)
    except DomainError as exc:
        raise Http404(exc.detail) from exc
    return render(
        request,
        "tasks/task.html",
        {
            "active": "tasks",
            "task": task,
            "comments": task.comments.select_related("author"),
            "is_open": task.status in (Status.OPEN, Status.IN_PROGRESS),
            "may_manage": selectors.may_manage(actor, task),
            "may_work": selectors.may_work(actor, task),
            "people": selectors.assignable(task.team),
            "overdue": task.due_at is not None and task.closed_at is None and task.due_at < timezone.now(),
        },
    )


ACTIONS = {"assign", "start", "comment", "reschedule", "close", "cancel"}


@login_required
@require_POST
def task_action(request: HttpRequest, task_id: int, action: str) -> HttpResponse:
    actor = request_actor(request)
    _staff(actor)
    if action not in ACTIONS:
        raise Http404(action)
    try:
        selectors.task_get(actor=actor, task_id=task_id)
    except DomainError as exc:
        raise Http404(exc.detail) from exc
    post = request.POST
    try:
        if action == "assign":
            assignee = post.get("assignee_id", "")
            if not is_ascii_digits(assignee):
                raise DomainError(detail=_("Choose a person."), code=TasksCode.INVALID)
            services.task_assign(actor=actor, task_id=task_id, assignee_id=int(assignee))
            messages.success(request, _("Task assigned."))
        elif action == "start":
            services.task_start(actor=actor, task_id=task_id)
            messages.success(request, _("Task started."))
        elif action == "comment":
            services.task_comment(actor=actor, task_id=task_id, body=post.get("body", ""))
            messages.success(request, _("Comment added."))
        elif action == "reschedule":
            field = forms.DateTimeField(required=False)
            try:
                due_at = field.clean(post.get("due_at", ""))
            except forms.ValidationError as exc:
                raise DomainError(detail=_("Enter a valid date and time."), code=TasksCode.INVALID) from exc
            services.task_reschedule(actor=actor, task_id=task_id, due_at=due_at)
            messages.success(request, _("Due time changed."))
        elif action == "close":
            services.task_close(actor=actor, task_id=task_id, outcome=post.get("outcome", ""))
            messages.success(request, _("Task closed."))
        else:
            services.task_cancel(actor=actor, task_id=task_id, reason=post.get("reason", ""))
            messages.success(request, _("Task cancelled."))
    except DomainError as exc:
        for line in error_lines(exc.errors, "tasks") or [_(exc.detail)]:
            messages.error(request, line)
    return redirect("tasks:task", task_id=task_id)


@login_required
@require_POST
def notices_read(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    teams = _staff(actor)
    services.notices_read(actor=actor)
    return redirect(f"{_board_url()}?team={request.POST.get('team', teams[0])}")


def _board_url() -> str:
    from django.urls import reverse

    return reverse("tasks:board")
