"""Shared material for the conformance suite's tests: keys, a receipt maker, and a run of
the suite against a reference agency app in this process (the suite's hub endpoint on a
real local port, the agency reached through an in-process transport)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import httpx
from hubkit import issue_agency_receipt

from saphan.conformance import AgencyKeys, Mode, SuiteResult, SuiteSettings, run_suite
from saphan.conformance.model import Outcome
from saphan.ledger.keys import SigningKey
from saphan.simulate import AgencyConfig, Fault, create_agency_app

AGENCY_KEY = SigningKey.generate()
PUBLIC = "http://agency.test"
CODES = {"damrongtham": "MOI-DRT-3415", "occ": "OMB", "pmo1111": "PSC"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def agency_keys(key: SigningKey = AGENCY_KEY) -> AgencyKeys:
    return AgencyKeys((key.public,), "test")


def receipt(
    body_sha256: str,
    *,
    case_id: str = "case-1",
    transfer_id: str = "transfer-1",
    receiver: str = "OMB",
    at: datetime,
    key: SigningKey = AGENCY_KEY,
) -> str:
    """OMB's receipt (unless told otherwise) for the suite's usual transfer's body."""
    return issue_agency_receipt(
        key,
        case_id=case_id,
        transfer_id=transfer_id,
        receiver=receiver,
        sha256=body_sha256,
        at=at,
    )


def run_in_process(
    format_name: str = "occ",
    *,
    faults: Iterable[Fault] = (),
    samples: Iterable[Path] = (),
    optional: bool = False,
    control: bool = True,
    only: Iterable[str] = (),
    keys: AgencyKeys | None = None,
) -> SuiteResult:
    """Run the suite (push mode) against the reference push agency, in this process."""
    port = free_port()
    hub_key = SigningKey.generate()
    code = CODES[format_name]
    app = create_agency_app(
        AgencyConfig(
            code=code,
            format=format_name,
            key=AGENCY_KEY,
            public_url=PUBLIC,
            hub_url=f"http://127.0.0.1:{port}",
            faults=frozenset(faults),
        )
    )
    settings = SuiteSettings(
        format=format_name,
        mode=Mode.PUSH,
        agency=code,
        agency_keys=keys or agency_keys(),
        hub_key=hub_key,
        target=f"{PUBLIC}/inbound",
        samples=tuple(samples),
        optional=optional,
        only=frozenset(only),
        control=PUBLIC if control else None,
        listen_port=port,
        wait_s=5,
        transport=httpx.ASGITransport(app=app),
    )
    return asyncio.run(run_suite(settings))


def outcomes(result: SuiteResult) -> dict[str, Outcome]:
    return {r.name: r.outcome for r in result.results}


def failed_required(result: SuiteResult) -> set[str]:
    return {r.name for r in result.blocking}
