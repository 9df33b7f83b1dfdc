"""The public portal of a municipality (no login): /p/<slug>/… — strategy, projects, criteria and
procedure, ideas from citizens, news feed, open data, privacy and accessibility statements."""

from django.urls import path

from . import views, views_open_data

app_name = "portal"

urlpatterns: list = [
    path("", views.home, name="home"),
    path("strategie/", views.strategy, name="strategy"),
    path("projekte/", views.projects, name="projects"),
    path("projekte/<str:key>/", views.project, name="project"),
    path("ideen/", views.ideas, name="ideas"),
    path("ideen/neu/", views.idea_new, name="idea_new"),
    path("ideen/<int:pk>/", views.idea, name="idea"),
    path("verfahren/", views.procedure, name="procedure"),
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
    path("open-data/catalog.jsonld", views_open_data.open_data_catalog, name="open_data_catalog"),
]
