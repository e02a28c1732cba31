"""Console page for the working-day calendar: covered years, one year's days, import form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.workdays import selectors, services


class ImportForm(forms.Form):
    format = forms.ChoiceField(
        label=gettext_lazy("Format"), choices=[("json", "JSON"), ("csv", "CSV (date,kind,name)")]
    )
    content = forms.CharField(label=gettext_lazy("Paste the data"), widget=forms.Textarea, required=False)
    upload = forms.FileField(label=gettext_lazy("or upload a file"), required=False)


@login_required
def calendar_admin(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("calendar.manage"):
        raise PermissionDenied("calendar.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
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
                actor=request.user, text=text, fmt=fmt, source=source, request=request
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
    year = request.GET.get("year")
    shown = int(year) if year and is_ascii_digits(year, max_digits=4) else None
    return render(
        request,
        "workdays/calendar_admin.html",
        {
            "active": "calendar",
            "years": selectors.year_summaries(),
            "missing": selectors.missing_upcoming_years(),
            "form": form,
            "shown_year": shown,
            "days": selectors.year_days(shown) if shown else [],
        },
    )
