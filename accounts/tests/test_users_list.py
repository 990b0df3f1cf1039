import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LIST_URLS = [reverse("accounts:user-list"), reverse("legacy:user-list")]
PUBLIC_FIELDS = {"id", "username", "real_name", "tz"}


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_gets_401_with_token_challenge(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("url", LIST_URLS)
def test_member_sees_public_fields_only(make_user, cookie_client, url):
    viewer = make_user()
    make_user(username="other")

    response = cookie_client(viewer).get(url)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {tuple(sorted(row)) for row in body["results"]} == {
        tuple(sorted(PUBLIC_FIELDS))
    }
    assert {row["username"] for row in body["results"]} == {viewer.username, "other"}


def test_member_does_not_see_inactive_users(make_user, cookie_client):
    viewer = make_user()
    make_user(is_active=False)

    response = cookie_client(viewer).get(reverse("accounts:user-list"))

    assert response.json()["count"] == 1


@pytest.mark.parametrize("url", LIST_URLS)
def test_staff_see_contact_details_and_status(make_user, cookie_client, url):
    staff = make_user(is_staff=True)
    make_user(mobile="+919876500001", email="x@example.com", is_active=False)

    response = cookie_client(staff).get(url)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 2
    assert set(rows[0]) == PUBLIC_FIELDS | {"mobile", "email", "is_staff", "is_active"}
    assert "+919876500001" in {row["mobile"] for row in rows}


def test_users_list_paginates_and_a_page_past_the_end_is_404(make_user, cookie_client):
    viewer = make_user()
    for _ in range(4):
        make_user()
    client = cookie_client(viewer)
    url = reverse("accounts:user-list")

    first = client.get(url, {"page_size": 2})
    last = client.get(url, {"page_size": 2, "page": 3})
    beyond = client.get(url, {"page_size": 2, "page": 4})

    assert first.json()["count"] == 5
    assert len(first.json()["results"]) == 2
    assert first.json()["next"] is not None and first.json()["previous"] is None
    assert len(last.json()["results"]) == 1 and last.json()["next"] is None
    assert beyond.status_code == 404
    assert beyond.json()["code"] == "not_found"


def test_users_list_caps_page_size_at_200(make_user, cookie_client):
    viewer = make_user()
    for _ in range(200):
        make_user()

    response = cookie_client(viewer).get(
        reverse("accounts:user-list"), {"page_size": 10_000}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 201
    assert len(response.json()["results"]) == 200


@pytest.mark.parametrize("url", LIST_URLS)
def test_users_list_is_ordered_by_username_whatever_the_case(
    make_user, cookie_client, url
):
    viewer = make_user(username="kiran")
    for username in ["zoe", "Bob", "mira", "alice", "Carl"]:
        make_user(username=username)
    client = cookie_client(viewer)

    first = client.get(url, {"page_size": 4})
    second = client.get(url, {"page_size": 4, "page": 2})

    assert first.status_code == 200 and second.status_code == 200
    rows = first.json()["results"] + second.json()["results"]
    names = [row["username"] for row in rows]
    assert names == ["alice", "Bob", "Carl", "kiran", "mira", "zoe"]
