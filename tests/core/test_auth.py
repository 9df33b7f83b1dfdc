"""Sign-in, password reset and their rate limits."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from digilotse.core import throttle
from digilotse.core.models import Role

from ..factories import PASSWORD


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db
def test_login_with_email_goes_to_cockpit(tenant, client):
    user = tenant.users[Role.CDO]
    response = client.post(
        reverse("login"), {"username": user.email.upper(), "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("cockpit", args=[tenant.municipality.slug])


@pytest.mark.django_db
def test_repeated_wrong_passwords_are_throttled_even_with_the_right_one(tenant, client):
    user = tenant.users[Role.CDO]
    for _ in range(throttle.LOGIN_FAILURES_ALLOWED):
        response = client.post(reverse("login"), {"username": user.email, "password": "falsch"})
        assert response.status_code == 200
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_password_reset_sends_link_and_is_rate_limited(tenant, client):
    user = tenant.users[Role.VIEWER]
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/passwort-neu/" in mail.outbox[0].body
    for _ in range(throttle.RESET_REQUESTS_ALLOWED):
        client.post(reverse("password_reset"), {"email": user.email})
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 200
    assert "Zu viele Anfragen" in response.content.decode()
    assert len(mail.outbox) == throttle.RESET_REQUESTS_ALLOWED


@pytest.mark.django_db
def test_unknown_address_gets_the_same_answer(client):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []
