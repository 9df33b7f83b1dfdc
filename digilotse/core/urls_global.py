"""Pages outside a municipality: creating a municipality and the Destatis municipality search."""

from django.urls import path

from . import views_municipality

urlpatterns = [
    path("kommunen/neu/", views_municipality.municipality_create, name="municipality_create"),
    path("gemeinden/suche/", views_municipality.gemeinde_search, name="gemeinde_search"),
]
