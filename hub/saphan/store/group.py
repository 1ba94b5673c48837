"""Group commit: units of write work from many threads share one transaction and one commit.

A durable commit costs one ``fsync`` (SQLite's WAL, PostgreSQL's WAL flush) whatever it
holds, and every append to the transfer log holds the log sequencer until its transaction
commits. A hub taking many messages at once would otherwise pay both once per message, one
after another. Here one committer thread per process runs, in a single transaction, the
first unit it finds and every unit that is queued by the time the one before is done (what
arrived while the previous commit was on its way to disk, and while this group ran), each
unit after the first inside its own savepoint; then it commits once and only then answers
every waiting caller.

What it guarantees:

* a unit's caller returns only after the unit's work is durable (or raises);
* a unit that raises is rolled back alone, and the caller gets its error; the other units
  of the group commit as if it had never run (the first unit of a group needs no
  savepoint: when it raises, the transaction holds nothing else and is rolled back, and
  the units queued behind it run in the next one);
* if the commit itself fails, every unit of the group gets that error and none of their
  work is kept: nothing is answered that is not on disk.

What it does not do: wait to fill a group (the committer commits as soon as it finds the
queue empty, so a lone unit commits at once), take more than ``max_group`` units into one
transaction, or run units in parallel (they run one after another on the committer
thread, as they would serialise on the writer lock anyway).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, Engine

from saphan.store.prepared import cursor_in

T = TypeVar("T")


class _Unit:
    """One caller's work and, once its group is done, its outcome.

    The caller waits on ``done``, a lock taken when the unit is made and released by the
    committer once the outcome is set: a ``concurrent.futures.Future`` (condition, waiter
    list, callbacks) cost several times as much, on both threads, for every unit.
    """

    __slots__ = ("done", "fn", "ok", "value")

    def __init__(self, fn: Callable[[Connection], Any]) -> None:
        self.fn = fn
        self.ok = False
        #: the unit's result, or the exception its caller gets
        self.value: Any = None
        self.done = threading.Lock()
        self.done.acquire()


class GroupCommitter:
    """Runs ``fn(conn)`` units in shared transactions on one thread of its own."""

    def __init__(
        self,
        engine: Engine,
        *,
        max_group: int = 32,
        name: str = "group-commit",
        enabled: bool = True,
    ) -> None:
        self._engine = engine
        #: off: every unit runs in its own transaction on its caller's thread
        self.enabled = enabled
        # PostgreSQL keeps up to 64 open subtransactions per backend in shared memory;
        # a group stays well under that, counting the savepoints units open themselves.
        self._max_group = max_group
        self._name = name
        self._queue: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._conn: Connection | None = None
        #: how many groups and units have been committed (for metrics and tests)
        self.groups = 0
        self.units = 0

    def run(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a shared transaction; return its result once it is committed."""
        if threading.current_thread() is self._thread:
            raise RuntimeError("a unit of a group commit cannot wait for another unit")
        if not self.enabled:
            if self._closed:
                raise RuntimeError("the group committer is closed")
            with self._engine.begin() as conn:
                result = fn(conn)
            self.groups += 1
            self.units += 1
            return result
        unit = _Unit(fn)
        self._start()
        self._queue.put(unit)
        unit.done.acquire()
        value, unit.value = unit.value, None  # no cycle through the error's traceback
        if unit.ok:
            return cast(T, value)
        error: BaseException = value
        raise error

    def close(self) -> None:
        """Finish the queued units, then stop the committer thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join()

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the group committer is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        try:
            self._serve()
        finally:
            self._drop_connection()

    def _serve(self) -> None:
        while True:
            first = self._queue.get()
            if first is None or self._commit(first):
                return

    def _connection(self) -> Connection:
        # The committer keeps one connection: checking one out of the pool for every
        # group cost about as much as a small unit.
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._drop_connection()
            self._conn = self._engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def _commit(self, first: _Unit) -> bool:
        """Run ``first`` and whatever is queued behind it in one transaction, commit, answer
        them; returns whether the queue said to stop."""
        group, stopping = [first], False
        try:
            conn = self._connection()
            with conn.begin():
                # The first unit needs no savepoint: if it fails, the transaction holds
                # nothing else and is rolled back; the units queued behind it stay queued.
                try:
                    first.value = first.fn(conn)
                except BaseException as exc:
                    first.value = exc
                    raise _UnitFailed from exc
                first.ok = True
                # Then every unit queued by now, and by the time each is done: units that
                # arrive while the group runs share its commit instead of waiting for the
                # next one. Nothing waits for more to come.
                execute = None
                while len(group) < self._max_group:
                    try:
                        unit = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if unit is None:
                        stopping = True
                        break
                    group.append(unit)
                    if execute is None:
                        # Savepoints through the driver: SQLAlchemy's begin_nested() cost
                        # more than a small unit's own work. Units run one at a time, so
                        # one name serves; savepoints a unit opens itself nest inside it.
                        execute = cursor_in(conn).execute
                    execute("SAVEPOINT saphan_unit")
                    try:
                        unit.value = unit.fn(conn)
                    except BaseException as exc:  # noqa: BLE001 - handed to the caller
                        execute("ROLLBACK TO SAVEPOINT saphan_unit")
                        execute("RELEASE SAVEPOINT saphan_unit")
                        unit.value = exc
                    else:
                        execute("RELEASE SAVEPOINT saphan_unit")
                        unit.ok = True
        except _UnitFailed:
            pass
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nothing was kept
            self._drop_connection()  # a fresh one for the next group, whatever went wrong
            # Units that had succeeded were rolled back with the group: they fail too.
            for unit in group:
                unit.ok, unit.value = False, exc
            self._answer(group)
            return stopping
        self.groups += 1
        self.units += len(group)
        self._answer(group)
        return stopping

    @staticmethod
    def _answer(group: list[_Unit]) -> None:
        for unit in group:
            unit.done.release()


class _UnitFailed(Exception):
    """The first unit of a group raised: the transaction, which holds nothing else, is
    rolled back and its caller gets its error."""
