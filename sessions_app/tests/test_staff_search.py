"""Staff search over everyone's sessions and security events (issue 15, point 7)."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.app_settings import DEFAULTS
from sessions_app import selectors, services
from sessions_app.models import EventKind, SecurityEvent, UserSession

pytestmark = pytest.mark.django_db

SESSIONS = reverse("sessions:staff-session-list")
EVENTS = reverse("sessions:staff-event-list")
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="CIDR and trigram search: PostgreSQL"
)
on_sqlite = pytest.mark.skipif(
    connection.vendor == "postgresql", reason="SQLite answers single addresses only"
)


@pytest.fixture
def staff(make_user, token_client):
    return token_client(make_user(is_staff=True))


@pytest.fixture
def two_sessions_each(settings):
    settings.SESSION_POLICY = {**DEFAULTS, "MAX_SESSIONS_PER_USER": 2}


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def event_ids(response) -> list[int]:
    return ids(response)


def record(user, kind: str = EventKind.LOGIN_FAILED, **fields) -> SecurityEvent:
    return services.security_event_record(kind=kind, user=user, **fields)


# ---- who may search ------------------------------------------------------------------


@pytest.mark.parametrize("url", [SESSIONS, EVENTS])
def test_members_may_not_search(make_user, token_client, url):
    member = token_client(make_user())

    response = member.get(url)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("url", [SESSIONS, EVENTS])
def test_anonymous_visitors_may_not_search(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# ---- sessions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling", ["{username}", "{upper}", "9012345678", "+91 90123 45678"]
)
def test_sessions_of_one_user_by_username_or_mobile(
    make_user, make_session, staff, spelling
):
    member = make_user(username="Ravi", mobile="+919012345678")
    mine = make_session(user=member)
    make_session(user=make_user())
    user = spelling.format(username="Ravi", upper="RAVI")

    response = staff.get(SESSIONS, {"user": user})

    assert ids(response) == [str(mine.pk)]
    assert response.json()["results"][0]["user"] == {
        "id": str(member.pk),
        "username": "Ravi",
    }


def test_unknown_user_finds_an_empty_page(make_user, make_session, staff):
    make_session(user=make_user())

    response = staff.get(SESSIONS, {"user": "nobody-has-this-name"})

    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_sessions_from_one_address(make_user, make_session, staff):
    member = make_user()
    there = make_session(user=member, ip_address="10.1.2.3")
    make_session(user=make_user(), ip_address="10.1.2.4")

    assert ids(staff.get(SESSIONS, {"ip": "10.1.2.3"})) == [str(there.pk)]
    assert ids(staff.get(SESSIONS, {"ip": "10.1.2.3/32"})) == [str(there.pk)]


def test_sessions_by_location_any_case(make_user, make_session, staff):
    lan = make_session(user=make_user(), ip_address="192.168.1.20")
    make_session(user=make_user(), ip_address="127.0.0.1")

    response = staff.get(SESSIONS, {"location": "local NETWORK"})

    assert ids(response) == [str(lan.pk)]
    assert lan.location == "Local network"


def test_sessions_by_part_of_device_name_or_user_agent(make_user, make_session, staff):
    phone = make_session(user=make_user(), user_agent=IPHONE)
    make_session(user=make_user())  # Chrome on Windows

    by_agent = staff.get(SESSIONS, {"device": "mobile/15e148"})
    by_name = staff.get(SESSIONS, {"device": phone.device_name[:5].upper()})

    assert ids(by_agent) == [str(phone.pk)]
    assert str(phone.pk) in ids(by_name)
    assert len(ids(by_name)) == 1


def test_sessions_by_status(make_user, make_session, staff):
    member = make_user()
    ended = make_session(user=member)
    live = make_session(user=member)  # one session per user: this ends the first

    def found(status: str) -> list[str]:
        return ids(staff.get(SESSIONS, {"user": member.username, "status": status}))

    assert found("active") == [str(live.pk)]
    assert found("ended") == [str(ended.pk)]
    assert found("all") == [str(live.pk), str(ended.pk)]
    assert ids(staff.get(SESSIONS, {"user": member.username})) == found("all")


def test_sessions_started_within_a_period(
    make_user, make_session, staff, two_sessions_each
):
    member = make_user()
    now = timezone.now()
    old = make_session(user=member, at=now - timedelta(days=3))
    recent = make_session(user=member, at=now - timedelta(hours=1))

    def found(**period) -> list[str]:
        query = {"user": member.username}
        query.update({k: v.isoformat() for k, v in period.items()})
        return ids(staff.get(SESSIONS, query))

    assert found(created_after=now - timedelta(days=1)) == [str(recent.pk)]
    assert found(created_before=now - timedelta(days=1)) == [str(old.pk)]
    assert found(created_after=old.created_at, created_before=recent.created_at) == [
        str(old.pk)
    ]


def test_sessions_come_newest_first(make_user, make_session, staff):
    now = timezone.now()
    sessions = [
        make_session(user=make_user(), at=now - timedelta(minutes=minutes))
        for minutes in (30, 10, 20)
    ]

    before = now - timedelta(minutes=5)  # not the staff member's own session
    found = ids(staff.get(SESSIONS, {"created_before": before.isoformat()}))

    newest_first = sorted(sessions, key=lambda s: s.created_at, reverse=True)
    assert found == [str(s.pk) for s in newest_first]


# ---- events --------------------------------------------------------------------------


def test_events_of_one_user_by_username_or_mobile(make_user, staff):
    member = make_user(mobile="+919012345670")
    mine = record(member)
    record(make_user())

    for user in (member.username, "9012345670"):
        response = staff.get(EVENTS, {"user": user})

        assert event_ids(response) == [mine.pk]
        row = response.json()["results"][0]
        assert row["user"] == {"id": str(member.pk), "username": member.username}
        assert row["kind"] == "login_failed"


def test_events_of_one_kind_from_one_address_within_a_period(make_user, staff):
    member = make_user()
    now = timezone.now()
    wanted = record(member, ip_address="10.9.9.9", at=now - timedelta(hours=2))
    record(member, ip_address="10.9.9.8", at=now - timedelta(hours=2))
    record(member, kind=EventKind.LOGOUT, ip_address="10.9.9.9")
    record(member, ip_address="10.9.9.9", at=now - timedelta(days=2))

    response = staff.get(
        EVENTS,
        {
            "kind": "login_failed",
            "ip": "10.9.9.9",
            "after": (now - timedelta(days=1)).isoformat(),
            "before": now.isoformat(),
        },
    )

    assert event_ids(response) == [wanted.pk]


def test_events_without_a_user_are_found_and_shown(staff):
    unknown = record(None, ip_address="10.7.7.7")

    response = staff.get(EVENTS, {"ip": "10.7.7.7"})

    assert event_ids(response) == [unknown.pk]
    assert response.json()["results"][0]["user"] is None


def test_events_come_newest_first(make_user, staff):
    member = make_user()
    now = timezone.now()
    events = [record(member, at=now - timedelta(minutes=m)) for m in (5, 1, 3)]

    found = event_ids(staff.get(EVENTS, {"user": member.username}))

    assert found == [
        e.pk for e in sorted(events, key=lambda e: -e.created_at.timestamp())
    ]


# ---- bad filters and pages -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        (SESSIONS, {"ip": "10.0.0.300"}, "ip"),
        (SESSIONS, {"ip": "ten.zero/8"}, "ip"),
        (SESSIONS, {"status": "sleeping"}, "status"),
        (SESSIONS, {"created_after": "yesterday"}, "created_after"),
        (SESSIONS, {"device": "x" * 141}, "device"),
        (
            SESSIONS,
            {"created_after": "2026-01-02T00:00Z", "created_before": "2026-01-01"},
            "created_before",
        ),
        (EVENTS, {"kind": "coffee_break"}, "kind"),
        (EVENTS, {"ip": "::g"}, "ip"),
        (EVENTS, {"ip": "fe80::1%eth0"}, "ip"),
        (SESSIONS, {"ip": "1" * 65}, "ip"),
        (SESSIONS, {"user": "nul\x00byte"}, "user"),
        (EVENTS, {"before": "31/12/2025"}, "before"),
        (
            EVENTS,
            {"after": "2026-01-02T00:00Z", "before": "2026-01-02T00:00Z"},
            "before",
        ),
    ],
)
def test_malformed_filter_is_400_naming_the_field(staff, url, query, field):
    response = staff.get(url, query)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


@on_sqlite
@pytest.mark.parametrize("url", [SESSIONS, EVENTS])
def test_address_range_is_refused_without_postgresql(staff, url):
    response = staff.get(url, {"ip": "10.0.0.0/8"})

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ip"]


@pytest.mark.parametrize("page", ["0", "abc", "99"])
@pytest.mark.parametrize("url", [SESSIONS, EVENTS])
def test_bad_or_missing_page_is_404(staff, url, page):
    response = staff.get(url, {"page": page})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_size_caps_at_200(make_user, staff):
    member = make_user()
    now = timezone.now()
    SecurityEvent.objects.bulk_create(
        SecurityEvent(user=member, kind=EventKind.LOGIN, created_at=now)
        for _ in range(201)
    )

    response = staff.get(EVENTS, {"user": member.username, "page_size": "1000"})

    body = response.json()
    assert body["count"] == 201
    assert len(body["results"]) == 200
    assert body["next"] is not None


@pytest.mark.parametrize(
    ("url", "query"),
    [
        (SESSIONS, {}),
        (SESSIONS, {"user": "{username}", "device": "chrome", "status": "all"}),
        (EVENTS, {}),
        (EVENTS, {"user": "{mobile}", "kind": "login", "ip": "127.0.0.1"}),
    ],
)
def test_queries_do_not_grow_with_the_rows_on_a_page(
    make_user, make_session, staff, two_sessions_each, url, query
):
    member = make_user()
    query = {
        k: v.format(username=member.username, mobile=member.mobile)
        for k, v in query.items()
    }

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(url, query)
        assert response.status_code == 200
        assert response.json()["results"]
        return len(captured)

    make_session(user=member)
    few = count_queries()
    for _ in range(6):
        make_session(user=make_user())
        make_session(user=member)

    assert count_queries() == few


# ---- PostgreSQL: address ranges and trigram indexes ----------------------------------


@on_postgresql
def test_sessions_and_events_within_an_address_range(make_user, make_session, staff):
    member = make_user()
    inside = make_session(user=member, ip_address="10.20.30.40")
    make_session(user=make_user(), ip_address="10.21.0.1")
    event = record(member, ip_address="10.20.0.9")
    record(member, ip_address="11.20.0.9")

    assert ids(staff.get(SESSIONS, {"ip": "10.20.0.0/16"})) == [str(inside.pk)]
    assert event_ids(
        staff.get(EVENTS, {"ip": "10.20.0.0/16", "kind": "login_failed"})
    ) == [event.pk]


@on_postgresql
def test_ipv6_ranges_and_loose_network_addresses(make_user, make_session, staff):
    inside = make_session(user=make_user(), ip_address="2001:db8::7")
    make_session(user=make_user(), ip_address="2001:db9::7")

    assert ids(staff.get(SESSIONS, {"ip": "2001:db8::/32"})) == [str(inside.pk)]
    assert ids(staff.get(SESSIONS, {"ip": "2001:db8::1/32"})) == [str(inside.pk)]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # Tiny tables: make any index cheaper than a scan, and no plain index scan
        # (over the created_at index, for the order) cheaper than the filter's own.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@on_postgresql
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        ({"device": "iphone"}, "usersession_device_trgm"),
        ({"device": "iphone"}, "usersession_agent_trgm"),
        ({"ip": "10.0.0.0/8"}, "usersession_ip"),
    ],
)
def test_session_search_uses_its_index(filters, index):
    from ipaddress import ip_network

    if "ip" in filters:
        filters = {"ip": ip_network(filters["ip"])}

    assert index in _plan(selectors.session_search(**filters))


@on_postgresql
def test_event_search_by_address_uses_its_index():
    from ipaddress import ip_network

    plan = _plan(selectors.security_event_search(ip=ip_network("10.0.0.0/8")))

    assert "securityevent_ip" in plan


@on_postgresql
def test_device_search_finds_a_substring_in_a_large_table(make_user, make_session):
    phone = make_session(user=make_user(), user_agent=IPHONE)
    make_session(user=make_user())

    found = selectors.session_search(device="CPU IPHONE OS 17")

    assert list(found) == [phone]


# ---- the admin -----------------------------------------------------------------------


@pytest.fixture
def admin_browser(make_user, client):
    admin_user = make_user(is_staff=True, is_superuser=True)
    response = client.post(
        reverse("admin:login"),
        {"username": admin_user.username, "password": admin_user.raw_password},
    )
    assert response.status_code == 302
    return client


def test_admin_searches_sessions_by_address_and_device(
    make_user, make_session, admin_browser
):
    phone = make_session(user=make_user(), user_agent=IPHONE, ip_address="10.3.3.3")
    make_session(user=make_user(), ip_address="10.3.3.4")
    url = reverse("admin:sessions_app_usersession_changelist")

    for term in ("10.3.3.3", "mobile/15e148"):
        response = admin_browser.get(url, {"q": term})

        assert response.status_code == 200
        assert list(response.context["cl"].result_list) == [phone]


def test_admin_searches_events_by_address_and_filters_by_kind(make_user, admin_browser):
    member = make_user()
    wanted = record(member, ip_address="10.4.4.4")
    record(member, kind=EventKind.LOGOUT, ip_address="10.4.4.4")
    url = reverse("admin:sessions_app_securityevent_changelist")

    response = admin_browser.get(url, {"q": "10.4.4.4", "kind__exact": "login_failed"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [wanted]


@on_postgresql
def test_admin_searches_an_address_range(make_user, make_session, admin_browser):
    inside = make_session(user=make_user(), ip_address="10.5.6.7")
    make_session(user=make_user(), ip_address="10.6.0.1")
    url = reverse("admin:sessions_app_usersession_changelist")

    response = admin_browser.get(url, {"q": "10.5.0.0/16"})

    assert list(response.context["cl"].result_list) == [inside]


def test_admin_filters_match_the_api_filters():
    session_admin = site._registry[UserSession]
    event_admin = site._registry[SecurityEvent]

    assert {"is_active", "location"} <= set(session_admin.list_filter)
    assert "user_agent" in session_admin.search_fields
    assert session_admin.date_hierarchy == "created_at"
    assert "kind" in event_admin.list_filter
    assert event_admin.date_hierarchy == "created_at"
