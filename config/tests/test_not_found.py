"""Every 404 is `{"detail": "Not found.", "code": "not_found"}`, written by the same
renderer as every other error, whichever layer answers it."""

import uuid

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer

from config.errors import api_exception_handler, json_not_found

pytestmark = pytest.mark.django_db

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}
NOT_FOUND_BYTES = JSONRenderer().render(NOT_FOUND)


def test_unknown_session_id_is_plain_not_found_never_a_model_name(
    make_user, token_client
):
    client = token_client(make_user())

    response = client.get(
        reverse("sessions:session-detail", kwargs={"pk": uuid.uuid4()})
    )

    assert response.status_code == 404
    assert response.content == NOT_FOUND_BYTES
    assert b"UserSession" not in response.content


def test_not_found_is_formatted_like_a_401(make_user, token_client, api_client):
    client = token_client(make_user())
    not_found = client.get(
        reverse("sessions:session-detail", kwargs={"pk": uuid.uuid4()})
    )
    unauthenticated = api_client.get(reverse("sessions:session-list"))

    assert unauthenticated.status_code == 401
    assert not_found["Content-Type"] == unauthenticated["Content-Type"]
    assert unauthenticated.content == JSONRenderer().render(unauthenticated.json())
    assert not_found.content == NOT_FOUND_BYTES


@pytest.mark.parametrize("debug", [True, False])
def test_api_catch_all_has_the_same_bytes(api_client, settings, debug):
    settings.DEBUG = debug

    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.content == NOT_FOUND_BYTES


def test_django_handler404_has_the_same_bytes(api_client, settings):
    settings.DEBUG = False

    response = api_client.get("/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.content == NOT_FOUND_BYTES


def test_handler404_ignores_the_exception_sentence():
    request = RequestFactory().get("/nowhere/")

    response = json_not_found(
        request, Http404("No UserSession matches the given query.")
    )

    assert response.content == NOT_FOUND_BYTES


@pytest.mark.parametrize(
    "exc",
    [Http404("No UserSession matches the given query."), Http404(), NotFound()],
    ids=["get_object_or_404", "bare Http404", "NotFound without detail"],
)
def test_exception_handler_answers_plain_not_found(exc):
    response = api_exception_handler(exc, {})

    assert response.status_code == 404
    assert response.data == NOT_FOUND


def test_not_found_with_its_own_sentence_keeps_it():
    response = api_exception_handler(NotFound("No user has this mobile number."), {})

    assert response.data == {
        "detail": "No user has this mobile number.",
        "code": "not_found",
    }


def test_staff_lookup_of_unknown_mobile_keeps_its_sentence(make_user, token_client):
    client = token_client(make_user(is_staff=True))

    response = client.get(
        reverse("sessions:staff-user-sessions", kwargs={"mobile": "9999999998"})
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"] == "No user has this mobile number."


def test_staff_end_of_unknown_session_is_plain_not_found(make_user, token_client):
    client = token_client(make_user(is_staff=True))

    response = client.delete(
        reverse("sessions:staff-session", kwargs={"pk": uuid.uuid4()})
    )

    assert response.status_code == 404
    assert response.content == NOT_FOUND_BYTES
