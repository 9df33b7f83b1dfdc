"""Programme budgets (Programmbudgets): the money a funding programme has for the municipality
(a Land quota, a call's budget) — the limit per programme of the net-cost optimisation
(``digilotse.selection.portfolio._add_funding``).

The page lists the programmes the municipality sees that have applications of the municipality
or a budget, with what is applied for (the amounts the optimisation counts: Idee, in
Vorbereitung, eingereicht, bewilligt; approved where set, else requested). Every member reads it;
the CDO (``funding.manage_programs``) sets or clears a budget per row (the service checks again).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any, Final

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from digilotse.core.forms import (
    GermanDecimalField,
    KernForm,
    add_service_errors,
    format_german_decimal,
)
from digilotse.core.tenancy import TenantRequest, tenant_view

from . import services
from .models import ApplicationStatus, FundingApplication, FundingProgram, ProgramBudget
from .selectors import visible_programs

St = ApplicationStatus
MONEY_MAX: Final = Decimal("999999999999.99")
#: Applications whose amounts the net-cost optimisation counts (``funding_options``).
COUNTED: Final = (St.IDEA, St.PREPARING, St.SUBMITTED, St.APPROVED)


class BudgetForm(KernForm):
    """One row: the money available from one programme; empty removes the budget."""

    available = GermanDecimalField(
        label=gettext_lazy("Verfügbar (€)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=MONEY_MAX,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=gettext_lazy("Leer: kein Programmbudget (begrenzt nur durch die Anträge)."),
    )

    def __init__(self, *args: Any, program: FundingProgram, **kwargs: Any) -> None:
        super().__init__(*args, prefix=f"p{program.pk}", **kwargs)
        field = self.fields["available"]
        # The programme's title for screen readers: every row has a field of the same name.
        field.label = format_html(
            '{} <span class="kern-sr-only">{}</span>', _("Verfügbar (€)"), program.title
        )
        field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} dl-input-short"


def _rows(request: TenantRequest) -> list[dict[str, Any]]:
    """Programmes with applications of the municipality or a budget, by title."""
    municipality = request.municipality
    budgets = {
        b.program_id: b.available for b in ProgramBudget.objects.filter(municipality=municipality)
    }
    applied: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    for application in FundingApplication.objects.filter(
        municipality=municipality
    ).prefetch_related("years"):
        counts[application.program_id] += 1
        if application.status in COUNTED:
            applied[application.program_id] += sum(
                (y.amount for y in application.years.all()), Decimal(0)
            )
    programs = (
        visible_programs(municipality)
        .filter(Q(pk__in=list(counts)) | Q(pk__in=list(budgets)))
        .order_by("title", "pk")
    )
    return [
        {
            "program": program,
            "applications": counts.get(program.pk, 0),
            "applied": applied.get(program.pk, Decimal(0)),
            "available": budgets.get(program.pk),
        }
        for program in programs
    ]


@tenant_view("funding.view_funding")
def budgets(request: TenantRequest) -> HttpResponse:
    can_manage = request.user.has_perm("funding.manage_programs", request.municipality)
    rows = _rows(request)
    status = 200
    posted: int | None = None
    bound: BudgetForm | None = None
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        wanted = request.POST.get("program", "")
        pk = int(wanted) if wanted.isdigit() and len(wanted) < 12 else None
        row = next((r for r in rows if r["program"].pk == pk), None)
        if row is None:
            messages.error(request, _("Dieses Förderprogramm steht nicht in der Liste."))
            return redirect("funding:budgets", request.municipality.slug)
        program = row["program"]
        bound = BudgetForm(request.POST, program=program)
        if bound.is_valid():
            available = bound.cleaned_data.get("available")
            try:
                services.program_budget_set(
                    actor=request.user,
                    municipality=request.municipality,
                    program=program,
                    available=available,
                )
            except ValidationError as exc:
                add_service_errors(bound, exc)
            else:
                if available is None:
                    text = _("Das Programmbudget für „%(title)s“ ist entfernt.")
                else:
                    text = _("Das Programmbudget für „%(title)s“ ist gespeichert.")
                messages.success(request, text % {"title": program.title})
                return redirect("funding:budgets", request.municipality.slug)
        posted = program.pk
        status = 400
    if can_manage:
        for r in rows:
            if r["program"].pk == posted and bound is not None:
                r["form"] = bound
            else:
                r["form"] = BudgetForm(
                    program=r["program"],
                    initial={"available": format_german_decimal(r["available"])},
                )
    return render(
        request,
        "funding/budgets.html",
        {"rows": rows, "can_manage": can_manage},
        status=status,
    )


__all__ = ["budgets"]
