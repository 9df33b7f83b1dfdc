"""Staff side of participation (login, per municipality): /k/<slug>/beteiligung/… — moderation
inbox with bulk actions, pre-moderation switch, and turning ideas into project proposals."""

from django.urls import path

from . import views_adopt, views_moderation

app_name = "participation"

urlpatterns: list = [
    path("", views_moderation.inbox, name="inbox"),
    path("<int:pk>/", views_moderation.idea, name="idea"),
    path("einstellungen/", views_moderation.settings, name="settings"),
    path("ideen/<int:pk>/uebernehmen/", views_adopt.idea_adopt, name="idea_adopt"),
]
