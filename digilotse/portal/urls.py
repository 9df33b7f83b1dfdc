"""The public portal of a municipality (no login): /p/<slug>/… — strategy, projects, criteria and
procedure, ideas from citizens, news feed, open data, privacy and accessibility statements."""

from django.urls import path

from . import views, views_moderation, views_open_data, views_participation

app_name = "portal"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("strategie/", views.strategy, name="strategy"),
    path("projekte/", views.projects, name="projects"),
    path("projekte/<str:key>/", views.project, name="project"),
    path("ideen/", views.ideas, name="ideas"),
    path("ideen/neu/", views.idea_new, name="idea_new"),
    path("ideen/<int:pk>/", views.idea, name="idea"),
    path("ideen/<int:pk>/folgen/", views_participation.idea_follow, name="idea_follow"),
    path(
        "folgen/bestaetigen/<str:token>/",
        views_participation.follow_confirm,
        name="follow_confirm",
    ),
    path(
        "folgen/abbestellen/<str:token>/", views_participation.follow_cancel, name="follow_cancel"
    ),
    path("meine-daten/", views_participation.privacy_request, name="privacy_request"),
    path("meine-daten/<str:token>/", views_participation.privacy_data, name="privacy_data"),
    path("verfahren/", views.procedure, name="procedure"),
    path("moderation/", views_moderation.moderation_log, name="moderation_log"),
    path("neuigkeiten/", views.news, name="news"),
    path("neuigkeiten.atom", views.feed, name="feed"),
    path("datenschutz/", views.privacy, name="privacy"),
    path("barrierefreiheit/", views.accessibility, name="accessibility"),
    path("open-data/", views_open_data.open_data_index, name="open_data"),
    path(
        "open-data/projects.json",
        views_open_data.open_data_projects_json,
        name="open_data_projects_json",
    ),
    path(
        "open-data/projects.csv",
        views_open_data.open_data_projects_csv,
        name="open_data_projects_csv",
    ),
    path("open-data/ideas.json", views_open_data.open_data_ideas_json, name="open_data_ideas_json"),
    path("open-data/ideas.csv", views_open_data.open_data_ideas_csv, name="open_data_ideas_csv"),
    path("open-data/catalog.jsonld", views_open_data.open_data_catalog, name="open_data_catalog"),
]
