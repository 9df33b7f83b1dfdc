"""The public portal of a municipality (no login): /p/<slug>/… — strategy, projects, criteria and
procedure, news feed, open data, privacy and accessibility statements."""

from django.urls import path

app_name = "portal"

urlpatterns: list = []
