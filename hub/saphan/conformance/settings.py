"""Everything a conformance run is told: which system, in which format and mode, how to
reach it, how to recognise its keys, and what the suite itself uses.

:class:`SuiteSettings` is filled by the command line (``saphan conformance run``) or by a
test. :func:`default_agency` gives the agency code a format's system has when none is
named: the central agency of the format in the directory (``MOI-DRT``, ``OMB``,
``PSC``). Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import httpx

from saphan.clock import Clock, SystemClock
from saphan.conformance.agencykeys import AgencyKeys
from saphan.errors import ConfigError, Problem
from saphan.ledger.keys import SigningKey

__all__ = ["DEFAULT_AGENCIES", "Mode", "SuiteSettings", "default_agency"]

#: The central agency of each format of the interface control document (§5).
DEFAULT_AGENCIES = {"damrongtham": "MOI-DRT", "occ": "OMB", "pmo1111": "PSC"}


class Mode(StrEnum):
    """How the agency receives transfers (hub contract, "Parties and identities")."""

    PUSH = "push"
    PULL = "pull"


def default_agency(format_name: str) -> str:
    try:
        return DEFAULT_AGENCIES[format_name]
    except KeyError:
        raise ConfigError(
            f"no default agency code for the format {format_name!r}",
            [Problem("/--agency", "name the agency's code with --agency")],
        ) from None


@dataclass(frozen=True, slots=True)
class SuiteSettings:
    """One run's settings (the command line's options, see ``docs/integrators.md``).

    ``target`` is the agency's push endpoint (push mode); ``control`` the base URL of an
    optional test-control interface like the reference simulators' (``GET /_state``,
    ``POST /_control``); ``client_cmd`` a command that starts the agency's pull client,
    with ``{hub}`` replaced by the suite's hub URL. ``wait_s`` bounds every wait for the
    agency to do something on its own (pull, report a status). ``transport`` lets a test
    reach an in-process agency instead of the network.
    """

    format: str
    mode: Mode
    agency: str
    agency_keys: AgencyKeys
    hub_key: SigningKey
    target: str | None = None
    samples: tuple[Path, ...] = ()
    optional: bool = False
    only: frozenset[str] = frozenset()
    control: str | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    public_url: str | None = None
    client_cmd: str | None = None
    wait_s: float = 60.0
    timeout_s: float = 10.0
    clock: Clock = field(default_factory=SystemClock)
    transport: httpx.AsyncBaseTransport | None = None

    def problems(self) -> list[Problem]:
        """What makes these settings unusable (the command line raises them)."""
        found: list[Problem] = []
        if self.mode is Mode.PUSH and not self.target:
            found.append(Problem("/--target", "push mode needs the agency's endpoint URL"))
        if self.wait_s <= 0:
            found.append(Problem("/--wait", "must be positive"))
        if self.timeout_s <= 0:
            found.append(Problem("/--timeout", "must be positive"))
        if not self.agency_keys.keys:
            found.append(Problem("/--agency-key", "no key given"))
        return found
