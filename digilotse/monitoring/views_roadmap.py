"""The roadmap page: all projects on a time line by Handlungsfeld, with a table and a CSV download.

Filters come as GET parameters (``handlungsfeld``, ``status`` – repeatable –, ``von``, ``bis``).
An invalid value is reported next to its field (status 400) and the page still shows the
roadmap, with that filter at its default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import KernForm
from digilotse.core.models import Municipality
from digilotse.core.tenancy import TenantRequest, tenant_view
from digilotse.projects.models import ProjectStatus
from digilotse.strategy.models import ActionField, Strategy
from digilotse.strategy.selectors import strategy_current

from .roadmap import (
    DEFAULT_STATUSES,
    MAX_YEARS,
    Roadmap,
    gantt_description,
    gantt_input,
    roadmap_data,
)
from .roadmap import roadmap_csv as write_csv

YEAR_MIN, YEAR_MAX = 2000, 2100


class RoadmapFilterForm(KernForm):
    hide_optional = True  # every filter is optional; saying so on each is noise

    handlungsfeld = forms.TypedChoiceField(
        label=gettext_lazy("Handlungsfeld"), required=False, coerce=int, empty_value=None
    )
    status = forms.MultipleChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=ProjectStatus.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    von = forms.IntegerField(
        label=gettext_lazy("von Jahr"),
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    bis = forms.IntegerField(
        label=gettext_lazy("bis Jahr"),
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self, *args: Any, municipality: Municipality, strategy: Strategy | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields = (
            list(ActionField.objects.filter(municipality=municipality, strategy=strategy))
            if strategy is not None
            else []
        )
        self.action_fields = {f.pk: f for f in fields}
        self.fields["handlungsfeld"].choices = [("", _("alle"))] + [  # type: ignore[attr-defined]
            (f.pk, f.name) for f in fields
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("von"), data.get("bis")
        if first is not None and last is not None:
            if last < first:
                self.add_error(
                    "bis",
                    forms.ValidationError(
                        _("Das Endjahr darf nicht vor dem Anfangsjahr liegen."),
                        code="window_reversed",
                    ),
                )
            elif last - first >= MAX_YEARS:
                self.add_error(
                    "bis",
                    forms.ValidationError(
                        _("Bitte wählen Sie höchstens %(n)s Jahre.") % {"n": MAX_YEARS},
                        code="window_too_long",
                    ),
                )
        return data


@dataclass(frozen=True)
class RoadmapFilter:
    action_field: ActionField | None
    statuses: tuple[str, ...]
    years: tuple[int, int] | None


def _filters(form: RoadmapFilterForm) -> RoadmapFilter:
    """The valid part of the form; an invalid field falls back to its default."""
    form.is_valid()
    data = form.cleaned_data
    pk = data.get("handlungsfeld")
    statuses = tuple(data.get("status") or ()) or DEFAULT_STATUSES
    first, last = data.get("von"), data.get("bis")
    years: tuple[int, int] | None = None
    if first is not None and last is not None:
        years = (first, last)
    elif first is not None:
        years = (first, min(first + 4, YEAR_MAX))
    elif last is not None:
        years = (max(last - 4, YEAR_MIN), last)
    return RoadmapFilter(
        action_field=form.action_fields.get(pk) if pk is not None else None,
        statuses=statuses,
        years=years,
    )


def _load(request: TenantRequest) -> tuple[RoadmapFilterForm, Roadmap]:
    municipality = request.municipality
    strategy = strategy_current(municipality=municipality)
    data: QueryDict | None = None
    if request.GET:
        data = request.GET.copy()
        if not data.getlist("status"):
            # Nothing ticked means the default, and the boxes should say so.
            data.setlist("status", list(DEFAULT_STATUSES))
    form = RoadmapFilterForm(
        data,
        initial={"status": list(DEFAULT_STATUSES)},
        municipality=municipality,
        strategy=strategy,
    )
    filters = _filters(form) if data is not None else RoadmapFilter(None, DEFAULT_STATUSES, None)
    roadmap = roadmap_data(
        municipality=municipality,
        today=timezone.localdate(),
        action_field=filters.action_field,
        statuses=filters.statuses,
        years=filters.years,
        strategy=strategy,
    )
    return form, roadmap


@tenant_view("monitoring.view_monitoring")
def roadmap(request: TenantRequest) -> HttpResponse:
    form, data = _load(request)
    if not form.is_bound:
        form.initial.update({"von": data.first_year, "bis": data.last_year})
    context = {
        "form": form,
        "roadmap": data,
        "chart_groups": gantt_input(data),
        "chart_desc": gantt_description(data),
        "query": request.GET.urlencode(),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "monitoring/roadmap.html", context, status=status)


@tenant_view("monitoring.view_monitoring")
def roadmap_csv(request: TenantRequest) -> HttpResponse:
    form, data = _load(request)
    if form.is_bound and form.errors:
        # A download cannot show the form's messages: say what is wrong in plain text.
        lines = [
            f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}"
            for name, errors in form.errors.items()
        ]
        return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(write_csv(data), content_type="text/csv; charset=utf-8")
    filename = f"roadmap-{request.municipality.slug}-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    # The table names projects not yet public: keep it out of shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
