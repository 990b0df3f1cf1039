"""The token lookup on every API request: one query, the same objects as the ORM's."""

import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from sessions_app import selectors, services, token_lookup
from sessions_app.crypto import digest
from sessions_app.models import Transport, UserSession
from sessions_app.tests.factories import start_session

pytestmark = pytest.mark.django_db


def start_token_session(user, **overrides) -> tuple[UserSession, str]:
    started = start_session(
        user,
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


# ---- the compiled query is per alias; the lookup reads from the primary -------------


def test_token_lookup_compiles_its_query_once_per_alias_across_threads(
    make_user, monkeypatch
):
    session, token = start_token_session(make_user())
    token_lookup._token_query.cache_clear()
    own_connection = connections["default"]  # this thread's, in the test's transaction
    run_query = token_lookup._token_row
    seen = []  # the connection object each lookup ran on
    found_in_threads = []

    def recording_run(connection, query, params, *, prepare):
        seen.append(connection)
        if connection is own_connection:
            return run_query(connection, query, params, prepare=prepare)
        return None  # other threads' connections do not see the test's transaction

    def lookup_in_a_thread() -> None:
        found_in_threads.append(selectors.session_get_by_token(token))

    monkeypatch.setattr(token_lookup, "_token_row", recording_run)

    first = selectors.session_get_by_token(token)
    threads = [threading.Thread(target=lookup_in_a_thread) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    second = selectors.session_get_by_token(token)

    assert first.pk == second.pk == session.pk and found_in_threads == [None] * 3
    assert len(seen) == 5 and len({id(connection) for connection in seen}) == 4
    info = token_lookup._token_query.cache_info()
    assert (info.misses, info.hits, info.currsize) == (1, 4, 1)


class ReplicaRouter:
    """Reads go to a replica (not configured here), writes to the primary."""

    calls: list[str] = []

    def db_for_read(self, model, **hints) -> str:
        self.calls.append("read")
        return "replica"

    def db_for_write(self, model, **hints) -> str:
        self.calls.append("write")
        return "default"


def test_token_lookup_reads_from_the_primary_not_a_replica(
    make_user, settings, monkeypatch
):
    session, token = start_token_session(make_user())
    services.session_end(session=session, reason="logout")
    monkeypatch.setattr(ReplicaRouter, "calls", [])
    settings.DATABASE_ROUTERS = [f"{__name__}.ReplicaRouter"]

    found = selectors.session_get_by_token(token)  # "replica" would raise: no such db

    assert ReplicaRouter.calls == ["write"]
    assert found.pk == session.pk and found.is_active is False
    assert found._state.db == found.user._state.db == "default"


# ---- PostgreSQL: the statement is prepared once per connection, outside transactions

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


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_token_lookup_without_preparation_runs_the_plain_query(make_user):
    session, token = start_token_session(make_user())
    connection.close()

    with CaptureQueriesContext(connection) as captured:
        found = token_lookup.session_by_token_digest(digest(token), prepare=False)

    assert found.pk == session.pk
    assert statements(captured) == ["SELECT"]  # what `make bench` compares against


def test_token_lookup_inside_a_transaction_runs_the_plain_query(
    make_user, django_assert_num_queries
):
    session, token = start_token_session(make_user())  # this test runs in a transaction

    with django_assert_num_queries(1) as captured:
        assert selectors.session_get_by_token(token).pk == session.pk

    assert statements(captured) == ["SELECT"]
