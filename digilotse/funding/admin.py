"""Django admin for the installation admin: the programme catalogue and, read-mostly, the
municipalities' applications, financing lines and programme budgets."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .fdb_import import FDB_FIELDS
from .models import (
    ApplicationYear,
    FinancingLine,
    FundingApplication,
    FundingProgram,
    ProgramBudget,
    ProgramDeadline,
)


class ProgramDeadlineInline(admin.TabularInline):
    model = ProgramDeadline
    extra = 1


@admin.register(FundingProgram)
class FundingProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "fdb_id", "municipality", "example", "foerdergeber", "checked_on"]
    list_filter = ["example", "foerdergeber", "deadline_kind", "municipality"]
    search_fields = ["title", "fdb_id", "summary"]
    inlines = [ProgramDeadlineInline]
    raw_id_fields = ["checked_by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Imported texts are CC BY-ND: changed only by a re-import, never by hand.
        if obj is not None and obj.fdb_id:
            return [*FDB_FIELDS, "fdb_id", "imported_at", "municipality"]
        return ["imported_at"]


class ApplicationYearInline(admin.TabularInline):
    model = ApplicationYear
    extra = 0


@admin.register(FundingApplication)
class FundingApplicationAdmin(admin.ModelAdmin):
    list_display = ["project", "program", "status", "deadline", "municipality"]
    list_filter = ["status", "municipality"]
    raw_id_fields = ["project", "program", "responsible"]
    inlines = [ApplicationYearInline]


@admin.register(FinancingLine)
class FinancingLineAdmin(admin.ModelAdmin):
    list_display = ["project", "year", "source", "amount", "municipality"]
    list_filter = ["source", "municipality"]
    raw_id_fields = ["project", "application"]


@admin.register(ProgramBudget)
class ProgramBudgetAdmin(admin.ModelAdmin):
    list_display = ["program", "municipality", "available"]
    raw_id_fields = ["program"]
