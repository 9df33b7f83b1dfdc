"""Kommunaler Digicheck: list and history, a check's page, answering per dimension, submitting,
closing, the result with recommendations and adopting Bausteine as goals or projects."""

from django.urls import path

from . import views, views_outputs

app_name = "digicheck"

urlpatterns: list = [
    path("", views.assessment_list, name="list"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/antworten/", views.answer_start, name="answer_start"),
    path("<int:pk>/antworten/<slug:dimension>/", views.answer_dimension, name="answer"),
    path("<int:pk>/abgeben/", views.answer_submit, name="submit"),
    path("<int:pk>/abschliessen/", views.assessment_close, name="close"),
    path("<int:pk>/ergebnis/", views.result, name="result"),
    path("<int:pk>/uebernehmen/", views.adopt, name="adopt"),
    path("<int:pk>/vergleich/", views_outputs.peer_comparison, name="peers"),
    path("<int:pk>/vergleich/teilen/", views_outputs.peer_settings, name="peer_settings"),
    path("<int:pk>/bericht.pdf", views_outputs.report_pdf, name="report_pdf"),
    path("<int:pk>/antworten.xlsx", views_outputs.answers_xlsx, name="answers_xlsx"),
]
