"""Staff: turn a citizens' idea into a project proposal of the register (CDO only,
``portal.adopt_idea``). The form starts from the idea's title, text and action field; the
project is created by ``participation.idea_adopt`` and the idea links to it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import KernForm, add_service_errors
from digilotse.core.models import Municipality, OrgUnit
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.projects.models import Project
from digilotse.strategy.models import ActionField
from digilotse.strategy.selectors import strategy_current

from . import participation
from .models import Idea


class AdoptForm(KernForm):
    title = forms.CharField(label=gettext_lazy("Titel des Projekts"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Beschreibung"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Zuständige Organisationseinheit"), queryset=OrgUnit.objects.none()
    )
    action_fields = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Handlungsfelder"),
        queryset=ActionField.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["org_unit"]
        fields = self.fields["action_fields"]
        assert isinstance(unit, forms.ModelChoiceField)
        assert isinstance(fields, forms.ModelMultipleChoiceField)
        unit.queryset = OrgUnit.objects.filter(municipality=municipality).order_by("name")
        fields.queryset = ActionField.objects.filter(
            municipality=municipality, strategy=strategy_current(municipality=municipality)
        ).order_by("position", "name")


@tenant_view("portal.adopt_idea")
def idea_adopt(request: TenantRequest, pk: int) -> HttpResponse:
    idea: Idea = tenant_get(request, Idea.objects.select_related("project", "action_field"), pk=pk)
    require(request, "portal.adopt_idea", idea)
    m = request.municipality
    adoptable = idea.project_id is None and idea.status in participation.ADOPTABLE_STATUSES
    status = 200
    if request.method == "POST" and adoptable:
        form = AdoptForm(request.POST, municipality=m)
        if form.is_valid():
            try:
                project: Project = participation.idea_adopt(
                    actor=request.user,
                    idea=idea,
                    org_unit=form.cleaned_data["org_unit"],
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    action_fields=tuple(form.cleaned_data["action_fields"]),
                )
            except ValidationError as e:
                add_service_errors(form, e)
            else:
                messages.success(
                    request,
                    _("Die Idee ist als Projektvorschlag %(key)s übernommen.")
                    % {"key": project.key},
                )
                return redirect("projects:detail", m.slug, project.pk)
        status = 400
    else:
        initial: dict[str, Any] = {
            "title": idea.title,
            "description": idea.text,
            "org_unit": request.membership.org_unit_id,
        }
        if idea.action_field_id:
            initial["action_fields"] = [idea.action_field_id]
        form = AdoptForm(initial=initial, municipality=m)
        if request.method == "POST":
            status = 400
    return render(
        request,
        "portal/staff/idea_adopt.html",
        {"idea": idea, "form": form, "adoptable": adoptable},
        status=status,
    )
