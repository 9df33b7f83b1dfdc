"""Fördermittel (staff pages under /k/<slug>/foerdermittel/). Catalogue and programmes in
views_catalogue.py; further pages (applications, financing, deadlines) add their paths here."""

from django.urls import path

from . import views_applications, views_budgets, views_catalogue, views_matching

app_name = "funding"

urlpatterns: list = [
    path("programme/", views_catalogue.catalogue, name="catalogue"),
    path("programme/neu/", views_catalogue.program_new, name="program_new"),
    path("programme/import/", views_catalogue.fdb_upload, name="import"),
    path("programme/<int:pk>/", views_catalogue.program_detail, name="program"),
    path("programme/<int:pk>/bearbeiten/", views_catalogue.program_edit, name="program_edit"),
    # Applications, documents, financing plans and net cost (views_applications.py).
    path("antraege/", views_applications.board, name="board"),
    path(
        "projekte/<int:pk>/antrag/",
        views_applications.application_new,
        name="application_new",
    ),
    path("antraege/<int:pk>/", views_applications.application_detail, name="application"),
    path(
        "antraege/<int:pk>/bearbeiten/",
        views_applications.application_edit,
        name="application_edit",
    ),
    path(
        "antraege/<int:pk>/status/",
        views_applications.application_transition,
        name="application_transition",
    ),
    path(
        "antraege/<int:pk>/unterlagen/<int:doc>/",
        views_applications.document,
        name="document",
    ),
    path("projekte/<int:pk>/finanzierung/", views_applications.financing, name="financing"),
    path("nettokosten/", views_applications.netcost, name="netcost"),
    # Programme budgets: the limits of the net-cost optimisation (views_budgets.py).
    path("budgets/", views_budgets.budgets, name="budgets"),
    # Matching and deadlines (views_matching.py). The iCal feed takes the session or a
    # personal token (?token=…); see digilotse/funding/deadlines.py.
    path("projekte/<int:pk>/programme/", views_matching.project_matches, name="project_matches"),
    path("programme/<int:pk>/projekte/", views_matching.program_matches, name="program_matches"),
    path("fristen/", views_matching.deadlines, name="deadlines"),
    path("fristen.ics", views_matching.ical, name="ical"),
]
