"""The token lookup that every token request runs: one query, prepared once.

One query on the unique token index, joined to the user. Two things cost more than
running it, so neither happens per request: Django compiling the equivalent ORM query
(`select_related("user")`, 38 columns) happens once per database alias, and, on
PostgreSQL, planning the join happens once per connection (a prepared statement). The
row still becomes the same two model instances the ORM would build, with the ORM's
converters. `make bench` measured the ORM version at 0.76x DRF's stock token auth and
this one at 1.5x.

Sessions are read from the primary (the write alias), never from a replica: a replica
may not have seen the logout yet, and an ended token must never authenticate.
`prepare=False` runs the plain query every time; only `make bench` passes it (its
`unprepared` scenario), to measure what the prepared statement alone gains. On
2026-11-29 (2 cores, noisy: load average 1 to 14 from other work), two short runs
(`--seconds 3 --rounds 4`) gave req/s ratios prepared/unprepared of 0.71 and 1.28,
which is within the noise; PostgreSQL CPU per request was the steady figure, 0.42 ->
0.29 ms and 0.69 -> 0.36 ms with PREPARE (a third to a half less), app CPU unchanged.
"""

import functools
import hashlib
import weakref
from typing import NamedTuple

from django.db import DatabaseError, connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from sessions_app.models import Transport, UserSession


class _TokenQuery(NamedTuple):
    sql: str
    statement: str  # prepared statement name; it embeds a digest of the SQL
    converters: tuple  # (column position, converter functions, column expression)
    session_attnames: list[str]
    user_model: type
    user_attnames: list[str]


class _Prepared(NamedTuple):
    db_connection: object  # the DB-API connection the statement was prepared on
    usable: bool


# Which connections of this process hold the prepared statement, and whether it works.
_prepared: "weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Prepared]" = (
    weakref.WeakKeyDictionary()
)
PG_DUPLICATE_PREPARED_STATEMENT = "42P05"
# No such statement (a transaction-pooling proxy moved us to another server
# connection), or a migration changed a column's type under the cached plan.
PG_STATEMENT_LOST = {"26000", "0A000"}


@functools.cache
def _token_query(alias: str) -> _TokenQuery:
    """Build, once per database alias, the token query and its columns' converters."""
    # Any thread's connection object will do: the SQL and the converters depend only on
    # the alias's backend and settings, so this one's serve every thread.
    connection = connections[alias]
    user_field = UserSession._meta.get_field("user")
    user_model = user_field.related_model
    session_fields = UserSession._meta.concrete_fields
    user_fields = user_model._meta.concrete_fields
    quote = connection.ops.quote_name
    sessions = quote(UserSession._meta.db_table)
    users = quote(user_model._meta.db_table)
    columns = ", ".join(
        [f"{sessions}.{quote(field.column)}" for field in session_fields]
        + [f"{users}.{quote(field.column)}" for field in user_fields]
    )
    token_column = quote(UserSession._meta.get_field("token_digest").column)
    transport_column = quote(UserSession._meta.get_field("transport").column)
    sql = (
        f"SELECT {columns} FROM {sessions} INNER JOIN {users}"
        f" ON {users}.{quote(user_model._meta.pk.column)}"
        f" = {sessions}.{quote(user_field.column)}"
        f" WHERE {sessions}.{token_column} = %s AND {sessions}.{transport_column} = %s"
    )
    converters = []  # what the ORM applies to each column (aware datetimes, E.164...)
    for position, field in enumerate([*session_fields, *user_fields]):
        column = field.get_col(field.model._meta.db_table)
        found = [
            *connection.ops.get_db_converters(column),
            *column.get_db_converters(connection),
        ]
        if found:
            converters.append((position, tuple(found), column))
    return _TokenQuery(
        sql=sql,
        statement=f"session_by_token_{hashlib.sha256(sql.encode()).hexdigest()[:16]}",
        converters=tuple(converters),
        session_attnames=[field.attname for field in session_fields],
        user_model=user_model,
        user_attnames=[field.attname for field in user_fields],
    )


def _pgcode(error: DatabaseError) -> str | None:
    """Return PostgreSQL's SQLSTATE behind a database error, if there is one."""
    return getattr(error.__cause__, "pgcode", None)


def _prepare(
    cursor: CursorWrapper, connection: BaseDatabaseWrapper, query: _TokenQuery
) -> _Prepared:
    """Prepare the token statement on this connection; record whether it can be used."""
    positional = query.sql.replace("%s", "$1", 1).replace("%s", "$2", 1)
    try:
        cursor.execute(f"PREPARE {query.statement} (text, text) AS {positional}")
        usable = True
    except DatabaseError as error:  # autocommit: a failed statement harms nothing
        # Already there (a pooled server connection): the same name means the same SQL.
        usable = _pgcode(error) == PG_DUPLICATE_PREPARED_STATEMENT
    state = _Prepared(db_connection=connection.connection, usable=usable)
    _prepared[connection] = state
    return state


def _token_row(
    connection: BaseDatabaseWrapper,
    query: _TokenQuery,
    params: list[str],
    *,
    prepare: bool,
) -> tuple | None:
    """Run the token query: prepared on PostgreSQL outside transactions, else plain."""
    with connection.cursor() as cursor:
        # In autocommit a failed EXECUTE harms nothing; inside a transaction it would.
        if (
            prepare
            and connection.vendor == "postgresql"
            and connection.get_autocommit()
        ):
            state = _prepared.get(connection)
            if state is None or state.db_connection is not connection.connection:
                state = _prepare(cursor, connection, query)  # a new DB connection
            if state.usable:
                try:
                    cursor.execute(f"EXECUTE {query.statement} (%s, %s)", params)
                    return cursor.fetchone()
                except DatabaseError as error:
                    if _pgcode(error) not in PG_STATEMENT_LOST:
                        raise
                    # The plain query from now on, until this connection is renewed.
                    _prepared[connection] = state._replace(usable=False)
        cursor.execute(query.sql, params)
        return cursor.fetchone()


def session_by_token_digest(
    token_digest: str, *, prepare: bool = True
) -> UserSession | None:
    """Return the session (with its user) whose token has this digest, or None."""
    alias = router.db_for_write(UserSession)  # the primary: a replica may lag a logout
    connection = connections[alias]
    query = _token_query(alias)
    params = [token_digest, Transport.TOKEN.value]
    row = _token_row(connection, query, params, prepare=prepare)
    if row is None:
        return None
    values = list(row)
    for position, functions, column in query.converters:
        for convert in functions:
            values[position] = convert(values[position], column, connection)
    split = len(query.session_attnames)
    session = UserSession.from_db(alias, query.session_attnames, values[:split])
    session.user = query.user_model.from_db(alias, query.user_attnames, values[split:])
    return session
