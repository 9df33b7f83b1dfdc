"""The Destatis register, the AGS picker, creating a municipality and its settings page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from digilotse.core import gemeinden
from digilotse.core.models import AuditAction, AuditEntry, Membership, Municipality, Role
from digilotse.core.views_municipality import MunicipalityCreateForm, suggest_slug

from ..factories import UserFactory


@pytest.fixture
def register_present():
    """These tests read the real list from ../shared/data; missing data is a failure, not a skip."""
    path = gemeinden.csv_path()
    assert path.is_file(), (
        f"Destatis-Gemeindeverzeichnis fehlt unter {path} (DIGILOTSE_SHARED_DATA)"
    )


needs_register = pytest.mark.usefixtures("register_present")


@pytest.fixture
def superuser(db):
    user = UserFactory(email="admin@example.org", is_superuser=True, is_staff=True)
    return user


@pytest.fixture
def no_register(settings, tmp_path):
    settings.SHARED_DATA_DIR = tmp_path
    yield
    gemeinden.clear_cache()


# --- The register -------------------------------------------------------------------------


@needs_register
class TestSearch:
    def test_worms_by_name(self):
        hits = gemeinden.gemeinde_search("Worms")
        assert hits[0].ags == "07319000"
        assert hits[0].name == "Worms, Stadt"
        assert hits[0].short_name == "Worms"
        assert hits[0].land == "Rheinland-Pfalz"
        assert hits[0].population == 83542

    def test_worms_by_ags_prefix(self):
        assert gemeinden.gemeinde_search("07319")[0].ags == "07319000"

    @pytest.mark.parametrize("query", ["München", "münchen", "MUNCHEN", "muenchen", "09162"])
    def test_muenchen_by_name_and_ags(self, query):
        hits = gemeinden.gemeinde_search(query)
        assert hits[0].ags == "09162000"
        assert hits[0].population > 1_000_000

    @pytest.mark.parametrize("query", ["wurzburg", "würz", "Wuerzburg", "WÜRZBURG"])
    def test_umlauts_are_ignored(self, query):
        assert gemeinden.gemeinde_search(query)[0].name == "Würzburg"

    def test_bigger_towns_first_among_equal_matches(self):
        hits = gemeinden.gemeinde_search("Neustadt", limit=10)
        assert hits[0].ags == "07316000"  # Neustadt an der Weinstraße, the largest
        populations = [h.population for h in hits]
        assert populations == sorted(populations, reverse=True)

    def test_prefix_beats_substring(self):
        # "Mainz" starts with "main"; "Frankfurt am Main" only contains it.
        hits = [h.short_name for h in gemeinden.gemeinde_search("main", limit=100)]
        assert hits.index("Mainz") < hits.index("Frankfurt am Main")

    def test_limit_and_short_queries(self):
        assert len(gemeinden.gemeinde_search("berg", limit=5)) == 5
        assert gemeinden.gemeinde_search("x") == []
        assert gemeinden.gemeinde_search("  ") == []

    def test_get(self):
        worms = gemeinden.gemeinde_get("07319000")
        assert worms is not None and worms.kreis.startswith("Worms")
        assert worms.lat is not None and 49 < worms.lat < 50
        assert gemeinden.gemeinde_get("07399999") is None  # Musterstadt is fictional
        assert gemeinden.reference_available()


def test_missing_register_degrades(no_register):
    assert not gemeinden.reference_available()
    assert gemeinden.gemeinde_search("Worms") == []
    assert gemeinden.gemeinde_get("07319000") is None
    assert gemeinden.land_for_ags("07319000") == "Rheinland-Pfalz"


def test_fold():
    assert gemeinden.fold("Würzburg") == "wurzburg"
    assert gemeinden.fold("Würzburg", digraphs=True) == "wuerzburg"
    assert gemeinden.fold("Halle (Saale), Stadt") == "halle saale stadt"
    assert gemeinden.fold("Gießen") == "giessen"


# --- The create form ----------------------------------------------------------------------


@needs_register
def test_form_rejects_unknown_ags(db):
    form = MunicipalityCreateForm(
        {"ags": "07399999", "cdo_email": "cdo@example.org"}, reference=True
    )
    assert not form.is_valid()
    assert "nicht enthalten" in form.errors["ags"][0]


@needs_register
def test_form_takes_population_and_land_from_register(db):
    form = MunicipalityCreateForm(
        {"ags": "07319000", "cdo_email": "cdo@example.org"}, reference=True
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["name"] == "Worms"
    assert form.cleaned_data["population"] == 83542
    assert form.cleaned_data["land"] == "Rheinland-Pfalz"
    assert form.cleaned_data["slug"] == "worms"


def test_form_without_register_checks_format_only(no_register, db):
    form = MunicipalityCreateForm(
        {"ags": "0731900", "name": "Worms", "land": "Rheinland-Pfalz", "cdo_email": "a@b.de"},
        reference=False,
    )
    assert not form.is_valid()
    assert "8 Ziffern" in form.errors["ags"][0]
    form = MunicipalityCreateForm(
        {"ags": "07399999", "name": "Musterort", "land": "Hessen", "cdo_email": "a@b.de"},
        reference=False,
    )
    assert not form.is_valid()
    assert "Rheinland-Pfalz" in form.errors["land"][0]
    form = MunicipalityCreateForm(
        {"ags": "07399999", "name": "Musterort", "land": "Rheinland-Pfalz", "cdo_email": "a@b.de"},
        reference=False,
    )
    assert form.is_valid(), form.errors


def test_suggest_slug(db):
    assert suggest_slug("Würzburg") == "wuerzburg"
    assert suggest_slug("Frankfurt am Main") == "frankfurt-am-main"
    Municipality.objects.create(name="W", slug="worms", ags="07319000", land="Rheinland-Pfalz")
    assert suggest_slug("Worms") == "worms-2"


# --- Views: create ------------------------------------------------------------------------


def test_create_is_for_superusers_only(client, tenant, login):
    url = reverse("municipality_create")
    assert client.get(url).status_code == 302  # anonymous → login
    login(tenant.users[Role.CDO])
    assert client.get(url).status_code == 403
    assert client.post(url, {"ags": "07319000"}).status_code == 403


@needs_register
def test_picker_without_javascript(client, superuser):
    client.force_login(superuser)
    url = reverse("municipality_create")
    page = client.get(url, {"q": "worms"}).content.decode()
    assert 'name="ags" value="07319000"' in page
    assert 'aria-live="polite"' in page
    assert "Statistisches Bundesamt (Destatis)" in page
    page = client.get(url, {"q": "worms", "ags": "07319000"}).content.decode()
    assert 'value="Worms"' in page  # name suggested without ", Stadt"
    assert 'value="worms"' in page  # slug suggested
    assert "83.542" in page


@needs_register
def test_htmx_search_fragment(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("gemeinde_search"), {"q": "würz"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Würzburg" in body and 'value="09663000"' in body
    assert "mindestens zwei" in client.get(reverse("gemeinde_search"), {"q": "w"}).content.decode()


@needs_register
def test_superuser_creates_municipality_with_first_cdo(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("municipality_create"),
        {
            "ags": "07319000",
            "name": "Worms",
            "slug": "",
            "cdo_email": "CDO@Worms.example",
            "cdo_first_name": "Petra",
            "cdo_last_name": "Lindner",
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    worms = Municipality.objects.get(slug="worms")
    assert (worms.name, worms.ags, worms.population, worms.land) == (
        "Worms",
        "07319000",
        83542,
        "Rheinland-Pfalz",
    )
    membership = Membership.objects.get(municipality=worms)
    assert membership.role == Role.CDO
    assert membership.user.email == "cdo@worms.example"
    assert not membership.user.has_usable_password()
    assert not Membership.objects.filter(user=superuser).exists()
    assert AuditEntry.objects.filter(
        municipality=worms, action=AuditAction.CREATE, object_type="core.municipality"
    ).exists()
    # The invitation: a password-reset link the new CDO can actually use.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["cdo@worms.example"]
    link = re.search(r"https?://[^/\s]+(/passwort-neu/\S+/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    client.logout()
    set_password = client.get(link.group(1))
    assert set_password.status_code == 302 and "set-password" in set_password.url


@needs_register
def test_create_refuses_unknown_ags_and_duplicates(client, superuser):
    client.force_login(superuser)
    url = reverse("municipality_create")
    response = client.post(url, {"ags": "07399999", "cdo_email": "x@example.org"})
    assert response.status_code == 200
    assert "im Gemeindeverzeichnis von Destatis nicht enthalten" in response.content.decode()
    assert not Municipality.objects.exists()
    response = client.post(url, {"ags": "", "cdo_email": "x@example.org"})
    assert "Bitte wählen Sie eine Gemeinde" in response.content.decode()
    client.post(url, {"ags": "07319000", "cdo_email": "x@example.org"})
    response = client.post(url, {"ags": "07319000", "cdo_email": "y@example.org"})
    assert "bereits die Kommune" in response.content.decode()
    assert Municipality.objects.count() == 1


@needs_register
def test_superuser_as_own_cdo_goes_to_cockpit(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("municipality_create"), {"ags": "09162000", "cdo_email": superuser.email}
    )
    assert response.status_code == 302
    assert response.url == reverse("cockpit", args=["muenchen"])
    assert mail.outbox == []  # existing account: nothing to set up


def test_create_without_register_accepts_typed_ags(client, superuser, no_register):
    client.force_login(superuser)
    url = reverse("municipality_create")
    page = client.get(url).content.decode()
    assert "nicht verfügbar" in page
    response = client.post(
        url,
        {
            "ags": "07399999",
            "name": "Musterort",
            "population": "1200",
            "land": "Rheinland-Pfalz",
            "cdo_email": "cdo@musterort.example",
        },
    )
    assert response.status_code == 302
    assert Municipality.objects.get(slug="musterort").population == 1200


# --- Views: settings ----------------------------------------------------------------------


def _settings_url(tenant):
    return reverse("core:settings", args=[tenant.municipality.slug])


def test_cdo_edits_settings_and_it_is_audited(client, tenant, login):
    login(tenant.users[Role.CDO])
    url = _settings_url(tenant)
    assert client.get(url).status_code == 200
    m = tenant.municipality
    response = client.post(
        url, {"name": "Musterhausen am See", "ags": m.ags, "population": "51234", "land": m.land}
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert (m.name, m.population) == ("Musterhausen am See", 51234)
    entry = AuditEntry.objects.filter(
        municipality=m, action=AuditAction.UPDATE, object_type="core.municipality"
    ).latest("id")
    assert entry.changes["name"] == ["Musterhausen", "Musterhausen am See"]
    assert entry.actor == tenant.users[Role.CDO]


@needs_register
def test_settings_picker_and_validation(client, tenant, login):
    login(tenant.users[Role.CDO])
    url = _settings_url(tenant)
    page = client.get(url, {"q": "worms", "ags": "07319000"}).content.decode()
    assert 'value="83542"' in page and 'value="07319000"' in page
    m = tenant.municipality
    response = client.post(url, {"name": "X", "ags": "07399998", "land": m.land})
    assert "nicht enthalten" in response.content.decode()
    response = client.post(url, {"name": "X", "ags": "07319000", "land": "Hessen"})
    assert "gehört zu Rheinland-Pfalz" in response.content.decode()
    m.refresh_from_db()
    assert m.name == "Musterhausen"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.IT_LEAD, Role.PROJECT_MANAGER])
def test_settings_forbidden_for_other_roles(client, tenant, login, role):
    login(tenant.users[role])
    assert client.get(_settings_url(tenant)).status_code == 403


def test_settings_of_other_municipality_is_404(client, tenant, other_tenant, login):
    login(other_tenant.users[Role.CDO])
    assert client.get(_settings_url(tenant)).status_code == 404
    assert client.post(_settings_url(tenant), {"name": "Übernahme"}).status_code == 404
    tenant.municipality.refresh_from_db()
    assert tenant.municipality.name == "Musterhausen"
