"""Fixtures shared by every app's tests."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import make_user as build_user
from sessions_app.models import UserSession
from sessions_app.tests.factories import make_session as build_session


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    return build_user


@pytest.fixture
def make_session(db) -> Callable[..., UserSession]:
    return build_session


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client(db) -> Callable[[User], APIClient]:
    """Log a user in through `POST /api/v1/auth/login/`, as Postman or curl does.

    The client carries `Authorization: Token ...`; `client.token` and
    `client.session_id` say which session it holds.
    """

    def login(user: User, **headers: str) -> APIClient:
        client = APIClient(headers=headers or None)
        response = client.post(
            reverse("sessions:login"),
            {"username": user.username, "password": user.raw_password},
        )
        assert response.status_code == 200, response.content
        client.token = response.json()["token"]
        client.session_id = response.json()["session"]["id"]
        client.credentials(HTTP_AUTHORIZATION=f"Token {client.token}")
        return client

    return login


@pytest.fixture
def cookie_client(db) -> Callable[[User], APIClient]:
    """Log a user in through the browsable API's login form, as a browser does."""

    def login(user: User, **headers: str) -> APIClient:
        client = APIClient(headers=headers or None)
        response = client.post(
            reverse("rest_framework:login"),
            {"username": user.username, "password": user.raw_password},
            format="multipart",
        )
        assert response.status_code == 302, response.content
        client.session_id = client.session["_user_session_id"]
        return client

    return login
