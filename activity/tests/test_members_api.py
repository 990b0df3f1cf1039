from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from activity.models import ActivityPeriod

pytestmark = pytest.mark.django_db

MEMBERS = reverse("activity:member-list")
LEGACY_MEMBERS = reverse("legacy:member-list")
MY_ACTIVITY = reverse("activity:my-activity")
KOLKATA = ZoneInfo("Asia/Kolkata")  # the user factory's default time zone


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


def add_period(user, start: datetime, end: datetime | None) -> ActivityPeriod:
    return ActivityPeriod.objects.create(user=user, start_time=start, end_time=end)


@pytest.fixture
def staff_client(make_user, token_client):
    return token_client(make_user(is_staff=True, username="aaa-staff"))


def members_by_id(response) -> dict:
    return {member["id"]: member for member in response.json()["members"]}


def test_staff_sees_members_with_periods_in_each_members_time_zone(
    make_user, staff_client
):
    kolkata = make_user(real_name="Priya Sharma", tz="Asia/Kolkata")
    new_york = make_user(real_name="Egon Spengler", tz="America/New_York")
    add_period(kolkata, at(1, 10), at(1, 11, 30))
    add_period(kolkata, at(2, 8), None)
    add_period(new_york, at(1, 10), at(1, 12))

    response = staff_client.get(MEMBERS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ok", "count", "next", "previous", "members"}
    assert body["ok"] is True
    assert body["count"] == 3  # the staff member too, with the period of this login
    members = members_by_id(response)
    assert members[str(kolkata.id)] == {
        "id": str(kolkata.id),
        "real_name": "Priya Sharma",
        "tz": "Asia/Kolkata",
        "activity_periods": [
            {
                "start_time": "2024-05-01T15:30:00+05:30",
                "end_time": "2024-05-01T17:00:00+05:30",
            },
            {"start_time": "2024-05-02T13:30:00+05:30", "end_time": None},
        ],
    }
    assert members[str(new_york.id)]["activity_periods"] == [
        {
            "start_time": "2024-05-01T06:00:00-04:00",
            "end_time": "2024-05-01T08:00:00-04:00",
        },
    ]


def test_utc_member_times_end_in_z(make_user, staff_client):
    member = make_user(tz="UTC")
    add_period(member, at(3, 9), at(3, 10))

    response = staff_client.get(MEMBERS, {"user": str(member.id)})

    assert response.json()["members"][0]["activity_periods"] == [
        {"start_time": "2024-05-03T09:00:00Z", "end_time": "2024-05-03T10:00:00Z"}
    ]


def test_member_without_periods_is_listed_without_a_filter(make_user, staff_client):
    member = make_user()

    response = staff_client.get(MEMBERS)

    assert members_by_id(response)[str(member.id)]["activity_periods"] == []


def test_date_keeps_members_and_periods_overlapping_that_utc_day(
    make_user, staff_client
):
    night_owl = make_user()
    early = make_user()
    absent = make_user()
    across_midnight = add_period(night_owl, at(1, 23), at(2, 1))
    add_period(night_owl, at(5, 9), at(5, 10))
    add_period(early, at(2, 0), None)  # still open: runs until now
    add_period(absent, at(3, 0), at(3, 1))
    add_period(absent, at(1, 20), at(2, 0))  # ends exactly at midnight: not on the 2nd

    response = staff_client.get(MEMBERS, {"date": "2024-05-02"})

    assert response.status_code == 200
    assert response.json()["count"] == 2
    members = members_by_id(response)
    assert set(members) == {str(night_owl.id), str(early.id)}
    assert len(members[str(night_owl.id)]["activity_periods"]) == 1
    assert members[str(night_owl.id)]["activity_periods"][0]["start_time"] == (
        across_midnight.start_time.astimezone(KOLKATA).isoformat()
    )


def test_start_and_end_keep_overlapping_periods_only(make_user, staff_client):
    member = make_user()
    add_period(member, at(1, 8), at(1, 9))
    inside = add_period(member, at(1, 10), at(1, 11))
    add_period(member, at(1, 12), at(1, 13))

    response = staff_client.get(
        MEMBERS, {"start": "2024-05-01T09:30:00Z", "end": "2024-05-01T11:30:00Z"}
    )

    assert response.status_code == 200
    [found] = response.json()["members"]
    assert found["id"] == str(member.id)
    assert [p["start_time"] for p in found["activity_periods"]] == [
        inside.start_time.astimezone(KOLKATA).isoformat()
    ]


def test_start_alone_keeps_periods_running_after_it(make_user, staff_client):
    member = make_user()
    add_period(member, at(1, 8), at(1, 9))
    add_period(member, at(1, 10), None)

    response = staff_client.get(
        MEMBERS, {"start": "2024-05-01T09:30:00", "user": member.id}
    )

    [found] = response.json()["members"]
    assert len(found["activity_periods"]) == 1
    assert found["activity_periods"][0]["end_time"] is None


def test_user_filter_keeps_one_member(make_user, staff_client):
    member = make_user()
    make_user()

    response = staff_client.get(MEMBERS, {"user": str(member.id)})

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["members"]] == [str(member.id)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2024-13-01"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"start": "not-a-time"}, "start"),
        ({"start": "2024-05-02T00:00:00Z", "end": "2024-05-01T00:00:00Z"}, "end"),
        ({"user": "42"}, "user"),
    ],
)
def test_bad_filters_are_400_with_fields(staff_client, params, field):
    response = staff_client.get(MEMBERS, params)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_first_and_last_representable_days_are_empty_not_errors(staff_client, day):
    response = staff_client.get(MEMBERS, {"date": day})

    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_member_is_refused_with_permission_denied(make_user, token_client):
    client = token_client(make_user())

    response = client.get(MEMBERS)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_is_401(api_client):
    response = api_client.get(MEMBERS)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_ended_staff_session_gets_the_reason_not_permission_denied(
    make_user, token_client
):
    staff = make_user(is_staff=True)
    old = token_client(staff)
    token_client(staff)

    response = old.get(MEMBERS)

    assert response.status_code == 403
    assert response.json()["code"] == "session_superseded"


def test_pages_follow_page_size_and_a_page_past_the_end_is_404(make_user, staff_client):
    for _ in range(4):
        make_user()

    first = staff_client.get(MEMBERS, {"page_size": 2})
    last = staff_client.get(MEMBERS, {"page_size": 2, "page": 3})
    beyond = staff_client.get(MEMBERS, {"page_size": 2, "page": 4})

    assert first.json()["count"] == 5
    assert len(first.json()["members"]) == 2
    assert first.json()["next"] is not None and first.json()["previous"] is None
    assert len(last.json()["members"]) == 1 and last.json()["next"] is None
    assert beyond.status_code == 404
    assert beyond.json()["code"] == "not_found"


def make_members_with_periods(make_user, count: int, periods: int) -> None:
    for n in range(count):
        member = make_user(tz=["UTC", "Asia/Tokyo", "America/Lima"][n % 3])
        for p in range(periods):
            add_period(member, at(1 + p, 1), at(1 + p, 2))


@pytest.mark.parametrize(("members", "periods"), [(1, 1), (30, 5)])
def test_members_page_costs_the_same_queries_whatever_the_data(
    make_user, staff_client, django_assert_num_queries, members, periods
):
    make_members_with_periods(make_user, members, periods)

    # session by token (with its user), count, the page of members, their periods
    with django_assert_num_queries(4):
        response = staff_client.get(MEMBERS, {"page_size": 100})

    assert response.status_code == 200
    assert len(response.json()["members"]) == members + 1


@pytest.mark.parametrize(("members", "periods"), [(1, 1), (30, 5)])
def test_filtered_members_page_costs_the_same_queries(
    make_user, staff_client, django_assert_num_queries, members, periods
):
    make_members_with_periods(make_user, members, periods)

    with django_assert_num_queries(4):
        response = staff_client.get(MEMBERS, {"date": "2024-05-01"})

    assert response.status_code == 200
    assert response.json()["count"] == members


def test_legacy_route_keeps_the_original_shape(make_user, staff_client):
    member = make_user(real_name="Egon Spengler", tz="America/Los_Angeles")
    add_period(member, at(1, 20), at(1, 21))

    response = staff_client.get(LEGACY_MEMBERS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"ok", "members"}
    assert body["ok"] is True
    assert members_by_id(response)[str(member.id)] == {
        "id": str(member.id),
        "real_name": "Egon Spengler",
        "tz": "America/Los_Angeles",
        "activity_periods": [
            {
                "start_time": "2024-05-01T13:00:00-07:00",
                "end_time": "2024-05-01T14:00:00-07:00",
            }
        ],
    }


def test_legacy_route_gives_100_members_then_next(
    make_user, staff_client, django_assert_num_queries
):
    for _ in range(100):
        make_user()

    with django_assert_num_queries(4):
        response = staff_client.get(LEGACY_MEMBERS)
    second = staff_client.get(response.json()["next"])

    assert len(response.json()["members"]) == 100
    assert "/activity_record/members/?page=2" in response.json()["next"]
    assert second.status_code == 200
    assert len(second.json()["members"]) == 1
    assert "next" not in second.json()


def test_legacy_route_is_for_staff_only(make_user, token_client):
    response = token_client(make_user()).get(LEGACY_MEMBERS)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_my_activity_lists_own_periods_newest_first_in_own_time_zone(
    make_user, token_client
):
    me = make_user(tz="Europe/London")
    someone_else = make_user()
    add_period(me, at(1, 9), at(1, 10))
    add_period(someone_else, at(1, 9), at(1, 10))
    client = token_client(me)

    response = client.get(MY_ACTIVITY)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2  # the seeded period and this login's open one
    assert body["results"][0]["end_time"] is None
    assert body["results"][1] == {
        "start_time": "2024-05-01T10:00:00+01:00",
        "end_time": "2024-05-01T11:00:00+01:00",
    }


def test_my_activity_filters_by_date(make_user, token_client):
    me = make_user()
    add_period(me, at(1, 9), at(1, 10))
    add_period(me, at(3, 9), at(3, 10))
    client = token_client(me)

    response = client.get(MY_ACTIVITY, {"date": "2024-05-03"})
    bad = client.get(MY_ACTIVITY, {"date": "3 May"})

    assert response.json()["count"] == 1
    assert bad.status_code == 400
    assert "date" in bad.json()["fields"]


def test_my_activity_needs_a_live_session(make_user, token_client, api_client):
    user = make_user()
    client = token_client(user)
    client.post(reverse("sessions:logout"))

    assert client.get(MY_ACTIVITY).json()["code"] == "session_logged_out"
    assert api_client.get(MY_ACTIVITY).status_code == 401


def test_date_and_start_end_are_intersected(make_user, staff_client):
    member = make_user()
    add_period(member, at(1, 9), at(1, 10))
    add_period(member, at(1, 15), at(1, 16))

    response = staff_client.get(
        MEMBERS, {"date": "2024-05-01", "start": "2024-05-01T12:00:00Z"}
    )

    [found] = response.json()["members"]
    assert len(found["activity_periods"]) == 1
    assert found["activity_periods"][0]["start_time"].startswith("2024-05-01T20:30")


def test_periods_are_listed_oldest_first(make_user, staff_client):
    member = make_user(tz="UTC")
    add_period(member, at(3, 9), at(3, 10))
    add_period(member, at(1, 9), at(1, 10))

    response = staff_client.get(MEMBERS, {"user": str(member.id)})

    [found] = response.json()["members"]
    starts = [period["start_time"] for period in found["activity_periods"]]
    assert starts == ["2024-05-01T09:00:00Z", "2024-05-03T09:00:00Z"]
