"""Simulated agency systems that speak the agency formats over real HTTP.

They stand in for Damrongtham centers, the Ombudsman's OCC system and the 1111 center in
``saphan demo``, in end-to-end tests (crash safety, scale-out), in the conformance suite
(as reference agencies and as deliberately broken ones) and in benchmarks:

* :mod:`~saphan.simulate.agency`: a push-mode agency, a FastAPI app the hub delivers to;
* :mod:`~saphan.simulate.puller`: a pull-mode agency that polls the hub's inbox;
* :mod:`~saphan.simulate.client`: an agency's signed calls to the hub;
* :mod:`~saphan.simulate.keys`: agency key files and directory entries;
* :mod:`~saphan.simulate.faults`: fault flags and run-time failure controls;
* :mod:`~saphan.simulate.state`: what an agency received and processed (SQLite);
* :mod:`~saphan.simulate.receipts`, :mod:`~saphan.simulate.reading`,
  :mod:`~saphan.simulate.hubkeys`: receipts, parsing, and checking the hub's signature;
* :mod:`~saphan.simulate.server`: running one as a process (``saphan simulate``).

Nothing here is used by the hub itself.
"""

from saphan.simulate.agency import AgencyConfig, SimulatedAgency, create_agency_app, jwks_url
from saphan.simulate.client import Call, HubAnswer, HubClient, SyncHubClient
from saphan.simulate.faults import ControlRequest, Fault
from saphan.simulate.keys import (
    agency_key_path,
    directory_entry,
    load_agency_key,
    load_or_create_agency_key,
)
from saphan.simulate.puller import Puller, PullReport
from saphan.simulate.state import AgencyState, Outcome, TransferRecord

__all__ = [
    "AgencyConfig",
    "AgencyState",
    "Call",
    "ControlRequest",
    "Fault",
    "HubAnswer",
    "HubClient",
    "Outcome",
    "PullReport",
    "Puller",
    "SimulatedAgency",
    "SyncHubClient",
    "TransferRecord",
    "agency_key_path",
    "create_agency_app",
    "directory_entry",
    "jwks_url",
    "load_agency_key",
    "load_or_create_agency_key",
]
