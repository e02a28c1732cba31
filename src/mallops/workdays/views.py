"""Console page for the working-day calendar: covered years, one year's days, import form."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.workdays import selectors, services
from mallops.workdays.engine import SHANGHAI


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("json", "JSON"), ("csv", "CSV (date,kind,name)")]
    )
    content = forms.CharField(label=gettext_lazy("Paste the data"), widget=forms.Textarea, required=False)
    upload = forms.FileField(label=gettext_lazy("or upload a file"), required=False)


DAY_CHOICES = [
    ("holiday", gettext_lazy("Public holiday")),
    ("workday", gettext_lazy("Make-up workday")),
    ("default", gettext_lazy("Back to default (Monday-Friday work, weekend rest)")),
]
DAY_FIELDS = {"date": "date", "choice": "choice", "name": "name"}
# the service speaks English to the API; the console shows these words for its codes
DAY_ERRORS = {
    "not_weekend": gettext_lazy("A make-up workday must be a Saturday or Sunday."),
    "required": gettext_lazy("A public holiday needs its name."),
    "out_of_range": gettext_lazy("The year must lie between 1992 and 9999."),
}


class DayForm(forms.Form):
    """One day's override, opened by clicking a cell of the year grid."""

    form = forms.CharField(widget=forms.HiddenInput, initial="day")
    date = forms.DateField(label=gettext_lazy("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    choice = forms.ChoiceField(label=gettext_lazy("Set the day as"), choices=DAY_CHOICES)
    name = forms.CharField(
        label=gettext_lazy("Holiday name"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Only for a public holiday, e.g. 国庆节"),
    )


def _shown_year(raw: str | None) -> int:
    if raw and is_ascii_digits(raw, max_digits=4) and 1992 <= int(raw) <= 9999:
        return int(raw)
    return datetime.now(SHANGHAI).year


def _day_from_query(raw: str | None, year: int) -> date | None:
    try:
        picked = date.fromisoformat(raw or "")
    except ValueError:
        return None
    return picked if picked.year == year else None


def _day_post(request: HttpRequest) -> tuple[DayForm, HttpResponse | None]:
    form = DayForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            services.calendar_day_set(
                actor=request_actor(request),
                day=day,
                choice=form.cleaned_data["choice"],
                name=form.cleaned_data["name"],
            )
        except DomainError as error:
            for problem in error.errors or []:
                field = DAY_FIELDS.get(str(problem.loc[-1])) if problem.loc else None
                form.add_error(field, str(DAY_ERRORS.get(problem.code, problem.msg)))
            if not error.errors:
                form.add_error(None, error.detail)
        else:
            messages.success(request, _("Saved the calendar day %(day)s.") % {"day": day.isoformat()})
            return form, redirect(f"{reverse('workdays:admin')}?year={day.year}")
    return form, None


@login_required
def calendar_admin(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("calendar.manage"):
        raise PermissionDenied("calendar.manage")
    shown = _shown_year(request.GET.get("year"))
    day_form: DayForm | None = None
    if request.method == "POST" and request.POST.get("form") == "day":
        day_form, done = _day_post(request)
        if done is not None:
            return done
        picked = getattr(day_form, "cleaned_data", {}).get("date")
        shown = picked.year if picked else shown
    form = ImportForm(request.POST or None, request.FILES or None) if day_form is None else ImportForm()
    if day_form is None and request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("upload")
        fmt = form.cleaned_data["format"]
        text = form.cleaned_data.get("content") or ""
        source = "console"
        if upload is not None:
            text = upload.read().decode("utf-8-sig", errors="replace")
            source = upload.name or source
            if source.lower().endswith(".csv"):
                fmt = "csv"
            elif source.lower().endswith(".json"):
                fmt = "json"
        try:
            rows = services.calendar_import_text(
                actor=request_actor(request), text=text, fmt=fmt, source=source
            )
        except DomainError as error:
            for problem in error.errors or []:
                form.add_error(None, problem.msg)
            if not error.errors:
                form.add_error(None, error.detail)
        else:
            years = ", ".join(str(r.year) for r in rows)
            messages.success(request, _("Imported calendar years: %(years)s") % {"years": years})
            return redirect("workdays:admin")
    months = selectors.year_grid(shown)
    picked_day = _day_from_query(request.GET.get("day"), shown)
    if day_form is None and picked_day is not None:
        cell = next(c for m in months for w in m.weeks for c in w if c is not None and c.date == picked_day)
        choice = {"holiday": "holiday", "makeup": "workday"}.get(cell.kind, "default")
        day_form = DayForm(initial={"date": picked_day, "choice": choice, "name": cell.name})
    return render(
        request,
        "workdays/calendar_admin.html",
        {
            "active": "calendar",
            "years": selectors.year_summaries(),
            "missing": selectors.missing_upcoming_years(),
            "form": form,
            "shown_year": shown,
            "previous_year": shown - 1,
            "next_year": shown + 1,
            "months": months,
            "picked_day": picked_day,
            "day_form": day_form,
        },
    )
