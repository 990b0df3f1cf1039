"""What a user agent says about the device: command-line and HTTP-library clients."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sessions_app.devices import describe_device
from sessions_app.models import UserSession
from sessions_app.tests.helpers import CHROME_ON_WINDOWS, SAFARI_ON_IPHONE

pytestmark = pytest.mark.django_db

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"

HTTP_CLIENTS = [
    ("curl/8.5.0", "curl"),
    ("HTTPie/3.2.2", "HTTPie"),
    ("python-requests/2.32.3", "Python Requests"),
    ("Python-urllib/3.11", "Python urllib"),
    ("PostmanRuntime/7.39.0", "Postman"),
    ("insomnia/2023.5.8", "Insomnia"),
    ("Go-http-client/1.1", "Go HTTP client"),
    ("okhttp/4.12.0", "OkHttp"),
]


@pytest.mark.parametrize(("user_agent", "name"), HTTP_CLIENTS)
def test_http_client_is_other_device_named_after_the_client(user_agent, name):
    device = describe_device(user_agent)

    assert device.device_type == "other"  # never "mobile" (HTTPie) or "bot" (urllib)
    assert (device.browser, device.os, device.device_name) == (name, "", name)


@pytest.mark.parametrize(
    ("user_agent", "device_type"),
    [(CHROME_ON_WINDOWS, "desktop"), (SAFARI_ON_IPHONE, "mobile"), (GOOGLEBOT, "bot")],
)
def test_browsers_and_crawlers_keep_their_device_type(user_agent, device_type):
    assert describe_device(user_agent).device_type == device_type


@pytest.mark.parametrize(("user_agent", "name"), HTTP_CLIENTS)
def test_token_login_from_http_client_records_other_device(make_user, user_agent, name):
    user = make_user()
    client = APIClient(headers={"User-Agent": user_agent})

    response = client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 200
    assert response.json()["session"]["device_info"]["device"] == "other"
    row = UserSession.objects.get(user=user)
    assert (row.device_type, row.device_name, row.browser) == ("other", name, name)
