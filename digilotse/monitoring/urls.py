"""Umsetzung (monitoring). Views: project status, reports, KPIs and the overview in views.py;
the roadmap in views_roadmap.py; bulk import/export and the JSON endpoint in views_io.py; the
evaluation of the selection procedure in views_evaluation.py; document downloads in
views_documents.py."""

from django.urls import path

from . import views, views_documents, views_evaluation, views_io, views_roadmap

app_name = "monitoring"

urlpatterns: list = [
    path("roadmap/", views_roadmap.roadmap, name="roadmap"),
    path("roadmap.csv", views_roadmap.roadmap_csv, name="roadmap_csv"),
    path("", views.overview, name="overview"),
    path("projekt/<int:pk>/", views.project_status, name="project"),
    path("projekt/<int:pk>/bericht/", views.report_form, name="report_form"),
    path("projekt/<int:pk>/meilensteine/neu/", views.milestone_create, name="milestone_create"),
    path("meilensteine/<int:pk>/", views.milestone_edit, name="milestone_edit"),
    path("meilensteine/<int:pk>/loeschen/", views.milestone_delete, name="milestone_delete"),
    path("berichte/<int:pk>/", views.report_detail, name="report"),
    path("berichte/<int:pk>/einreichen/", views.report_submit, name="report_submit"),
    path("berichte/<int:pk>/freigeben/", views.report_approve, name="report_approve"),
    path("berichte/<int:pk>/zurueckgeben/", views.report_return, name="report_return"),
    path("kennzahlen/", views.kpi_list, name="kpis"),
    path("kennzahlen/<int:pk>/", views.kpi_detail, name="kpi"),
    path("messwerte/<int:pk>/loeschen/", views.measurement_delete, name="measurement_delete"),
    path("verfahren/", views_evaluation.evaluation_list, name="evaluation_list"),
    path("verfahren/<int:pk>/", views_evaluation.evaluation, name="evaluation"),
    path("import/", views_io.import_view, name="import"),
    path("export.xlsx", views_io.export_xlsx, name="export_xlsx"),
    path("berichte.csv", views_io.export_reports_csv, name="export_reports_csv"),
    path("kennzahlen.csv", views_io.export_kpis_csv, name="export_kpis_csv"),
    path("api/monitoring.json", views_io.api, name="api"),
    path("api-zugang/", views_io.api_tokens, name="api_tokens"),
    path("dokumente/", views_documents.documents_page, name="documents"),
    path(
        "dokumente/strategiebericht.pdf",
        views_documents.download,
        {"kind": "strategie", "fmt": "pdf"},
        name="document_strategie_pdf",
    ),
    path(
        "dokumente/strategiebericht.xlsx",
        views_documents.download,
        {"kind": "strategie", "fmt": "xlsx"},
        name="document_strategie_xlsx",
    ),
    path(
        "dokumente/fortschrittsbericht.pdf",
        views_documents.download,
        {"kind": "fortschritt", "fmt": "pdf"},
        name="document_fortschritt_pdf",
    ),
    path(
        "dokumente/fortschrittsbericht.xlsx",
        views_documents.download,
        {"kind": "fortschritt", "fmt": "xlsx"},
        name="document_fortschritt_xlsx",
    ),
    path(
        "dokumente/beschlussvorlage/<int:pk>.pdf",
        views_documents.download_round,
        {"fmt": "pdf"},
        name="document_beschlussvorlage_pdf",
    ),
    path(
        "dokumente/beschlussvorlage/<int:pk>.xlsx",
        views_documents.download_round,
        {"fmt": "xlsx"},
        name="document_beschlussvorlage_xlsx",
    ),
]
