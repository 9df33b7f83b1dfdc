"""Core pages: start, cockpit, organisational units, people and roles, audit log."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.monitoring import selectors as monitoring_selectors
from digilotse.projects.selectors import cockpit_figures
from digilotse.strategy.selectors import action_field_list, strategy_current

from . import selectors, services
from .forms import KernForm, KernModelForm, add_service_errors
from .invitations import send_invitation
from .models import AuditAction, Membership, Municipality, OrgUnit, Role
from .tenancy import TenantRequest, tenant_get, tenant_view


def home(request: HttpRequest) -> HttpResponse:
    """Signed-in people go to their municipality; with several, they choose."""
    if not request.user.is_authenticated:
        return redirect("login")
    memberships = list(selectors.membership_list_for_user(user=request.user))
    if len(memberships) == 1:
        return redirect("cockpit", memberships[0].municipality.slug)
    return render(request, "core/home.html", {"memberships": memberships})


@tenant_view("core.view_municipality")
def cockpit(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    strategy = strategy_current(municipality=municipality)
    fields = action_field_list(municipality=municipality, strategy=strategy)
    goal_count = sum(len(f.goals.all()) for f in fields)
    kpi_count = sum(len(g.kpis.all()) for f in fields for g in f.goals.all())
    figures = cockpit_figures(municipality=municipality)
    today = timezone.localdate()
    rows = monitoring_selectors.monitoring_list(municipality=municipality, today=today)
    return render(
        request,
        "core/cockpit.html",
        {
            "strategy": strategy,
            "fields": fields,
            "goal_count": goal_count,
            "kpi_count": kpi_count,
            **figures,
            "red_projects": [r for r in rows if r.light == "red"],
            "overdue_projects": [r for r in rows if r.overdue],
            "stale_projects": [r for r in rows if r.staleness.stale],
            "pending_reports": list(
                monitoring_selectors.pending_reports(municipality=municipality)
            ),
            "burn": monitoring_selectors.budget_burn(rows=rows, year=today.year),
            "reporting_count": len(rows),
        },
    )


# --- Organisational units -------------------------------------------------------------------


class OrgUnitForm(KernModelForm):
    class Meta:
        model = OrgUnit
        fields = ["name", "short_name", "kind", "vision", "mission"]
        widgets = {
            "vision": forms.Textarea(attrs={"rows": 3}),
            "mission": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: object, municipality: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.instance.municipality = municipality


@tenant_view("core.view_municipality")
def orgunit_list(request: TenantRequest) -> HttpResponse:
    units = selectors.orgunit_list(municipality=request.municipality)
    return render(request, "core/orgunit_list.html", {"units": units})


@tenant_view("core.view_municipality")
def orgunit_detail(request: TenantRequest, pk: int) -> HttpResponse:
    unit = tenant_get(request, OrgUnit, pk=pk)
    projects = unit.projects.order_by("key")
    members = unit.members.select_related("user")
    return render(
        request,
        "core/orgunit_detail.html",
        {"unit": unit, "projects": projects, "members": members},
    )


def _save_orgunit(request: TenantRequest, unit: OrgUnit | None) -> HttpResponse:
    municipality = request.municipality
    form = OrgUnitForm(request.POST or None, instance=unit, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in OrgUnitForm.Meta.fields}
        try:
            if unit is None:
                unit = services.orgunit_create(
                    actor=request.user, municipality=municipality, **values
                )
            else:
                unit = services.orgunit_update(actor=request.user, unit=unit, **values)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("„%(name)s“ wurde gespeichert.") % {"name": unit.name})
            return redirect("core:orgunits", municipality.slug)
    return render(request, "core/orgunit_form.html", {"form": form, "unit": unit})


@tenant_view("core.manage_municipality")
def orgunit_create(request: TenantRequest) -> HttpResponse:
    return _save_orgunit(request, None)


@tenant_view("core.manage_municipality")
def orgunit_edit(request: TenantRequest, pk: int) -> HttpResponse:
    return _save_orgunit(request, tenant_get(request, OrgUnit, pk=pk))


@tenant_view("core.manage_municipality")
def orgunit_delete(request: TenantRequest, pk: int) -> HttpResponse:
    unit = tenant_get(request, OrgUnit, pk=pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.orgunit_delete(actor=request.user, unit=unit)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("„%(name)s“ wurde gelöscht.") % {"name": unit.name})
    return redirect("core:orgunits", request.municipality.slug)


# --- People and roles ---------------------------------------------------------------------


class MemberAddForm(KernForm):
    email = forms.EmailField(label=gettext_lazy("E-Mail-Adresse"))
    first_name = forms.CharField(label=gettext_lazy("Vorname"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Nachname"), max_length=150, required=False)
    role = forms.ChoiceField(label=gettext_lazy("Rolle"), choices=Role.choices)
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Organisationseinheit"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["org_unit"]).queryset = OrgUnit.objects.filter(
            municipality=municipality
        )


class MemberEditForm(KernForm):
    role = forms.ChoiceField(label=gettext_lazy("Rolle"), choices=Role.choices)
    org_unit = forms.ModelChoiceField(
        label=gettext_lazy("Organisationseinheit"), queryset=OrgUnit.objects.none(), required=False
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["org_unit"]).queryset = OrgUnit.objects.filter(
            municipality=municipality
        )


@tenant_view("core.manage_members")
def member_list(request: TenantRequest) -> HttpResponse:
    members = selectors.member_list(municipality=request.municipality)
    return render(request, "core/member_list.html", {"members": members, "roles": Role})


@tenant_view("core.manage_members")
def member_create(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    form = MemberAddForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(
                actor=request.user, municipality=municipality, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not membership.user.has_usable_password():
                send_invitation(
                    request=request,
                    user=membership.user,
                    municipality=municipality,
                    role_label=membership.get_role_display(),
                )
            messages.success(
                request,
                _("%(user)s hat jetzt die Rolle „%(role)s“.")
                % {"user": membership.user, "role": membership.get_role_display()},
            )
            return redirect("core:members", municipality.slug)
    return render(request, "core/member_form.html", {"form": form, "membership": None})


@tenant_view("core.manage_members")
def member_edit(request: TenantRequest, pk: int) -> HttpResponse:
    municipality = request.municipality
    membership = tenant_get(request, Membership.objects.select_related("user"), pk=pk)
    form = MemberEditForm(
        request.POST or None,
        municipality=municipality,
        initial={"role": membership.role, "org_unit": membership.org_unit},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                actor=request.user, membership=membership, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Die Rolle von %(user)s wurde gespeichert.") % {"user": membership.user}
            )
            return redirect("core:members", municipality.slug)
    return render(request, "core/member_form.html", {"form": form, "membership": membership})


@tenant_view("core.manage_members")
def member_remove(request: TenantRequest, pk: int) -> HttpResponse:
    membership = tenant_get(request, Membership.objects.select_related("user"), pk=pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(user)s hat keinen Zugang mehr zu dieser Kommune.") % {"user": membership.user},
        )
    return redirect("core:members", request.municipality.slug)


# --- Audit log ----------------------------------------------------------------------------

AUDIT_TYPES = [
    ("projects.project", gettext_lazy("Projekte")),
    ("strategy.strategy", gettext_lazy("Strategie")),
    ("strategy.actionfield", gettext_lazy("Handlungsfelder")),
    ("strategy.goal", gettext_lazy("Ziele")),
    ("strategy.kpi", gettext_lazy("Kennzahlen")),
    ("core.orgunit", gettext_lazy("Organisationseinheiten")),
    ("core.membership", gettext_lazy("Rollen")),
    ("core.municipality", gettext_lazy("Kommune")),
]


class AuditFilterForm(KernForm):
    hide_optional = True  # every filter is optional; saying so on each is noise

    object_type = forms.ChoiceField(
        label=gettext_lazy("Bereich"),
        choices=[("", gettext_lazy("alle")), *AUDIT_TYPES],
        required=False,
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Aktion"),
        choices=[("", gettext_lazy("alle")), *AuditAction.choices],
        required=False,
    )
    actor = forms.CharField(label=gettext_lazy("Person"), required=False, max_length=100)


@tenant_view("core.view_audit")
def audit_list(request: TenantRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_list(municipality=request.municipality, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    query.pop("seite", None)
    return render(
        request,
        "core/audit_list.html",
        {"form": form, "page": page, "query": query.urlencode(), "type_labels": dict(AUDIT_TYPES)},
    )
