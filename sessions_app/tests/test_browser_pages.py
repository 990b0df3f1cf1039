import pytest
from django.urls import reverse

from sessions_app.models import UserSession

pytestmark = pytest.mark.django_db


def test_logout_link_asks_before_logging_out(make_user, cookie_client):
    client = cookie_client(make_user())

    page = client.get(reverse("rest_framework:logout"), {"next": "/docs/"})

    html = page.content.decode()
    assert page.status_code == 200
    assert 'method="post"' in html and 'value="/docs/"' in html
    assert UserSession.objects.get(pk=client.session_id).is_active


def test_logout_form_ends_the_session_and_returns_to_the_login_page(
    make_user, cookie_client
):
    client = cookie_client(make_user())

    response = client.post(reverse("rest_framework:logout"), format="multipart")

    assert response.status_code == 302
    assert response["Location"] == reverse("rest_framework:login")
    assert UserSession.objects.get(pk=client.session_id).end_reason == "logout"


def test_swagger_ui_offers_logout_to_a_signed_in_browser(
    make_user, cookie_client, api_client
):
    signed_in = cookie_client(make_user()).get(reverse("schema-swagger-ui"))
    anonymous = api_client.get(reverse("schema-swagger-ui"))

    assert "Django Logout" in signed_in.content.decode()
    assert "Django Logout" not in anonymous.content.decode()


def test_browsable_session_list_is_titled_as_a_list(make_user, cookie_client):
    client = cookie_client(make_user())

    page = client.get(reverse("sessions:session-list"), HTTP_ACCEPT="text/html")

    assert "Session List" in page.content.decode()
