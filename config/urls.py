from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from digilotse.core import auth_views as core_auth
from digilotse.core import views as core_views

auth = [
    path("anmelden/", core_auth.LoginView.as_view(), name="login"),
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("passwort-vergessen/", core_auth.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort-vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "passwort-neu/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort-neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", core_views.home, name="home"),
    *auth,
    path("", include("digilotse.core.urls_global")),
    path("k/<slug:municipality>/", core_views.cockpit, name="cockpit"),
    path("k/<slug:municipality>/strategie/", include("digilotse.strategy.urls")),
    path("k/<slug:municipality>/projekte/", include("digilotse.projects.urls")),
    path("k/<slug:municipality>/kriterien/", include("digilotse.projects.urls_criteria")),
    path("k/<slug:municipality>/auswahl/", include("digilotse.selection.urls")),
    path("k/<slug:municipality>/umsetzung/", include("digilotse.monitoring.urls")),
    path("k/<slug:municipality>/beteiligung/", include("digilotse.portal.urls_staff")),
    path("k/<slug:municipality>/digicheck/", include("digilotse.digicheck.urls")),
    path("k/<slug:municipality>/foerdermittel/", include("digilotse.funding.urls")),
    path("k/<slug:municipality>/", include("digilotse.core.urls")),
    path("p/<slug:municipality>/", include("digilotse.portal.urls")),
]
