"""New rows inserted with SQL made from the models' metadata, and a transaction's new rows in
one statement on PostgreSQL.

A submission writes six rows (request, attachments, audit event, invoice, pending change, outbox
message), and the ORM spends about half a millisecond of CPU composing each insert — more than
PostgreSQL takes to write it (docs/performance.md). ``insert_row`` writes a new row as the ORM
would (the same columns, ``pre_save`` and ``get_db_prep_save`` values, ``RETURNING`` the id);
inside ``rows_together`` on PostgreSQL the rows are kept and written together, as a chain of
data-modifying CTEs, when the block ends or just before any other statement runs on the
connection, so nothing in the transaction reads around them. Elsewhere (SQLite), and for any
model with save signals, a primary key already set, parents or a proxy, each row is saved by the
ORM as before. Decision 31.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.signals import post_save, pre_save


class _Rows:
    """Rows waiting to be inserted together (PostgreSQL). Any other statement on the connection
    writes them first, so nothing in the transaction reads around them."""

    def __init__(self) -> None:
        self.pending: list[models.Model] = []

    def before_statement(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.pending:
            self.flush()
        return execute(sql, params, many, context)

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        statements, params = [], []
        for index, obj in enumerate(rows):
            sql, values = _insert_sql(obj)
            statements.append(f"r{index} AS ({sql})")
            params.extend(values)
        selected = ", ".join(f"(SELECT * FROM r{index})" for index in range(len(rows)))
        sql = f"WITH {', '.join(statements)} SELECT {selected}"
        _let_psycopg_keep(sql, params)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = cursor.fetchone()
        for obj, pk in zip(rows, ids, strict=True):
            _saved(obj, pk)


_rows: ContextVar[_Rows | None] = ContextVar("pishkhan_submission_rows", default=None)


@contextmanager
def rows_together() -> Iterator[None]:
    """Inside, ``insert_row`` keeps new rows and inserts them together on the way out (or when
    any other statement is about to run); call inside the transaction (PostgreSQL only: elsewhere
    rows are saved one by one as they come)."""
    if connection.vendor != "postgresql" or _rows.get() is not None:
        yield
        return
    rows = _Rows()
    token = _rows.set(rows)
    try:
        with connection.execute_wrapper(rows.before_statement):
            yield
            rows.flush()
    finally:
        _rows.reset(token)


def insert_row(obj: models.Model, *, now: bool = False) -> None:
    """Insert a new row (no primary key yet): with the submission's other rows inside
    ``rows_together`` on PostgreSQL, or at once (``now``: its id is needed). Listeners use it for
    the rows they add to a submission (payments' invoice, insights' pending change)."""
    model = type(obj)
    if (
        connection.vendor != "postgresql"
        or obj.pk is not None
        or not _insertable(model)
        or pre_save.has_listeners(model)
        or post_save.has_listeners(model)
    ):
        obj.save(force_insert=True)
        return
    rows = _rows.get()
    if rows is not None and not now:
        rows.pending.append(obj)
        return
    if rows is not None:
        rows.flush()
    sql, values = _insert_sql(obj)
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        (pk,) = cursor.fetchone()
    _saved(obj, pk)


@cache
def _insertable(model: type[models.Model]) -> bool:
    meta = model._meta
    return meta.auto_field is not None and not meta.parents and not meta.proxy


# Fields whose ORM preparation leaves a value of their own type as it is (the exact classes:
# a subclass may prepare differently). Their values are sent as read; any other value, and every
# other field, goes through the field's own pre_save and get_db_prep_save.
_TEXT, _INTEGER, _BOOLEAN, _ORM = "text", "integer", "boolean", "orm"
_KINDS: dict[type[models.Field[Any, Any]], str] = {
    models.CharField: _TEXT,
    models.TextField: _TEXT,
    models.BooleanField: _BOOLEAN,
    **dict.fromkeys(
        (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
            # The primary keys a foreign key's value is: its own key is never inserted here.
            models.AutoField,
            models.BigAutoField,
            models.SmallAutoField,
        ),
        _INTEGER,
    ),
}
_PLAIN_TYPE = {_TEXT: str, _INTEGER: int, _BOOLEAN: bool}


def _kind(field: models.Field[Any, Any]) -> str:
    if isinstance(field, models.ForeignKey) and type(field) in (
        models.ForeignKey,
        models.OneToOneField,
    ):
        return _KINDS.get(type(field.target_field), _ORM)
    return _KINDS.get(type(field), _ORM)


@cache
def _insert_shape(model: type[models.Model]) -> tuple[list[tuple[Any, str]], str]:
    """The fields an ORM insert of ``model`` writes (all local concrete fields but the auto
    primary key), each with how its value is prepared, and its INSERT ... RETURNING the key."""
    meta = model._meta
    fields = [
        f
        for f in meta.local_concrete_fields
        if f is not meta.auto_field and not getattr(f, "generated", False)
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
        f" RETURNING {quote(meta.pk.column)}"
    )
    return [(f, _kind(f)) for f in fields], sql


def _insert_sql(obj: models.Model) -> tuple[str, list[Any]]:
    # As Model.save does first: a related object saved since it was assigned gives its id.
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    shape, sql = _insert_shape(type(obj))
    # The connection itself, not the thread-local proxy ``connection``: a field's
    # get_db_prep_save reads ``connection.ops`` and ``.features`` several times, and through the
    # proxy each read is an asgiref Local look-up (about 70 per submission, 4 % of its CPU).
    db = connections[DEFAULT_DB_ALIAS]
    values = []
    for field, kind in shape:
        if kind is not _ORM:
            value = getattr(obj, field.attname)
            if value is None or type(value) is _PLAIN_TYPE[kind]:
                values.append(value)
                continue
            if kind is _TEXT and isinstance(value, str):
                # A choice (TextChoices member) as the plain text it is: psycopg looks up how
                # to send an unknown str subclass along its class hierarchy on every cursor.
                values.append(str.__str__(value))
                continue
        values.append(field.get_db_prep_save(field.pre_save(obj, True), db))
    return sql, values


def _let_psycopg_keep(sql: str, params: Sequence[Any]) -> None:
    """psycopg keeps a statement's parsed form (``%s`` to ``$n``) only up to 4096 characters and
    50 parameters, so that one-off statements do not flood its cache (psycopg/_queries.py);
    parsing this statement again cost each submission 0.8 ms of CPU. It is the same statement
    every time (one per set of tables), so the limits are raised to let it be kept; they are
    never lowered, and nothing happens if a psycopg version names them differently."""
    try:
        from psycopg import _queries
    except ImportError:  # pragma: no cover - psycopg is the PostgreSQL driver here
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", len(sql)) < len(sql):
        _queries.MAX_CACHED_STATEMENT_LENGTH = len(sql)
    if getattr(_queries, "MAX_CACHED_STATEMENT_PARAMS", len(params)) < len(params):
        _queries.MAX_CACHED_STATEMENT_PARAMS = len(params)


def _saved(obj: models.Model, pk: Any) -> None:
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
