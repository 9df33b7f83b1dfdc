"""Tenant pages of the core app: organisation, people and roles, audit log, settings."""

from django.urls import path

from . import views, views_municipality

app_name = "core"

urlpatterns = [
    path("organisation/", views.orgunit_list, name="orgunits"),
    path("organisation/neu/", views.orgunit_create, name="orgunit_create"),
    path("organisation/<int:pk>/", views.orgunit_detail, name="orgunit_detail"),
    path("organisation/<int:pk>/bearbeiten/", views.orgunit_edit, name="orgunit_edit"),
    path("organisation/<int:pk>/loeschen/", views.orgunit_delete, name="orgunit_delete"),
    path("personen/", views.member_list, name="members"),
    path("personen/neu/", views.member_create, name="member_create"),
    path("personen/<int:pk>/bearbeiten/", views.member_edit, name="member_edit"),
    path("personen/<int:pk>/entfernen/", views.member_remove, name="member_remove"),
    path("protokoll/", views.audit_list, name="audit"),
    path("einstellungen/", views_municipality.municipality_settings, name="settings"),
]
