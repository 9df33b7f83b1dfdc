from django.urls import path

from . import views

app_name = "strategy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("bearbeiten/", views.strategy_edit, name="edit"),
    path("handlungsfelder/neu/", views.field_create, name="field_create"),
    path("handlungsfelder/<int:pk>/bearbeiten/", views.field_edit, name="field_edit"),
    path("handlungsfelder/<int:pk>/loeschen/", views.field_delete, name="field_delete"),
    path("ziele/neu/", views.goal_create, name="goal_create"),
    path("ziele/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("ziele/<int:pk>/bearbeiten/", views.goal_edit, name="goal_edit"),
    path("ziele/<int:pk>/loeschen/", views.goal_delete, name="goal_delete"),
    path("kennzahlen/neu/", views.kpi_create, name="kpi_create"),
    path("kennzahlen/<int:pk>/bearbeiten/", views.kpi_edit, name="kpi_edit"),
    path("kennzahlen/<int:pk>/loeschen/", views.kpi_delete, name="kpi_delete"),
]
