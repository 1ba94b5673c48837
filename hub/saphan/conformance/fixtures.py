"""The messages the suite sends: the spec's example cases, written in the agency's format.

The suite ships copies of the example messages of the agency formats (interface control
document, ``examples/``) under ``conformance/cases/messages-render/examples/<format>/``.
Every record of every example is read with its own format's adapter into a canonical
case, and each case is written in the agency's format for the agency (the agency decides
the holder fields, as when the hub delivers to it). These are the transfers every push
and pull case delivers; the malformed bodies of ``push-malformed-refused`` sit beside
that case.

The folder is ``conformance/`` at the project's top, or ``SAPHAN_CONFORMANCE``. Nothing is
sent from here; reading a broken fixture is reported as problems, never raised, so that
the case that needs it can say so.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from saphan.canonical import Case
from saphan.errors import HubError, Problem
from saphan.paths import PROJECT_ROOT
from saphan.translate import Adapter, Receiver, formats, get_adapter

__all__ = [
    "Message",
    "canonical_cases",
    "case_dir",
    "conformance_dir",
    "example_files",
    "malformed_bodies",
    "render_messages",
]

EXAMPLES_CASE = "messages-render"
MALFORMED_CASE = "push-malformed-refused"


def conformance_dir() -> Path:
    """The suite's folder: ``PROTOCOL.md`` and ``cases/``."""
    return Path(os.environ.get("SAPHAN_CONFORMANCE", PROJECT_ROOT / "conformance"))


def case_dir(name: str) -> Path:
    return conformance_dir() / "cases" / name


@dataclass(frozen=True, slots=True)
class Message:
    """One canonical case written in the agency's format, ready to deliver."""

    name: str
    case: Case
    body: bytes
    media_type: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def example_files() -> list[tuple[str, Path]]:
    """``(format, path)`` of every example message the suite ships, in a stable order."""
    root = case_dir(EXAMPLES_CASE) / "examples"
    found: list[tuple[str, Path]] = []
    for name in formats():
        folder = root / name
        if folder.is_dir():
            found.extend((name, path) for path in sorted(folder.iterdir()) if path.is_file())
    return found


def canonical_cases() -> tuple[list[tuple[str, Case]], list[Problem]]:
    """Every record of every example as a canonical case, named ``format/file#record``;
    and the problems of any example that does not read."""
    cases: list[tuple[str, Case]] = []
    problems: list[Problem] = []
    files = example_files()
    if not files:
        where = case_dir(EXAMPLES_CASE) / "examples"
        return [], [Problem("/examples", f"no example messages under {where}")]
    for format_name, path in files:
        label = f"{format_name}/{path.name}"
        try:
            parsed = get_adapter(format_name).parse(path.read_bytes())
        except (HubError, OSError) as exc:
            problems.append(Problem(f"/examples/{label}", str(exc)))
            continue
        for record in parsed.records:
            name = f"{label}#{record.index}" if len(parsed.records) > 1 else label
            if record.case is None or record.problems:
                problems.extend(
                    Problem(f"/examples/{name}{p.path}", p.message) for p in record.problems
                )
                continue
            cases.append((name, record.case))
    return cases, problems


def render_messages(adapter: Adapter, agency: str) -> tuple[list[Message], list[Problem]]:
    """Every example case written by ``adapter`` for ``agency``, and what went wrong."""
    cases, problems = canonical_cases()
    messages: list[Message] = []
    for name, case in cases:
        # The case's own time as the sending time: the same suite sends the same bytes.
        receiver = Receiver(agency=agency, sent_at=case.status.at)
        try:
            body = adapter.render(case, receiver)
        except HubError as exc:
            problems.extend(Problem(f"/render/{name}{p.path}", p.message) for p in exc.problems)
            continue
        messages.append(Message(name, case, body, adapter.media_type))
    return messages, problems


def _syntax(adapter: Adapter) -> str:
    """``xml`` or ``json``: the syntax of the format's messages, from its media type."""
    subtype = adapter.media_type.split(";")[0].rsplit("/", 1)[-1]
    return subtype.rsplit("+", 1)[-1].strip()


def malformed_bodies(adapter: Adapter, valid: bytes | None) -> list[tuple[str, bytes]]:
    """Bodies no correct agency may acknowledge: the shipped ones for the format's syntax
    and for the format itself, and ``valid`` cut in half (when given)."""
    root = case_dir(MALFORMED_CASE) / "bodies"
    bodies: list[tuple[str, bytes]] = []
    for folder in (root / _syntax(adapter), root / adapter.name):
        if folder.is_dir():
            bodies.extend(
                (f"{folder.name}/{path.name}", path.read_bytes())
                for path in sorted(folder.iterdir())
                if path.is_file()
            )
    if valid:
        bodies.append(("truncated", valid[: len(valid) // 2]))
    return bodies
