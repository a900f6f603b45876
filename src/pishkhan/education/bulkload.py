"""PostgreSQL: a large student import into empty or small tables loads them the way pg_restore
does — the secondary indexes and the records' foreign key to the students set aside, the rows
COPYed, then the indexes built and the key added back, checked in one set-based pass — all in
one transaction, so a failure anywhere leaves the tables and their schema as they were.

What is set aside, and what is not (docs/education.md, "Speed"):

* every index of the two tables but their primary keys: the unique ones too (national code;
  student and year), as the constraints they are; the importer keeps them true meanwhile (the
  ids are the sequence's, and a batch meeting a national code the table or the import has seen
  ends the bulk load before it is written: see ``_PgStudentWriter``), and rebuilding them at the
  end proves it;
* the records' foreign key to the students: both tables are locked anyway, and adding it back
  checks every record in one join, where the key's trigger checks (and locks) a student per
  record;
* not the primary keys (the certificates refer to the students' one) and not a foreign key to any
  other table (the students' county): dropping one locks the table it refers to ``ACCESS
  EXCLUSIVE``, and the whole site reads the counties. Those stay and are checked at each COPY
  (``SET CONSTRAINTS … IMMEDIATE``: an ``ALTER TABLE`` cannot run while checks deferred to the
  commit are pending on its table).

Locks: ``ACCESS EXCLUSIVE`` on ``education_student`` and ``education_academicrecord`` until the
commit — who reads or writes a student meanwhile waits for the load — taken at once, with a
``lock_timeout``, so the import does not queue behind a long reader (and every reader behind it);
when not granted, the import takes the ordinary path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

# How long the import waits for its locks before it takes the ordinary path instead.
LOCK_TIMEOUT = "2s"


@dataclass
class SetAside:
    """What a bulk load sets aside on its tables, to put back (as PostgreSQL describes it)."""

    # (table, constraint, definition): unique constraints, then foreign keys, added back in order
    constraints: list[tuple[str, str, str]] = field(default_factory=list)
    # (name, CREATE INDEX statement) of the indexes that back no constraint
    indexes: list[tuple[str, str]] = field(default_factory=list)
    # foreign keys to other tables checked at the commit (INITIALLY DEFERRED): at each
    # statement during the load, deferred again after it
    immediate: list[str] = field(default_factory=list)


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def inspect(cursor: Any, tables: list[str]) -> SetAside:
    """What to set aside on ``tables`` (the first referred to by the others' foreign keys)."""
    aside = SetAside()
    cursor.execute(
        "SELECT c.conrelid::regclass::text, c.conname, c.contype, "
        "pg_get_constraintdef(c.oid), c.confrelid::regclass::text, c.condeferred "
        "FROM pg_constraint c WHERE c.conrelid = ANY(%s::regclass[]) "
        "AND c.contype IN ('u', 'f') ORDER BY c.contype DESC, c.conname",
        [tables],
    )
    for table, name, kind, definition, refers_to, deferred in cursor.fetchall():
        if kind == "u" or refers_to in tables:
            aside.constraints.append((table, name, definition))
        elif deferred:
            aside.immediate.append(name)
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
        "ORDER BY 1",
        [tables],
    )
    aside.indexes = [(name, definition) for name, definition in cursor.fetchall()]
    return aside


def lock(cursor: Any, tables: list[str]) -> None:
    """Both tables ``ACCESS EXCLUSIVE``, or ``OperationalError`` (LockNotAvailable) after
    LOCK_TIMEOUT. Run it in a savepoint: the error aborts it."""
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [LOCK_TIMEOUT])
    cursor.execute(f"LOCK TABLE {', '.join(map(_quote, tables))} IN ACCESS EXCLUSIVE MODE")
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", ["0"])


def set_aside(cursor: Any, aside: SetAside) -> None:
    if aside.immediate:
        cursor.execute(f"SET CONSTRAINTS {', '.join(map(_quote, aside.immediate))} IMMEDIATE")
    # Foreign keys first: a unique constraint's index may be what a key refers to.
    for table, name, _definition in sorted(
        aside.constraints, key=lambda item: not item[2].startswith("FOREIGN KEY")
    ):
        cursor.execute(f"ALTER TABLE {_quote(table)} DROP CONSTRAINT {_quote(name)}")
    if aside.indexes:
        cursor.execute(f"DROP INDEX {', '.join(_quote(name) for name, _sql in aside.indexes)}")


def put_back(cursor: Any, aside: SetAside) -> None:
    """The indexes built and the constraints added back, each checked over the whole table
    (a violation raises IntegrityError, and the load's transaction rolls back)."""
    for _name, definition in aside.indexes:
        cursor.execute(definition)
    # Unique constraints before the foreign keys that may need their index.
    for table, name, definition in sorted(
        aside.constraints, key=lambda item: item[2].startswith("FOREIGN KEY")
    ):
        cursor.execute(f"ALTER TABLE {_quote(table)} ADD CONSTRAINT {_quote(name)} {definition}")
    if aside.immediate:
        cursor.execute(f"SET CONSTRAINTS {', '.join(map(_quote, aside.immediate))} DEFERRED")
