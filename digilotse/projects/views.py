"""Project register pages: list with filter/sort/search, detail with history, form, lifecycle."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from digilotse.core.forms import add_service_errors
from digilotse.core.tenancy import TenantRequest, require, tenant_get, tenant_view
from digilotse.monitoring.selectors import project_monitoring

from . import services
from .criteria import strategic_impact_for
from .forms import ProjectFilterForm, ProjectForm, TransitionForm
from .lifecycle import get_transition, transitions_from
from .models import Project
from .selectors import SORTS, ProjectFilter, project_get
from .selectors import project_list as select_projects

PAGE_SIZE = 50


@tenant_view("projects.view_project")
def project_list(request: TenantRequest) -> HttpResponse:
    municipality = request.municipality
    form = ProjectFilterForm(request.GET or None, municipality=municipality)
    data = form.cleaned_data if form.is_valid() else {}
    sort = str(data.get("sort")) if data.get("sort") in SORTS else "key"
    filters = ProjectFilter(
        q=data.get("q") or "",
        status=data.get("status") or "",
        action_field=data.get("action_field"),
        org_unit=data.get("org_unit"),
        source=data.get("source") or "",
        lighthouse=request.GET.get("leuchtturm") == "1",
        mandatory=request.GET.get("pflicht") == "1",
        sort=sort,
    )
    projects = select_projects(municipality=municipality, filters=filters)
    page = Paginator(projects, PAGE_SIZE).get_page(request.GET.get("seite"))
    query = request.GET.copy()
    for name in ("seite", "sort"):
        query.pop(name, None)
    context = {
        "form": form,
        "page": page,
        "sort": sort,
        "query": query.urlencode(),
        "filters": filters,
    }
    template = "projects/_results.html" if getattr(request, "htmx", False) else "projects/list.html"
    return render(request, template, context)


@tenant_view("projects.view_project")
def project_detail(request: TenantRequest, pk: int) -> HttpResponse:
    return _render_detail(request, pk)


def _render_detail(
    request: TenantRequest, pk: int, transition_form: TransitionForm | None = None
) -> HttpResponse:
    municipality = request.municipality
    try:
        project = project_get(municipality=municipality, pk=pk)
    except Project.DoesNotExist:
        raise Http404 from None
    years = list(project.years.all())
    totals = {
        "one_off": sum(y.one_off_cost for y in years),
        "running": sum(y.running_cost for y in years),
        "fte": sum(y.fte for y in years),
    }
    form = transition_form or TransitionForm(project=project, user=request.user)
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "years": years,
            "totals": totals,
            "transition_form": form,
            "is_final": not transitions_from(project.status),
            "impact": strategic_impact_for(project),
            "mon": project_monitoring(project=project, today=timezone.localdate()),
        },
        status=400 if transition_form is not None else 200,
    )


def _save(request: TenantRequest, project: Project | None) -> HttpResponse:
    municipality = request.municipality
    form = ProjectForm(request.POST or None, instance=project, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        try:
            if project is None:
                project = services.project_create(
                    actor=request.user,
                    municipality=municipality,
                    data=form.to_data(),
                )
            else:
                project = services.project_update(
                    actor=request.user, project=project, data=form.to_data()
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Projekt „%(title)s“ wurde gespeichert.") % {"title": project.title}
            )
            return redirect("projects:detail", municipality.slug, project.pk)
    return render(
        request,
        "projects/form.html",
        {"form": form, "project": project},
        status=400 if form.errors else 200,
    )


@tenant_view("projects.add_project")
def project_create_view(request: TenantRequest) -> HttpResponse:
    return _save(request, None)


@tenant_view("projects.view_project")
def project_edit(request: TenantRequest, pk: int) -> HttpResponse:
    project = tenant_get(request, Project, pk=pk)
    require(request, "projects.change_project", project)
    return _save(request, project)


@tenant_view("projects.view_project")
def project_transition_view(request: TenantRequest, pk: int) -> HttpResponse:
    project = tenant_get(request, Project, pk=pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    form = TransitionForm(request.POST, project=project, user=request.user)
    requested = get_transition(project.status, request.POST.get("to_status", ""))
    if not form.allowed or (requested and not request.user.has_perm(requested.permission, project)):
        raise PermissionDenied
    if not form.is_valid():
        return _render_detail(request, pk, form)
    try:
        services.project_transition(
            actor=request.user,
            project=project,
            to_status=form.cleaned_data["to_status"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _render_detail(request, pk, form)
    project.refresh_from_db()
    messages.success(
        request, _("Status ist jetzt „%(status)s“.") % {"status": project.get_status_display()}
    )
    return redirect("projects:detail", request.municipality.slug, project.pk)


@tenant_view("projects.delete_project")
def project_delete_view(request: TenantRequest, pk: int) -> HttpResponse:
    project = tenant_get(request, Project, pk=pk)
    if request.method != "POST":  # after the tenant lookup: a foreign id is a 404
        return HttpResponseNotAllowed(["POST"])
    try:
        services.project_delete(actor=request.user, project=project)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("projects:detail", request.municipality.slug, project.pk)
    messages.success(request, _("Projekt „%(title)s“ wurde gelöscht.") % {"title": project.title})
    return redirect("projects:list", request.municipality.slug)
