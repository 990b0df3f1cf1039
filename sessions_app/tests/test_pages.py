"""The site's pages in a browser: home, devices, step-up, sign-up, reset, and why a
browser was signed out (issue 17)."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import User
from sessions_app import signed_out
from sessions_app.exceptions import SESSION_LIMIT_DETAIL
from sessions_app.forms import SESSION_LIMIT_FORM_DETAIL
from sessions_app.models import EndReason, EventKind, SecurityEvent, UserSession
from sessions_app.tests.helpers import (
    CHROME_ON_WINDOWS,
    STRONG_PASSWORD,
    browser_login,
    live_sessions,
    make_session_manager,
    move_back,
    set_policy,
)
from sessions_app.views.pages import event_sentence

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def signed_in_browser(user: User, url_name: str = "rest_framework:login", **headers):
    """A Django test client (as a browser: CSRF enforced) signed in with a cookie."""
    client = Client(enforce_csrf_checks=True, **headers)
    login_page = client.get(reverse(url_name))
    data = {
        "username": user.username,
        "password": user.raw_password,
        "csrfmiddlewaretoken": login_page.cookies["csrftoken"].value,
    }
    if url_name == "admin:login":
        data["next"] = reverse("admin:index")
    response = client.post(reverse(url_name), data)
    assert response.status_code == 302, response.content
    return client


def post_form(client: Client, url: str, data: dict | None = None, **extra):
    """POST a form as the page would, with the CSRF token of the client's cookie."""
    token = client.cookies["csrftoken"].value
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token}, **extra)


def current_session(client: Client) -> UserSession:
    return UserSession.objects.get(pk=client.session["_user_session_id"])


# ---- home and the API root --------------------------------------------------------


def test_home_offers_sign_in_sign_up_and_the_docs_to_a_visitor():
    page = Client().get(reverse("home"))

    html = page.content.decode()
    assert page.status_code == 200
    for url in (
        reverse("rest_framework:login"),
        reverse("account:sign-up"),
        reverse("schema-swagger-ui"),
        reverse("schema-redoc"),
        reverse("api-root"),
    ):
        assert f'href="{url}"' in html
    assert reverse("admin:index") not in html


def test_home_names_the_signed_in_user_and_links_devices_and_admin_for_staff(
    make_user,
):
    staff = make_user(is_staff=True)
    client = signed_in_browser(staff)

    html = client.get(reverse("home")).content.decode()

    assert staff.username in html
    assert f'href="{reverse("account:devices")}"' in html
    assert f'href="{reverse("admin:index")}"' in html


def test_api_root_lists_the_main_endpoints_to_anyone(api_client):
    response = api_client.get(reverse("api-root"))

    body = response.json()
    assert response.status_code == 200
    assert body["docs"].endswith(reverse("schema-swagger-ui"))
    assert body["endpoints"]["sign-in"]["login"].endswith(reverse("sessions:login"))
    assert body["endpoints"]["me"]["sessions"].endswith(
        reverse("sessions:session-list")
    )


def test_browsable_api_carries_the_product_name_and_links_home(make_user):
    client = signed_in_browser(make_user())

    html = client.get(reverse("api-root"), **HTML).content.decode()

    assert "Session-managed authentication" in html
    assert "Django REST framework" not in html
    assert f'href="{reverse("home")}"' in html
    assert f'href="{reverse("account:devices")}"' in html


# ---- your devices -----------------------------------------------------------------


def test_devices_page_sends_a_visitor_to_the_login_page_with_next():
    response = Client().get(reverse("account:devices"))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('rest_framework:login')}?next={reverse('account:devices')}"
    )


def test_devices_page_lists_live_sessions_marks_this_one_and_says_events(
    make_user, settings, django_assert_max_num_queries
):
    set_policy(settings, MAX_SESSIONS_PER_USER=3)
    user = make_user()
    other = signed_in_browser(user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    client = signed_in_browser(user)

    with django_assert_max_num_queries(6):
        page = client.get(reverse("account:devices"))

    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("this device") == 1
    assert "Chrome on Windows" in html
    assert reverse("account:device-sign-out", args=[current_session(other).pk]) in html
    assert reverse(
        "account:device-sign-out", args=[current_session(client).pk]
    ) not in (html)
    assert "New sign-in from Chrome on Windows, Localhost" in html
    assert "Sign out all other devices" in html


def test_sign_out_button_ends_the_other_session_as_terminated(make_user, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    other = signed_in_browser(user)
    client = signed_in_browser(user)
    target = current_session(other)

    response = post_form(
        client, reverse("account:device-sign-out", args=[target.pk]), follow=True
    )

    target.refresh_from_db()
    assert response.status_code == 200
    assert (target.is_active, target.end_reason) == (False, EndReason.TERMINATED)
    assert "is signed out" in response.content.decode()
    assert current_session(client).is_active


def test_sign_out_needs_csrf_and_a_post(make_user, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    target = current_session(signed_in_browser(user))
    client = signed_in_browser(user)
    url = reverse("account:device-sign-out", args=[target.pk])

    assert client.post(url).status_code == 403  # no CSRF token
    assert client.get(url).status_code == 405
    assert UserSession.objects.get(pk=target.pk).is_active


def test_another_users_session_cannot_be_signed_out_from_the_devices_page(make_user):
    stranger = current_session(signed_in_browser(make_user()))
    client = signed_in_browser(make_user())

    response = post_form(client, reverse("account:device-sign-out", args=[stranger.pk]))

    assert response.status_code == 404
    assert UserSession.objects.get(pk=stranger.pk).is_active


def test_sign_out_all_other_devices_keeps_this_one(make_user, token_client, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=3)
    user = make_user()
    token_client(user)
    signed_in_browser(user)
    client = signed_in_browser(user)

    response = post_form(client, reverse("account:devices-sign-out-others"))

    assert response.status_code == 302
    assert [s.pk for s in live_sessions(user)] == [current_session(client).pk]
    ended = UserSession.objects.filter(user=user, is_active=False)
    assert {s.end_reason for s in ended} == {EndReason.TERMINATED}


def test_security_events_read_as_sentences(make_user):
    event = SecurityEvent(
        kind=EventKind.LOGIN, device_name="Firefox on Linux", location="India"
    )
    staff_end = SecurityEvent(
        kind=EventKind.SESSION_TERMINATED,
        device_name="Safari on iOS",
        detail={"reason": EndReason.TERMINATED_BY_STAFF},
    )

    assert event_sentence(event) == "New sign-in from Firefox on Linux, India"
    assert (
        event_sentence(staff_end) == "Signed out on Safari on iOS by an administrator"
    )


# ---- signed out, told why ---------------------------------------------------------


def test_a_page_of_a_superseded_browser_goes_to_the_login_page_once_told_why(
    make_user,
):
    user = make_user()
    first = signed_in_browser(user)
    signed_in_browser(user, HTTP_USER_AGENT=CHROME_ON_WINDOWS)
    users_page = reverse("accounts:user-list")

    response = first.get(users_page, **HTML)

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('rest_framework:login')}?{urlencode({'next': users_page})}"
    )
    login_page = first.get(response["Location"], **HTML)
    html = login_page.content.decode()
    assert (
        "You were signed out because your account signed in on another device "
        "(Chrome on Windows, Localhost)."
    ) in html
    again = first.get(reverse("rest_framework:login"), **HTML).content.decode()
    assert "You were signed out" not in again
    assert first.get(users_page, **HTML).status_code == 401  # simply signed out now


def test_json_requests_of_an_ended_browser_keep_the_403(make_user):
    user = make_user()
    first = signed_in_browser(user)
    signed_in_browser(user)

    response = first.get(reverse("accounts:user-list"), HTTP_ACCEPT="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"
    assert signed_out.NOTICE_COOKIE not in response.cookies


def test_an_ended_admin_goes_to_the_admin_login_page_told_why(make_user):
    staff = make_user(is_staff=True)
    admin_browser = signed_in_browser(staff, "admin:login")
    session = current_session(admin_browser)
    move_back(session, last_activity=timedelta(hours=1))

    response = admin_browser.get(reverse("admin:index"), **HTML)
    page = admin_browser.get(response["Location"], **HTML)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert "because your session expired" in page.content.decode()


def test_the_login_page_itself_tells_an_ended_browser_why(make_user):
    user = make_user()
    client = signed_in_browser(user)
    signed_in_browser(user)

    page = client.get(reverse("rest_framework:login"), **HTML)

    assert page.status_code == 200
    assert "You were signed out because" in page.content.decode()


def test_a_forged_or_old_notice_says_nothing(monkeypatch):
    client = Client()
    client.cookies[signed_out.NOTICE_COOKIE] = "forged"
    forged = client.get(reverse("rest_framework:login")).content.decode()
    monkeypatch.setattr(signing.time, "time", lambda: 1_000_000.0)  # signed long ago
    old = signing.dumps(["expired", ""], salt=signed_out.NOTICE_SALT, compress=True)
    monkeypatch.undo()
    client.cookies[signed_out.NOTICE_COOKIE] = old
    stale = client.get(reverse("rest_framework:login")).content.decode()

    assert "signed out" not in forged
    assert "signed out" not in stale


def test_logout_lands_on_the_login_page_saying_so_with_next_kept(make_user):
    client = signed_in_browser(make_user())

    response = post_form(
        client, reverse("rest_framework:logout"), {"next": "/api/v1/users/"}
    )
    page = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('rest_framework:login')}?{urlencode({'next': '/api/v1/users/'})}"
    )
    html = page.content.decode()
    assert "You have been signed out." in html
    assert 'value="/api/v1/users/"' in html


# ---- username or mobile, and the refuse_new takeover -------------------------------


@pytest.mark.parametrize("url_name", ["rest_framework:login", "admin:login"])
def test_login_pages_say_username_or_mobile_and_accept_a_mobile(make_user, url_name):
    user = make_user(is_staff=True)
    client = Client()

    page = client.get(reverse(url_name))
    response = client.post(
        reverse(url_name),
        {"username": "98" + str(user.mobile)[-8:], "password": user.raw_password},
    )

    assert "Username or mobile number" in page.content.decode()
    assert response.status_code == 302
    assert len(live_sessions(user)) == 1


@pytest.mark.parametrize("url_name", ["rest_framework:login", "admin:login"])
def test_refuse_new_form_names_the_other_session_and_offers_to_sign_it_out(
    make_user, token_client, settings, url_name
):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user(is_staff=True)
    token_client(user, **{"User-Agent": CHROME_ON_WINDOWS})
    client = APIClient()

    refused = browser_login(client, user, url_name)
    forced = browser_login(client, user, url_name, force="1")

    html = refused.content.decode()
    assert refused.status_code == 200
    assert str(SESSION_LIMIT_FORM_DETAIL) in html
    assert "Chrome on Windows, Localhost" in html
    assert "Sign out the other session and continue" in html
    assert forced.status_code == 302
    [live] = live_sessions(user)
    assert live.transport == "cookie"
    ended = UserSession.objects.get(user=user, transport="token")
    assert ended.end_reason == EndReason.SUPERSEDED


def test_force_needs_the_right_password(make_user, token_client, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    token_client(user)

    response = Client().post(
        reverse("rest_framework:login"),
        {"username": user.username, "password": "wrong-password", "force": "1"},
    )

    assert response.status_code == 200
    assert len(live_sessions(user)) == 1


def test_the_api_409_mentions_force(make_user, token_client, api_client, settings):
    set_policy(settings, ON_LIMIT="refuse_new")
    user = make_user()
    token_client(user)

    response = api_client.post(
        reverse("sessions:login"),
        {"username": user.username, "password": user.raw_password},
    )

    assert response.status_code == 409
    assert response.json()["detail"] == str(SESSION_LIMIT_DETAIL)
    assert '"force": true' in response.json()["detail"]


# ---- confirm password (step-up) ----------------------------------------------------


def test_confirm_password_stamps_the_step_up_and_goes_to_next(make_user):
    user = make_user()
    client = signed_in_browser(user)
    session = current_session(client)
    move_back(session, reauthenticated_at=timedelta(hours=1))
    url = f"{reverse('account:confirm-password')}?next=/account/email/"

    page = client.get(url)
    response = post_form(
        client, url, {"password": user.raw_password, "next": "/account/email/"}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/account/email/"
    session.refresh_from_db()
    assert session.reauthenticated_at > session.created_at


def test_confirm_password_refuses_a_wrong_one_and_records_it(make_user):
    user = make_user()
    client = signed_in_browser(user)

    response = post_form(
        client, reverse("account:confirm-password"), {"password": "not-it"}
    )

    assert response.status_code == 400
    assert "The password is not correct." in response.content.decode()
    assert SecurityEvent.objects.filter(
        user=user, kind=EventKind.REAUTH_FAILED
    ).exists()


def test_confirm_password_never_sends_to_another_site(make_user):
    user = make_user()
    client = signed_in_browser(user)

    response = post_form(
        client,
        reverse("account:confirm-password"),
        {"password": user.raw_password, "next": "https://evil.example/"},
    )

    assert response["Location"] == reverse("account:devices")


def test_email_page_asks_for_the_password_first_when_the_step_up_is_old(make_user):
    client = signed_in_browser(make_user())
    move_back(current_session(client), reauthenticated_at=timedelta(hours=1))

    response = client.get(reverse("account:email-change"))

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account:confirm-password')}?"
        + urlencode({"next": reverse("account:email-change")})
    )


def test_email_page_holds_a_new_address_as_pending(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user()
    client = signed_in_browser(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(
            client, reverse("account:email-change"), {"email": "new@example.com"}
        )

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.pending_email == "new@example.com"
    assert [mail.to for mail in mailoutbox] == [["new@example.com"]]


def test_password_page_changes_it_and_signs_out_the_other_devices(make_user, settings):
    set_policy(settings, MAX_SESSIONS_PER_USER=2)
    user = make_user()
    other = current_session(signed_in_browser(user))
    client = signed_in_browser(user)

    response = post_form(
        client,
        reverse("account:password-change"),
        {
            "current_password": user.raw_password,
            "new_password1": STRONG_PASSWORD,
            "new_password2": STRONG_PASSWORD,
        },
    )

    user.refresh_from_db()
    assert response.status_code == 302
    assert user.check_password(STRONG_PASSWORD)
    assert UserSession.objects.get(pk=other.pk).end_reason == (
        EndReason.PASSWORD_CHANGED
    )
    assert client.get(reverse("account:devices")).status_code == 200  # still in


# ---- sign-up and the reset request --------------------------------------------------


def sign_up_data(**overrides: str) -> dict:
    return {
        "username": "newcomer",
        "mobile": "9123456789",
        "real_name": "New Comer",
        "email": "",
        "password": STRONG_PASSWORD,
        **overrides,
    }


def test_sign_up_creates_the_account_and_signs_the_browser_in():
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("account:sign-up"))

    response = post_form(client, reverse("account:sign-up"), sign_up_data())

    assert "at least 12 characters" in page.content.decode()  # the rules, shown
    assert response.status_code == 302
    assert response["Location"] == reverse("account:devices")
    user = User.objects.get(username="newcomer")
    assert str(user.mobile) == "+919123456789"
    [session] = live_sessions(user)
    assert session.transport == "cookie"
    assert client.get(reverse("account:devices")).status_code == 200


def test_sign_up_shows_the_apis_errors_in_the_form(make_user):
    taken = make_user()
    client = Client()

    response = client.post(
        reverse("account:sign-up"),
        sign_up_data(username=taken.username, password="short"),
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "A user with that username already exists." in html
    assert not User.objects.filter(mobile="+919123456789").exists()


def test_sign_up_is_throttled_per_address_like_register(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "1/min"}
    client = Client()

    client.post(reverse("account:sign-up"), sign_up_data(password="short"))
    response = client.post(reverse("account:sign-up"), sign_up_data())

    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert not User.objects.filter(username="newcomer").exists()


def test_reset_request_mails_a_link_to_a_verified_address(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    user = make_user(email="known@example.com")
    client = Client()

    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(
            reverse("account:password-reset-request"), {"email": "known@example.com"}
        )
        unknown = client.post(
            reverse("account:password-reset-request"),
            {"email": "nobody@example.com"},
        )

    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    [mail] = mailoutbox
    assert mail.to == [user.email]
    assert "/account/password/reset/" in mail.body


def test_reset_request_refuses_a_malformed_address():
    response = Client().post(
        reverse("account:password-reset-request"), {"email": "not-an-address"}
    )

    assert response.status_code == 400


def test_reset_link_page_counts_wrong_tokens_like_the_api(make_user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "2/min"}
    user = make_user(email="known@example.com")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    client = Client()
    url = reverse("account:password-reset", args=[uid, "wrong-token"])

    statuses = [client.get(url, follow=True).status_code for _ in range(3)]

    assert statuses == [400, 400, 429]


# ---- the admin's "End this session" -------------------------------------------------


def test_admin_session_page_offers_end_this_session_with_a_confirmation(make_user):
    manager = make_session_manager(make_user(is_staff=True))
    member_session = current_session(signed_in_browser(make_user()))
    admin_browser = signed_in_browser(manager, "admin:login")
    change_url = reverse(
        "admin:sessions_app_usersession_change", args=[member_session.pk]
    )
    end_url = reverse("admin:sessions_app_usersession_end", args=[member_session.pk])

    page = admin_browser.get(change_url)
    confirmation = admin_browser.get(end_url)
    response = post_form(admin_browser, end_url)

    assert end_url in page.content.decode()
    assert "Yes, end this session" in confirmation.content.decode()
    assert response.status_code == 302
    member_session.refresh_from_db()
    assert member_session.end_reason == EndReason.TERMINATED_BY_STAFF


def test_admin_end_asks_for_the_password_when_the_step_up_is_old(make_user):
    manager = make_session_manager(make_user(is_staff=True))
    member_session = current_session(signed_in_browser(make_user()))
    admin_browser = signed_in_browser(manager, "admin:login")
    move_back(current_session(admin_browser), reauthenticated_at=timedelta(hours=1))
    end_url = reverse("admin:sessions_app_usersession_end", args=[member_session.pk])

    response = post_form(admin_browser, end_url)

    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('account:confirm-password')}?{urlencode({'next': end_url})}"
    )
    assert UserSession.objects.get(pk=member_session.pk).is_active


def test_admin_without_the_permission_sees_no_end_button(make_user):
    staff = make_user(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_usersession"))
    member_session = current_session(signed_in_browser(make_user()))
    admin_browser = signed_in_browser(staff, "admin:login")
    end_url = reverse("admin:sessions_app_usersession_end", args=[member_session.pk])

    page = admin_browser.get(
        reverse("admin:sessions_app_usersession_change", args=[member_session.pk])
    )

    assert page.status_code == 200
    assert end_url not in page.content.decode()
    assert post_form(admin_browser, end_url).status_code == 403
