from django.urls import path

from . import views
from .models import ActionField, Goal, Kpi

app_name = "strategy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("bearbeiten/", views.strategy_edit, name="edit"),
    path("handlungsfelder/neu/", views.field_create, name="field_create"),
    path("handlungsfelder/<int:pk>/bearbeiten/", views.field_edit, name="field_edit"),
    path(
        "handlungsfelder/<int:pk>/loeschen/",
        views.element_delete,
        {"model": ActionField},
        name="field_delete",
    ),
    path("ziele/neu/", views.goal_create, name="goal_create"),
    path("ziele/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("ziele/<int:pk>/bearbeiten/", views.goal_edit, name="goal_edit"),
    path("ziele/<int:pk>/loeschen/", views.element_delete, {"model": Goal}, name="goal_delete"),
    path("kennzahlen/neu/", views.kpi_create, name="kpi_create"),
    path("kennzahlen/<int:pk>/bearbeiten/", views.kpi_edit, name="kpi_edit"),
    path("kennzahlen/<int:pk>/loeschen/", views.element_delete, {"model": Kpi}, name="kpi_delete"),
]
