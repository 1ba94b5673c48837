"""Real processes over real HTTP: crash safety under SIGKILL, and scale-out on PostgreSQL.

* A hub delivering 500 cases to an agency that sometimes fails is killed with SIGKILL again
  and again and restarted; in the end every case is delivered, none is lost, and the
  agency processed each transfer id exactly once.
* Three ``saphan serve`` processes on one PostgreSQL database share 2,000 deliveries: none
  lost, none delivered twice.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

from conftest import require
from databases import fresh_pg_database, pg_available
from hubkit import AgencyKeys, write_overlay
from procs import Agency, Hub, free_port, pmo_batch
from sqlalchemy import create_engine, text

from saphan.ledger.keys import write_private_key
from saphan.simulate.client import SyncHubClient


def _world(tmp_path: Path) -> tuple[Path, AgencyKeys, int, Path]:
    data = tmp_path / "data"
    keys = AgencyKeys()
    keys.add("PSC")
    keys.add("DOL")
    agency_port = free_port()
    write_overlay(data, keys, push={"DOL": f"http://127.0.0.1:{agency_port}/inbound"})
    pem = tmp_path / "DOL.pem"
    write_private_key(pem, keys["DOL"].private)
    return data, keys, agency_port, pem


def _submit(hub_url: str, keys: AgencyKeys, total: int) -> None:
    with SyncHubClient(hub_url, "PSC", keys["PSC"], timeout_s=120) as client:
        for n, start in enumerate(range(0, total, 500), start=1):
            answer = client.submit("pmo1111", pmo_batch(min(500, total - start), "DOL", start, n))
            assert answer.status == 201, answer.body
            assert answer.body["accepted"] == min(500, total - start)


def _attempts_by(hub_url: str, outcome: str) -> int:
    """Delivery attempts with this outcome by one hub process (its Prometheus counter)."""
    import httpx

    total = 0.0
    for line in httpx.get(f"{hub_url}/metrics", timeout=5).text.splitlines():
        if line.startswith("saphan_deliveries_total{") and f'outcome="{outcome}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return int(total)


def _states(url: str) -> dict[str, int]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT state, count(*) FROM transfers GROUP BY state")).all()
    engine.dispose()
    return {state: n for state, n in rows}


def test_sigkill_while_delivering_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    data, keys, agency_port, pem = _world(tmp_path)
    # short leases so that a killed hub's claims come back quickly (the lease outlasts
    # the push timeout, so a live worker's claim is never taken over)
    hub = Hub(data, env={"SAPHAN_DELIVERY_LEASE_S": "3", "SAPHAN_DELIVERY_TIMEOUT_S": "2"}).start()
    agency = Agency(
        "DOL", "pmo1111", pem, hub.url, tmp_path / "dol.sqlite", port=agency_port
    ).start()
    try:
        agency.control(fail_rate=0.2, seed=7)
        _submit(hub.url, keys, 500)
        db_url = f"sqlite:///{data / 'saphan.db'}"
        rng = random.Random(11)
        kills = 0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.3, 1.2))
            if _states(db_url).get("delivered", 0) == 500:
                break
            hub.kill()
            kills += 1
            hub.start()
        states = _states(db_url)
        assert states == {"delivered": 500}, f"after {kills} kills: {states}"
        assert kills >= 3, "the hub should have been killed mid-delivery several times"
        snapshot = agency.state_snapshot()
        transfers = snapshot["transfers"]
        assert len(transfers) == 500
        assert all(t["times_processed"] == 1 for t in transfers.values())
    finally:
        agency.stop()
        hub.stop()
    # the agency's own durable record agrees (it survives its own restart too)
    with sqlite3.connect(tmp_path / "dol.sqlite") as db:
        assert db.execute("SELECT count(*), max(times_processed) FROM transfers").fetchone() == (
            500,
            1,
        )


def test_three_hubs_on_postgresql_share_the_work(tmp_path: Path) -> None:
    require(pg_available(), "PostgreSQL is not reachable at 127.0.0.1:5432 (database test)")
    data, keys, agency_port, pem = _world(tmp_path)
    with fresh_pg_database() as db:
        hubs = [Hub(data, db=db)]
        hubs[0].start()  # the first creates the schema and the hub keys the others share
        hubs += [Hub(data, db=db).start() for _ in range(2)]
        agency = Agency(
            "DOL", "pmo1111", pem, hubs[0].url, tmp_path / "dol.sqlite", port=agency_port
        ).start()
        try:
            _submit(hubs[1].url, keys, 2000)
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and _states(db).get("delivered", 0) < 2000:
                time.sleep(0.5)
            assert _states(db) == {"delivered": 2000}
            transfers = agency.state_snapshot()["transfers"]
            assert len(transfers) == 2000
            assert all(t["times_processed"] == 1 for t in transfers.values())
            # every process did a share, and each transfer was recorded delivered once
            shares = [_attempts_by(hub.url, "delivered") for hub in hubs]
            assert sum(shares) == 2000 and all(s > 0 for s in shares), shares
            # A transfer is sent again only after an attempt that failed (e.g. an answer
            # that came too late on a loaded machine), never by two processes at once:
            # every extra arrival at the agency is matched by a recorded failed attempt.
            extra = sum(t["times_received"] for t in transfers.values()) - 2000
            failed = sum(_attempts_by(hub.url, "failed") for hub in hubs)
            assert extra <= failed, f"{extra} extra arrivals but only {failed} failed attempts"
            engine = create_engine(db.replace("postgresql://", "postgresql+psycopg://"))
            with engine.connect() as conn:
                log_size = conn.execute(text("SELECT size FROM log_state")).scalar()
                assert log_size is not None, "the log has a size"
                indexes = conn.execute(
                    text("SELECT count(*), min(idx), max(idx) FROM log_entries")
                ).one()
            engine.dispose()
            assert indexes == (log_size, 0, log_size - 1), "log indexes must be gap-free"
        finally:
            agency.stop()
            for hub in hubs:
                hub.stop()
