from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from messaging.tests.factories import make_message

pytestmark = pytest.mark.django_db

ALL = reverse("messaging:message-list")
SENT = reverse("messaging:message-sent")
RECEIVED = reverse("messaging:message-received")
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def contents(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [message["content"] for message in response.json()["results"]]


@pytest.fixture
def trio(make_user):
    """alice and bob wrote to each other; carol and bob too; nobody wrote to dave."""
    alice, bob = make_user(username="alice"), make_user(username="bob")
    carol = make_user(username="carol")
    make_message(sender=alice, receiver=bob, content="a->b 1", at=T0)
    make_message(
        sender=bob, receiver=alice, content="b->a 1", at=T0 + timedelta(hours=1)
    )
    make_message(
        sender=carol, receiver=bob, content="c->b 1", at=T0 + timedelta(hours=2)
    )
    make_message(
        sender=alice, receiver=carol, content="a->c 1", at=T0 + timedelta(hours=3)
    )
    make_message(
        sender=bob, receiver=carol, content="b->c 1", at=T0 + timedelta(hours=4)
    )
    return alice, bob, carol


def test_all_lists_sent_and_received_newest_first(trio, token_client):
    alice, _, _ = trio

    response = token_client(alice).get(ALL)

    assert contents(response) == ["a->c 1", "b->a 1", "a->b 1"]
    assert response.json()["count"] == 3
    first = response.json()["results"][0]
    assert set(first) == {"id", "sender", "receiver", "content", "created_at"}
    assert (first["sender"], first["receiver"]) == ("alice", "carol")
    assert first["created_at"] == "2024-05-01T15:00:00Z"


def test_sent_lists_only_what_the_user_sent(trio, token_client):
    alice, _, _ = trio

    assert contents(token_client(alice).get(SENT)) == ["a->c 1", "a->b 1"]


def test_received_lists_only_what_the_user_received(trio, token_client):
    _, bob, _ = trio

    assert contents(token_client(bob).get(RECEIVED)) == ["c->b 1", "a->b 1"]


def test_other_users_messages_are_never_listed(trio, make_user, token_client):
    dave = make_user()
    client = token_client(dave)

    for url in (ALL, SENT, RECEIVED):
        assert contents(client.get(url)) == []
    assert contents(client.get(ALL, {"with": "alice"})) == []
    assert contents(client.get(RECEIVED, {"sender": "alice"})) == []


def test_sent_filters_by_receiver_in_any_case(trio, token_client):
    alice, _, _ = trio

    response = token_client(alice).get(SENT, {"receiver": "CAROL"})

    assert contents(response) == ["a->c 1"]


def test_received_filters_by_sender_in_any_case(trio, token_client):
    _, bob, _ = trio

    response = token_client(bob).get(RECEIVED, {"sender": "Alice"})

    assert contents(response) == ["a->b 1"]


def test_all_filters_by_the_other_party_both_ways(trio, token_client):
    _, bob, _ = trio

    response = token_client(bob).get(ALL, {"with": "carol"})

    assert contents(response) == ["b->c 1", "c->b 1"]


def test_unknown_username_filter_lists_nothing(trio, token_client):
    alice, _, _ = trio
    client = token_client(alice)

    assert contents(client.get(SENT, {"receiver": "nobody"})) == []
    assert contents(client.get(RECEIVED, {"sender": "nobody"})) == []
    assert contents(client.get(ALL, {"with": "nobody"})) == []


def test_date_filter_keeps_one_day(make_user, token_client):
    alice, bob = make_user(tz="UTC"), make_user()
    make_message(sender=alice, receiver=bob, content="may 1", at=T0)
    make_message(sender=bob, receiver=alice, content="may 2", at=T0 + timedelta(days=1))
    client = token_client(alice)

    assert contents(client.get(ALL, {"date": "2024-05-01"})) == ["may 1"]
    assert contents(client.get(SENT, {"date": "2024-05-02"})) == []
    assert contents(client.get(RECEIVED, {"date": "2024-05-02"})) == ["may 2"]


def test_date_is_a_day_in_the_requesting_users_time_zone(make_user, token_client):
    india = make_user(tz="Asia/Kolkata")  # UTC+05:30
    london = make_user(tz="Europe/London")  # UTC+01:00 in May
    late = datetime(2024, 5, 1, 18, 29, tzinfo=UTC)  # 23:59 in India, 19:29 in London
    after = datetime(2024, 5, 1, 18, 31, tzinfo=UTC)  # 00:01 on May 2 in India
    make_message(sender=india, receiver=london, content="late", at=late)
    make_message(sender=london, receiver=india, content="after", at=after)
    in_india, in_london = token_client(india), token_client(london)

    assert contents(in_india.get(ALL, {"date": "2024-05-01"})) == ["late"]
    assert contents(in_india.get(ALL, {"date": "2024-05-02"})) == ["after"]
    assert contents(in_london.get(ALL, {"date": "2024-05-01"})) == ["after", "late"]
    assert contents(in_london.get(ALL, {"date": "2024-05-02"})) == []


def test_date_boundaries_follow_daylight_saving(make_user, token_client):
    new_york = make_user(tz="America/New_York")  # 10 March 2024 has 23 hours
    other = make_user()
    spots = {
        "mar 9, 23:59 EST": datetime(2024, 3, 10, 4, 59, tzinfo=UTC),
        "mar 10, 00:00 EST": datetime(2024, 3, 10, 5, 0, tzinfo=UTC),
        "mar 10, 23:59 EDT": datetime(2024, 3, 11, 3, 59, tzinfo=UTC),
        "mar 11, 00:00 EDT": datetime(2024, 3, 11, 4, 0, tzinfo=UTC),
    }
    for content, at in spots.items():
        make_message(sender=other, receiver=new_york, content=content, at=at)

    response = token_client(new_york).get(RECEIVED, {"date": "2024-03-10"})

    assert contents(response) == ["mar 10, 23:59 EDT", "mar 10, 00:00 EST"]


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("tz", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_first_and_last_days_answer_in_any_time_zone(make_user, token_client, date, tz):
    user = make_user(tz=tz)

    response = token_client(user).get(ALL, {"date": date})

    assert contents(response) == []


@pytest.mark.parametrize(
    "date", ["yesterday", "2024-13-01", "2024-02-30", "01/05/2024"]
)
@pytest.mark.parametrize("url", [ALL, SENT, RECEIVED])
def test_malformed_date_is_400_with_the_field(make_user, token_client, url, date):
    response = token_client(make_user()).get(url, {"date": date})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "date" in response.json()["fields"]


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "", "last", "١"])
@pytest.mark.parametrize("url", [ALL, SENT, RECEIVED])
def test_malformed_page_is_400_with_the_field(make_user, token_client, url, page):
    response = token_client(make_user()).get(url, {"page": page})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "page" in response.json()["fields"]


def test_pages_follow_page_and_page_size(make_user, token_client):
    alice, bob = make_user(), make_user()
    for n in range(5):
        make_message(sender=alice, receiver=bob, content=f"m{n}", at=T0 + timedelta(n))
    client = token_client(alice)

    first = client.get(SENT, {"page_size": 2})
    last = client.get(SENT, {"page_size": 2, "page": 3})

    assert contents(first) == ["m4", "m3"]
    assert first.json()["count"] == 5
    assert first.json()["previous"] is None
    assert "page=2" in first.json()["next"]
    assert contents(last) == ["m0"]
    assert last.json()["count"] == 5
    assert last.json()["next"] is None
    assert "page=2" in last.json()["previous"]


def test_messages_of_one_moment_keep_a_stable_order(make_user, token_client):
    alice, bob = make_user(), make_user()
    same = [
        make_message(sender=alice, receiver=bob, content=f"m{n}", at=T0)
        for n in range(3)
    ]
    client = token_client(alice)

    ids = [
        client.get(SENT, {"page_size": 1, "page": page}).json()["results"][0]["id"]
        for page in (1, 2, 3)
    ]

    assert ids == [m.pk for m in reversed(same)]


def test_page_size_caps_at_200(make_user, token_client):
    alice, bob = make_user(), make_user()
    for n in range(201):
        make_message(sender=alice, receiver=bob, content=f"m{n}")

    response = token_client(alice).get(SENT, {"page_size": 500})

    assert len(response.json()["results"]) == 200
    assert response.json()["count"] == 201


def test_page_past_the_end_is_404(make_user, token_client):
    alice, bob = make_user(), make_user()
    make_message(sender=alice, receiver=bob)

    response = token_client(alice).get(SENT, {"page": 2})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_empty_list_has_a_first_page(make_user, token_client):
    response = token_client(make_user()).get(ALL, {"page": 1})

    assert response.json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    "field,url", [("with", ALL), ("receiver", SENT), ("sender", RECEIVED)]
)
def test_overlong_username_filter_is_400(make_user, token_client, field, url):
    response = token_client(make_user()).get(url, {field: "x" * 151})

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_page_and_its_count_cost_two_queries(
    make_user, token_client, django_assert_num_queries
):
    alice, bob = make_user(), make_user()
    for n in range(30):
        make_message(sender=alice, receiver=bob, at=T0 + timedelta(minutes=n))
        make_message(
            sender=bob, receiver=alice, at=T0 + timedelta(minutes=n, seconds=1)
        )
    client = token_client(alice)
    client.get(ALL)  # the token lookup's statement is prepared on first use

    for url in (ALL, SENT, RECEIVED):
        # the session (with its user); the page with its count and both usernames
        with django_assert_num_queries(2):
            assert client.get(url, {"page_size": 20}).status_code == 200


def test_a_filtered_page_costs_one_more_query_for_the_username(
    make_user, token_client, django_assert_num_queries
):
    alice, bob = make_user(), make_user()
    make_message(sender=alice, receiver=bob)
    client = token_client(alice)
    client.get(ALL)

    with django_assert_num_queries(3):
        assert contents(client.get(SENT, {"receiver": bob.username})) == ["Hello there"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/message",
        "/api/message/",
        "/api/message/sent",
        "/api/message/sent/",
        "/api/message/received",
        "/api/message/received/",
    ],
)
def test_original_list_routes_answer_with_and_without_the_slash(
    trio, token_client, path
):
    _, bob, _ = trio

    response = token_client(bob).get(path, {"page": 1})

    assert response.status_code == 200
    assert response.json()["count"] in {2, 4}
    assert set(response.json()) == {"count", "next", "previous", "results"}


def test_original_routes_answer_as_their_v1_twins(trio, token_client):
    _, bob, _ = trio
    client = token_client(bob)
    twins = [
        ("/api/message", ALL, {"with": "carol"}),
        ("/api/message/sent", SENT, {"receiver": "alice", "date": "2024-05-01"}),
        ("/api/message/received", RECEIVED, {"sender": "carol", "page_size": 1}),
    ]

    for original, v1, params in twins:
        old, new = client.get(original, params), client.get(v1, params)
        assert old.status_code == new.status_code == 200
        assert old.json()["results"] == new.json()["results"]
        assert old.json()["count"] == new.json()["count"]


def test_list_from_an_ended_session_is_403_with_the_reason(make_user, token_client):
    alice = make_user()
    client = token_client(alice)
    client.post(reverse("sessions:logout"))

    response = client.get("/api/message/sent")

    assert response.status_code == 403
    assert response.json()["code"] == "session_logged_out"
