from django.urls import path

from . import views_criteria

app_name = "criteria"

urlpatterns = [
    path("", views_criteria.criterion_list, name="list"),
    path("standard/", views_criteria.criterion_defaults, name="defaults"),
    path("<int:pk>/bearbeiten/", views_criteria.criterion_edit, name="edit"),
]
