"""Umsetzung (monitoring). Views: project status, reports, KPIs and the overview in views.py;
the roadmap in views_roadmap.py; bulk import/export and the JSON endpoint in views_io.py; the
evaluation of the selection procedure in views_evaluation.py; document downloads in
views_documents.py."""

from django.urls import path

app_name = "monitoring"

urlpatterns: list = []
