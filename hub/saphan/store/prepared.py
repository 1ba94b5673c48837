"""Prepared statements for the hot write paths: compiled once, run on the driver's cursor.

Executing a Core statement costs SQLAlchemy some 50 µs of Python (cache key, execution
context, events, result set-up) before the driver sees it, and building the statement again
on every call costs as much again: on an intake of some twenty statements that was a third
of the work. A :class:`Prepared` statement is compiled once per dialect (and set of
parameter names), keeps its bind processors (e.g. :class:`~saphan.store.types.UTCDateTime`),
and is run on the DBAPI cursor of the caller's SQLAlchemy connection, inside the caller's
transaction and savepoints.

What it does not do: Python-side column defaults, expanding ``IN`` parameters or result
processing. A statement that would need a default it is not given is refused when first
compiled, so a missing column fails loudly instead of being written as NULL; rows come back
as the driver gives them (use it for values the driver returns as they are stored: text,
integers, bytes, booleans on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    processors: tuple[_Processor, ...]
    positional: bool

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        converted = [
            values[name] if proc is None else proc(values[name])
            for name, proc in zip(self.names, self.processors, strict=True)
        ]
        if self.positional:
            return converted
        return dict(zip(self.names, converted, strict=True))


class Prepared:
    """A statement run with plain parameter dictionaries on the driver's cursor."""

    __slots__ = ("_compiled", "_stmt")

    def __init__(self, stmt: ClauseElement) -> None:
        self._stmt = stmt
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> Any:
        """Run once with ``values``; returns the DBAPI cursor (for RETURNING or SELECT)."""
        compiled = self._for(conn.dialect, values)
        return execute_sql(conn, compiled.sql, compiled.params(values))

    def executemany(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row of ``rows`` (all with the same keys) in one driver call."""
        if not rows:
            return
        compiled = self._for(conn.dialect, rows[0])
        params: list[Any] = [compiled.params(r) for r in rows]
        # the driver's executemany costs more than execute for one row
        many = len(params) > 1
        execute_sql(conn, compiled.sql, params if many else params[0], many=many).close()

    def first(self, conn: Connection, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row a SELECT (or RETURNING) gives, as the driver returns it."""
        cursor = self.execute(conn, values)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)

    def run(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """Run a DML statement; returns the driver's row count."""
        cursor = self.execute(conn, values)
        try:
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def bind(self, dialect: Dialect, values: Mapping[str, Any]) -> tuple[str, Any]:
        """The SQL text and driver parameters for ``values``, to run on a bare driver
        connection (no SQLAlchemy connection, hence no transaction of its making)."""
        compiled = self._for(dialect, values)
        return compiled.sql, compiled.params(values)

    def _for(self, dialect: Dialect, values: Iterable[str]) -> _Compiled:
        keys = frozenset(values)
        found = self._compiled.get((dialect.name, keys))
        if found is None:
            found = _compile(self._stmt, dialect, keys)
            self._compiled[(dialect.name, keys)] = found
        return found


def _compile(stmt: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
    compiled = stmt.compile(dialect=dialect, column_keys=sorted(keys))
    assert isinstance(compiled, SQLCompiler)
    positional = bool(compiled.positional)
    names = tuple(compiled.positiontup or ()) if positional else tuple(compiled.binds)
    missing = [name for name in names if name not in keys]
    if missing:
        # a column default or a literal the statement would have needed SQLAlchemy for
        raise ValueError(f"prepared statement needs values for {sorted(missing)}: {compiled}")
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    return _Compiled(str(compiled), names, processors, positional)


def execute_sql(conn: Connection, sql: str, params: Any, *, many: bool = False) -> Any:
    """Run ``sql`` on a driver cursor in the connection's transaction and return the
    cursor (the caller closes it); a driver error is raised as SQLAlchemy's."""
    cursor = cursor_in(conn)
    try:
        if many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
    except conn.dialect.loaded_dbapi.Error as exc:
        error = _driver_error(conn, cursor, exc, sql, params)
        cursor.close()
        raise error from exc
    return cursor


def cursor_in(conn: Connection) -> Any:
    """A DBAPI cursor inside the connection's transaction.

    The transaction is begun the way SQLAlchemy's autobegin would (same events, so this
    engine's ``BEGIN``), so the caller's commit, rollback and close behave as usual.
    """
    if not conn.in_transaction():
        conn.begin()
    return conn.connection.cursor()


def _driver_error(conn: Connection, cursor: Any, exc: Exception, sql: str, params: Any) -> Any:
    """The driver's error as SQLAlchemy raises it (``IntegrityError`` and the rest, so
    callers catch the same classes either way); a lost connection is invalidated, so the
    pool does not hand it out again."""
    lost = conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, cursor)  # type: ignore[arg-type]
    if lost:
        conn.invalidate(exc)
    return DBAPIError.instance(
        sql,
        params,
        exc,
        conn.dialect.loaded_dbapi.Error,
        connection_invalidated=lost,
        dialect=conn.dialect,
    )
