"""Set-based storage shared by the grader, the writer of actuals and the audit writer: rows in
chunks, one prepared UPDATE per batch on SQLite, COPY + one UPDATE … FROM on PostgreSQL. An
implementation detail of those paths, never a way around them."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field, ForeignObject, Lookup

CHUNK = 5000


@contextlib.contextmanager
def snapshot(alias: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A long read (a dump, an open-data file) in one read-only transaction on PostgreSQL: all
    its queries see one snapshot of the database, and its server-side cursors live inside a
    transaction, as pgbouncer's transaction pooling requires. On SQLite nothing: its cursors
    need no transaction, and a transaction there would take the write lock for the read."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        yield
        return
    outermost = not conn.in_atomic_block
    with transaction.atomic(using=alias):
        if outermost:
            with conn.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


@contextlib.contextmanager
def without_cycle_collection() -> Iterator[None]:
    """Hold off Python's cycle collector for a bulk pass (a recompute, an import), as a
    ``with`` block or a decorator (``@without_cycle_collection()``): the pass makes millions
    of short-lived tuples, and the collector keeps walking every object alive each time
    enough of them have been made, a fifth of a national recompute's time.
    Reference counting still frees everything that is not in a cycle, and the collector runs
    again, as usual, after the pass. The switch is the process's: a pass nested in another,
    or in another thread, leaves it to the outermost to turn it back on (at worst the
    collector comes back early for the other, which costs it time, not correctness)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def chunks(ids: list[int], size: int = CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class AnyOf(Lookup):
    """``field__any_of=[ids]``: ``field = ANY(%s)`` with the ids as one array parameter on
    PostgreSQL, an IN list elsewhere. A chunk of 5,000 ids as an IN list is 5,000 parameters
    for PostgreSQL to parse and plan: reading an import's 183,460 actuals that way took 1.1 s
    of server time against 0.4 s with one array."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(i) for i in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", (*lhs_params, ids)
        return f"{lhs} IN ({', '.join(['%s'] * len(ids))})", (*lhs_params, *ids)


# Relations take their lookups from ForeignObject down, not from Field: registered on both.
Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)


def by_range(query: Any, field: str, part: list[int]) -> Any:
    """Rows of a sorted chunk of ids: a key range when the ids are contiguous (cheap for the
    planner), else one array of ids (:class:`AnyOf`)."""
    lo, hi = part[0], part[-1]
    if hi - lo + 1 == len(part):
        return query.filter(**{f"{field}__gte": lo, f"{field}__lte": hi})
    return query.filter(**{f"{field}__any_of": part})


def update_rows(table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """``UPDATE table SET columns… WHERE id = row[0]`` for every row (row = id, *values).
    ``columns`` are names (SQLite) or ``"name type"`` pairs (the types PostgreSQL's temporary
    table needs)."""
    if not rows:
        return
    names = tuple(c.split()[0] for c in columns)
    if connection.vendor == "postgresql":
        _pg_update(table, ("id bigint", *columns), rows, names)
        return
    # One prepared statement run for every row (SQLite runs these at memory speed; Django's
    # bulk_update builds CASE expressions that grow with the batch).
    assignments = ", ".join(f"{c} = %s" for c in names)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608  # nosec B608  # fixed names
            [(*row[1:], row[0]) for row in rows],
        )


def _pg_update(
    table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]], names: tuple[str, ...]
) -> None:
    """COPY the rows into a temporary table, then one UPDATE … FROM joining on id."""
    assignments = ", ".join(f"{n} = t.{n}" for n in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE chiiki_changes ({', '.join(columns)}) ON COMMIT DROP"
        )
        with cursor.copy(
            f"COPY chiiki_changes ({', '.join(c.split()[0] for c in columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        if len(rows) > CHUNK:
            # a temporary table has no statistics: without them the planner guesses a few
            # rows and hashes the whole target table instead of walking its primary key
            cursor.execute("ANALYZE chiiki_changes")
        # The ids' range, given as well: without it a batch at the far end of a big table is
        # joined by scanning the whole table (a merge join walks the key from its start), 6×
        # slower than reading just that range.
        ids = [row[0] for row in rows]
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM chiiki_changes t"  # noqa: S608  # nosec B608  # fixed names
            f" WHERE {table}.id = t.id AND {table}.id BETWEEN %s AND %s",
            [min(ids), max(ids)],
        )
        cursor.execute("DROP TABLE chiiki_changes")


def copy_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """Append rows with COPY (PostgreSQL's bulk path; constraints and indexes still apply).
    ``rows`` may be a generator (streamed: nothing is held)."""
    with connection.cursor() as cursor:
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)


# One encoder for every call: ``json.dumps`` with an option builds a new one each time, which
# costs more than encoding a small dict (an import encodes two per value).
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def to_json(value: Any) -> str | None:
    return None if value is None else _ENCODE(value)
