"""Selection rounds (Auswahlrunden). Views: set-up and scoring in views.py; weights and results
(ranking, robustness, budget line) in views_results.py; scenarios, the optimal portfolio and the
committee's decision in views_portfolio.py."""

from django.urls import path

from . import views, views_portfolio, views_results

app_name = "selection"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("neu/", views.round_create_view, name="create"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/bewerten/", views.scoring, name="scoring"),
    path("<int:pk>/bewerten/<int:project>/", views.scoring_project, name="scoring_project"),
    path("<int:pk>/abgeben/", views.submit, name="submit"),
    path("<int:pk>/abschliessen/", views.close, name="close"),
    path("<int:pk>/uebereinstimmung/", views.disagreement, name="disagreement"),
    path("<int:pk>/gewichte/", views_results.weights, name="weights"),
    path("<int:pk>/ahp/", views_results.ahp_form, name="ahp"),
    path("<int:pk>/ergebnis/", views_results.results, name="results"),
    path("<int:pk>/robustheit/", views_results.robustness, name="robustness"),
    path("<int:pk>/budgetlinie/", views_results.cutoff, name="cutoff"),
    path("<int:pk>/portfolio/", views_portfolio.overview, name="portfolio"),
    path("<int:pk>/portfolio/neu/", views_portfolio.scenario_new, name="scenario_new"),
    path("<int:pk>/portfolio/vergleich/", views_portfolio.compare, name="compare"),
    path("<int:pk>/entscheiden/", views_portfolio.decide, name="decide"),
    path("<int:pk>/beschluss/", views_portfolio.decision, name="decision"),
    path("szenarien/<int:pk>/", views_portfolio.scenario_detail, name="scenario"),
    path(
        "szenarien/<int:pk>/warum/<int:project>/",
        views_portfolio.scenario_explain,
        name="scenario_explain",
    ),
    path(
        "szenarien/<int:pk>/eingaben.json",
        views_portfolio.scenario_problem,
        name="scenario_problem",
    ),
    path(
        "szenarien/<int:pk>/effizienzkurve/",
        views_portfolio.scenario_frontier,
        name="scenario_frontier",
    ),
    path(
        "szenarien/<int:pk>/vorschlagen/", views_portfolio.scenario_propose, name="scenario_propose"
    ),
    path("szenarien/<int:pk>/loeschen/", views_portfolio.scenario_delete, name="scenario_delete"),
]
