"""Console pages of buyer tags (买家标签): the tags with their counts and a form to create one; one tag's
buyers with assign, unassign, rename and delete. Each view parses, calls one service, renders."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mallops.accounts.actors import request_actor
from mallops.console.lists import Column, DataTable
from mallops.core.actors import Actor
from mallops.core.errors import DomainError
from mallops.core.inputs import is_ascii_digits
from mallops.core.words import error_lines
from mallops.marketing import services, tags
from mallops.privacy.registry import always_masked


class MarketingTagAssignForm(forms.Form):
    tag = forms.CharField(label=gettext_lazy("Tag name"), max_length=30)
    usernames = forms.CharField(
        label=gettext_lazy("Buyer usernames"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One username per line (or separated by commas); at most 1000."),
    )

    def username_list(self) -> list[str]:
        raw = str(self.cleaned_data.get("usernames") or "")
        return [u for u in dict.fromkeys(re.split(r"[\s,，]+", raw)) if u][:1001]


class MarketingTagRenameForm(forms.Form):
    new_name = forms.CharField(label=gettext_lazy("New tag name"), max_length=30)


def _need(request: HttpRequest, permission: str | tuple[str, ...]) -> Actor:
    """The user when they hold ``permission`` (any one of a tuple), else 403."""
    wanted = (permission,) if isinstance(permission, str) else permission
    if not any(request.user.has_perm(p) for p in wanted):
        raise PermissionDenied(wanted[0])
    return request_actor(request)


def _acting(request: HttpRequest, permission: str | tuple[str, ...]) -> Actor:
    """``_need``, then the typed actor for a service call (issue 16)."""
    _need(request, permission)
    return request_actor(request)


def _refused(form: forms.Form, error: DomainError) -> None:
    for line in error_lines(error.errors, "marketing") or [_("The action was refused.")]:
        form.add_error(None, line)


def _assign(request: HttpRequest, form: MarketingTagAssignForm) -> bool:
    """Give the form's tag to its buyers; a message says how many and which names are no buyer."""
    try:
        result = services.buyer_tags_add(
            actor=_acting(request, tags.TARGETING),
            tag=form.cleaned_data["tag"],
            usernames=form.username_list(),
        )
    except DomainError as error:
        _refused(form, error)
        return False
    messages.success(request, _("%(count)s buyers tagged.") % {"count": result.tagged})
    if result.unknown:
        messages.warning(
            request,
            _("Not a buyer account: %(names)s") % {"names": _(", ").join(result.unknown[:20])},
        )
    return True


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    """买家标签: every tag with its number of buyers; a form to create a tag with its first buyers."""
    actor = _need(request, "promotion.view")
    form = MarketingTagAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _assign(request, form):
        return redirect("marketing:tag", tag=form.cleaned_data["tag"].strip())
    table = DataTable(
        request,
        tags.tag_counts(actor=actor),
        columns=[
            Column("tag", _("Tag name"), sort="tag", link=lambda r: _tag_url(r["tag"])),
            Column("buyers", _("Buyers"), kind="number", sort="buyers"),
        ],
        search=["tag"],
        search_placeholder=_("Tag name"),
        default_sort="tag",
        export_name="buyer-tags",
        empty_title=_("No buyer tag yet."),
        empty_hint=_("Create a tag with its buyers below; a campaign picks its audience by tags."),
    )
    if table.export_format:
        return table.export_response()
    return render(
        request,
        "marketing/tags.html",
        {
            "active": "marketing_campaigns",
            "table": table,
            "form": form,
            "can_manage": any(request.user.has_perm(p) for p in tags.TARGETING),
        },
    )


def _tag_url(tag: str) -> str:
    from django.urls import reverse

    return reverse("marketing:tag", kwargs={"tag": tag})


def _masked(row: Any) -> str:
    buyer = row.buyer
    name = always_masked(buyer, "display_name") if getattr(buyer, "display_name", "") else ""
    return str(name) if name else f"{buyer.username[:2]}***"


@login_required
def tag_page(request: HttpRequest, tag: str) -> HttpResponse:
    """One tag: its buyers (masked), how many a campaign could reach, the campaigns naming it; assign,
    unassign, rename and delete (``tags.TARGETING``)."""
    actor = _need(request, "promotion.view")
    try:
        rows = tags.tag_buyers(actor=actor, tag=tag)
    except DomainError as error:
        raise Http404("tag") from error
    assign = MarketingTagAssignForm(
        request.POST if request.POST.get("action") == "assign" else None, initial={"tag": tag}
    )
    rename = MarketingTagRenameForm(
        request.POST if request.POST.get("action") == "rename" else None, initial={"new_name": tag}
    )
    if request.method == "POST":
        manager = _acting(request, tags.TARGETING)
        action = request.POST.get("action", "")
        if action == "assign" and assign.is_valid() and _assign(request, assign):
            return redirect("marketing:tag", tag=tag)
        if action == "rename" and rename.is_valid():
            try:
                tags.buyer_tag_rename(actor=manager, tag=tag, new_name=rename.cleaned_data["new_name"])
            except DomainError as error:
                _refused(rename, error)
            else:
                messages.success(request, _("Tag renamed."))
                return redirect("marketing:tag", tag=rename.cleaned_data["new_name"].strip())
        if action == "unassign":
            raw = request.POST.get("buyer", "")
            removed = tags.buyer_tag_remove(
                actor=manager, tag=tag, buyer_ids=[int(raw)] if is_ascii_digits(raw) else []
            )
            messages.success(request, _("%(count)s buyers untagged.") % {"count": removed})
            return redirect("marketing:tag", tag=tag) if rows.exists() else redirect("marketing:tags")
        if action == "delete":
            tags.buyer_tag_remove(actor=manager, tag=tag)
            messages.success(request, _("Tag deleted."))
            return redirect("marketing:tags")
    can_manage = any(request.user.has_perm(p) for p in tags.TARGETING)
    table = DataTable(
        request,
        rows,
        columns=[
            Column("buyer", _("Buyer"), value=_masked),
            Column("created_at", _("Tagged at"), kind="datetime", sort="created_at"),
            *(
                [
                    Column(
                        "actions", "", kind="template", template="marketing/_tag_unassign.html", export=False
                    )
                ]
                if can_manage
                else []
            ),
        ],
        default_sort="-created_at",
        page_size=50,
        context={"tag": tag},
        empty_title=_("No buyer carries this tag."),
    )
    return render(
        request,
        "marketing/tag.html",
        {
            "active": "marketing_campaigns",
            "tag": tag,
            "use": tags.tag_use(actor=actor, tag=tag),
            "table": table,
            "assign": assign,
            "rename": rename,
            "can_manage": can_manage,
        },
    )
