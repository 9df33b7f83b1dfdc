from django.urls import path

from . import views, views_io

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("neu/", views.project_create_view, name="create"),
    path("import/", views_io.import_view, name="import"),
    path("import/vorlage.xlsx", views_io.template_xlsx, name="template_xlsx"),
    path("import/vorlage.csv", views_io.template_csv, name="template_csv"),
    path("export.xlsx", views_io.export_xlsx, name="export_xlsx"),
    path("export.csv", views_io.export_csv, name="export_csv"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/bearbeiten/", views.project_edit, name="edit"),
    path("<int:pk>/status/", views.project_transition_view, name="transition"),
    path("<int:pk>/loeschen/", views.project_delete_view, name="delete"),
]
