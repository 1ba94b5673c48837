"""Many threads recording the same nonces at once: what every replay store must survive."""

from __future__ import annotations

import threading
from datetime import datetime

from saphan.auth import NonceStore


def first_uses(store: NonceStore, until: datetime, *, threads: int, nonces: int) -> list[bool]:
    """Every thread records nonces ``n0``..``n{nonces-1}`` of one key id, all starting
    together; the answers (``True`` for "seen before"), in no particular order."""
    start = threading.Barrier(threads)
    answers: list[bool] = []
    lock = threading.Lock()

    def claim() -> None:
        start.wait()
        for i in range(nonces):
            seen = store.seen_or_record("OCC", f"n{i}", until)
            with lock:
                answers.append(seen)

    workers = [threading.Thread(target=claim) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers
