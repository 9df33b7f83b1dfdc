"""Staff side of participation (login, per municipality): /k/<slug>/beteiligung/… — moderation
inbox with bulk actions, pre-moderation switch, and turning ideas into project proposals."""

from django.urls import path  # noqa: F401  (paths are added below)

app_name = "participation"

urlpatterns: list = []
