"""The token lookup on every API request: one query, the same objects as the ORM's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions_app import selectors, services
from sessions_app.crypto import digest
from sessions_app.models import Transport, UserSession

pytestmark = pytest.mark.django_db


def start_token_session(user, **overrides) -> tuple[UserSession, str]:
    started = services.session_start(
        user=user,
        transport=Transport.TOKEN,
        login_method="password_api",
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0",
        ip_address="10.1.2.3",
        **overrides,
    )
    return started.session, started.token


def test_token_lookup_builds_the_session_and_user_the_orm_would(make_user):
    user = make_user(email="lookup@example.com")
    session, token = start_token_session(user)
    expected = UserSession.objects.select_related("user").get(pk=session.pk)

    found = selectors.session_get_by_token(token)

    for field in UserSession._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field
    for field in type(user)._meta.concrete_fields:
        assert getattr(found.user, field.attname) == getattr(
            expected.user, field.attname
        )
    assert found.user.mobile.as_e164 == user.mobile.as_e164  # converted, not a string
    assert found.created_at.tzinfo is not None
    assert found._state.adding is False and found._state.db == expected._state.db


def test_token_lookup_costs_one_query_and_loads_nothing_later(
    make_user, django_assert_num_queries
):
    session, token = start_token_session(make_user())

    with django_assert_num_queries(1):
        found = selectors.session_get_by_token(token)
        assert found.user.username and found.user.is_active and found.device_name
        assert found.user.mobile and found.expires_at and found.user.date_joined


def test_token_lookup_finds_ended_sessions_and_nothing_for_unknown_tokens(make_user):
    session, token = start_token_session(make_user())
    services.session_end(session=session, reason="logout")

    assert selectors.session_get_by_token(token).is_active is False
    assert selectors.session_get_by_token("not-a-token") is None


def test_token_lookup_only_finds_token_sessions(make_user):
    started = services.session_start(
        user=make_user(),
        transport=Transport.COOKIE,
        login_method="password_browser",
        session_key="key",
    )
    UserSession.objects.filter(pk=started.session.pk).update(
        token_digest=digest("same-secret")
    )

    assert selectors.session_get_by_token("same-secret") is None


# ---- PostgreSQL: the statement is prepared once per connection, outside transactions --

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements: PostgreSQL only"
)


def statements(captured) -> list[str]:
    return [
        query["sql"].split(None, 1)[0].upper() for query in captured.captured_queries
    ]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_token_lookup_prepares_its_statement_once_per_connection(make_user):
    session, token = start_token_session(make_user())
    connection.close()  # a new connection, as a new gunicorn worker has

    with CaptureQueriesContext(connection) as captured:
        first = selectors.session_get_by_token(token)
        second = selectors.session_get_by_token(token)

    assert statements(captured) == ["PREPARE", "EXECUTE", "EXECUTE"]
    assert first.pk == second.pk == session.pk and first.user == session.user


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_token_lookup_survives_losing_its_prepared_statement(make_user):
    session, token = start_token_session(make_user())
    connection.close()
    selectors.session_get_by_token(token)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a transaction-pooling proxy may do

    with CaptureQueriesContext(connection) as captured:
        found = selectors.session_get_by_token(token)
        again = selectors.session_get_by_token(token)

    assert found.pk == again.pk == session.pk
    assert statements(captured) == ["EXECUTE", "SELECT", "SELECT"]  # plain from then on
    connection.close()
    with CaptureQueriesContext(connection) as captured:
        selectors.session_get_by_token(token)
    assert statements(captured) == ["PREPARE", "EXECUTE"]  # a new connection prepares


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_token_lookup_survives_a_migration_that_changes_a_column_type(make_user):
    session, token = start_token_session(make_user())
    connection.close()
    selectors.session_get_by_token(token)
    table = UserSession._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'ALTER TABLE "{table}" ALTER COLUMN "user_agent" TYPE varchar(600)'
        )
    try:
        with CaptureQueriesContext(connection) as captured:
            assert selectors.session_get_by_token(token).pk == session.pk
        assert statements(captured) == ["EXECUTE", "SELECT"]  # the plan went stale
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                f'ALTER TABLE "{table}" ALTER COLUMN "user_agent" TYPE varchar(512)'
            )


def test_token_lookup_inside_a_transaction_runs_the_plain_query(
    make_user, django_assert_num_queries
):
    session, token = start_token_session(make_user())  # this test runs in a transaction

    with django_assert_num_queries(1) as captured:
        assert selectors.session_get_by_token(token).pk == session.pk

    assert statements(captured) == ["SELECT"]
