"""Selection rounds (Auswahlrunden). Views: set-up and scoring in views.py; weights and results
(ranking, robustness, budget line) in views_results.py."""

from django.urls import path

from . import views, views_results

app_name = "selection"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("neu/", views.round_create_view, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/bewerten/", views.scoring, name="scoring"),
    path("<int:pk>/bewerten/<int:project>/", views.scoring_project, name="scoring_project"),
    path("<int:pk>/abgeben/", views.submit, name="submit"),
    path("<int:pk>/abschliessen/", views.close, name="close"),
    path("<int:pk>/entscheiden/", views.decide, name="decide"),
    path("<int:pk>/uebereinstimmung/", views.disagreement, name="disagreement"),
    path("<int:pk>/gewichte/", views_results.weights, name="weights"),
    path("<int:pk>/ahp/", views_results.ahp_form, name="ahp"),
    path("<int:pk>/ergebnis/", views_results.results, name="results"),
    path("<int:pk>/robustheit/", views_results.robustness, name="robustness"),
    path("<int:pk>/budgetlinie/", views_results.cutoff, name="cutoff"),
]
