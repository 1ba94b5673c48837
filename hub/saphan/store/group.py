"""Group commit: units of write work from many threads share one transaction and one commit.

A durable commit costs one ``fsync`` (SQLite's WAL, PostgreSQL's WAL flush) whatever it
holds, and every append to the transfer log holds the log sequencer until its transaction
commits. A hub taking many messages at once would otherwise pay both once per message, one
after another. Here one committer thread per process runs whatever units arrived while the
previous commit was on its way to disk in a single transaction, each unit inside its own
savepoint, then commits once and only then answers every waiting caller.

What it guarantees:

* a unit's caller returns only after the unit's work is durable (or raises);
* a unit that raises is rolled back to its savepoint alone, and the caller gets its error;
  the other units of the group commit as if it had never run;
* if the commit itself fails, every unit of the group gets that error and none of their
  work is kept: nothing is answered that is not on disk.

What it does not do: wait to fill a group (a group is whatever is queued when the committer
is free, so a lone unit commits at once), or run units in parallel (they run one after
another on the committer thread, as they would serialise on the writer lock anyway).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from saphan.store.prepared import cursor_in

T = TypeVar("T")

_Unit = tuple[Callable[[Connection], Any], "Future[Any]"]


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
        done: Future[T] = Future()
        self._start()
        self._queue.put((fn, done))
        return done.result()

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
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            while len(group) < self._max_group:
                try:
                    unit = self._queue.get_nowait()
                except queue.Empty:
                    break
                if unit is None:
                    stopping = True
                    break
                group.append(unit)
            self._commit(group)

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

    def _commit(self, group: list[_Unit]) -> None:
        live = [(fn, done) for fn, done in group if done.set_running_or_notify_cancel()]
        outcomes: list[tuple[Future[Any], bool, Any]] = []
        try:
            conn = self._connection()
            with conn.begin():
                if len(live) == 1:
                    # Alone: no savepoint needed, an error rolls the transaction back.
                    fn, done = live[0]
                    try:
                        outcomes.append((done, True, fn(conn)))
                    except BaseException as exc:
                        outcomes.append((done, False, exc))
                        raise _UnitFailed from exc
                else:
                    # Savepoints through the driver: SQLAlchemy's begin_nested() cost more
                    # than a small unit's own work. Units run one at a time, so one name
                    # serves; savepoints a unit opens itself nest inside it.
                    cursor = cursor_in(conn)
                    for fn, done in live:
                        cursor.execute("SAVEPOINT saphan_unit")
                        try:
                            value = fn(conn)
                        except BaseException as exc:  # noqa: BLE001 - handed to the caller
                            cursor.execute("ROLLBACK TO SAVEPOINT saphan_unit")
                            cursor.execute("RELEASE SAVEPOINT saphan_unit")
                            outcomes.append((done, False, exc))
                        else:
                            cursor.execute("RELEASE SAVEPOINT saphan_unit")
                            outcomes.append((done, True, value))
        except _UnitFailed:
            pass
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nothing was kept
            self._drop_connection()  # a fresh one for the next group, whatever went wrong
            # Units that had succeeded were rolled back with the group: they fail too.
            for _fn, done in live:
                done.set_exception(exc)
            return
        self.groups += 1
        self.units += len(live)
        for done, ok, value in outcomes:
            if ok:
                done.set_result(value)
            else:
                done.set_exception(value)


class _UnitFailed(Exception):
    """A lone unit raised: its transaction is rolled back, its caller gets its error."""
