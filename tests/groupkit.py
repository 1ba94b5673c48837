"""Units run in one group of a :class:`~saphan.store.group.GroupCommitter`, on purpose.

A gate unit holds the committer until every other unit is waiting in its queue, in the
order given; once the gate's own work is done the committer takes them into the gate's
transaction. Outcomes are results or the exceptions the callers got.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection

from saphan.store.group import GroupCommitter

Unit = Callable[[Connection], Any]


def _outcome(future: Future[Any]) -> Any | BaseException:
    try:
        return future.result()
    except BaseException as exc:
        return exc


def held_group(
    group: GroupCommitter, units: list[Unit], gate_work: Unit | None = None
) -> tuple[Any | BaseException, list[Any | BaseException]]:
    """The gate's outcome (``gate_work``'s, or ``None``) and the units', all in one group."""
    running, release = threading.Event(), threading.Event()

    def gate(conn: Connection) -> Any:
        running.set()
        release.wait(10)
        return None if gate_work is None else gate_work(conn)

    with ThreadPoolExecutor(len(units) + 1) as pool:
        first = pool.submit(group.run, gate)
        assert running.wait(10)
        futures = []
        for unit in units:  # one at a time, so that they are queued in this order
            futures.append(pool.submit(group.run, unit))
            while group._queue.qsize() < len(futures):
                threading.Event().wait(0.002)
        release.set()
        return _outcome(first), [_outcome(f) for f in futures]
