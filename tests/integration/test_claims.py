"""Claims on both databases: concurrent workers get disjoint transfers; leases expire;
outcomes are fenced by the claim."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

from hubkit import START, make_hub
from procs import pmo_batch
from sqlalchemy import select

from saphan.engine.cases import TRANSFERS
from saphan.engine.intake import intake
from saphan.store import claims


def test_concurrent_claims_are_disjoint_and_leases_expire(db_url: str, tmp_path: Path) -> None:
    svc, _, clock = make_hub(db_url, tmp_path / "data")
    try:
        assert intake(svc, "pmo1111", "PSC", pmo_batch(200, "DOL")).status == 201
        got: dict[str, list[str]] = {}
        barrier = threading.Barrier(4)

        def worker(name: str) -> None:
            barrier.wait()
            mine: list[str] = []
            while True:
                with svc.db.writer.begin() as conn:
                    batch = claims.claim(
                        conn,
                        worker=name,
                        now=START,
                        lease=timedelta(seconds=30),
                        limit=7,
                        mode="pull",
                        agency="DOL",
                    )
                if not batch:
                    break
                mine += [c.id for c in batch]
                # as if delivering: lets the other workers in (longer than SQLite's busy
                # handler backs off between its tries, or one worker may take everything)
                time.sleep(0.03)
            got[name] = mine

        threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        every = [tid for ids in got.values() for tid in ids]
        assert len(every) == 200 and len(set(every)) == 200, "a transfer was claimed twice"
        assert sum(1 for ids in got.values() if ids) >= 2, "the work should be shared"

        # within the lease nobody else gets them; after it, they come back, once
        with svc.db.writer.begin() as conn:
            assert (
                claims.claim(
                    conn,
                    worker="late",
                    now=START + timedelta(seconds=29),
                    lease=timedelta(seconds=30),
                    limit=500,
                    mode="pull",
                    agency="DOL",
                )
                == []
            )
            again = claims.claim(
                conn,
                worker="late",
                now=START + timedelta(seconds=31),
                lease=timedelta(seconds=30),
                limit=500,
                mode="pull",
                agency="DOL",
            )
        assert len(again) == 200
        # the first worker lost its claim: its outcome is not recorded
        first = got["w0"][0] if got["w0"] else every[0]
        original = next(name for name, ids in got.items() if first in ids)
        with svc.db.writer.begin() as conn:
            assert not claims.mark_delivered(
                conn, first, worker=original, now=clock.now(), receipt="x"
            )
            assert claims.mark_delivered(conn, first, worker="late", now=clock.now(), receipt="x")
            state = conn.execute(
                select(TRANSFERS.c.state).where(TRANSFERS.c.id == first)
            ).scalar_one()
        assert state == "delivered"
    finally:
        svc.close()
