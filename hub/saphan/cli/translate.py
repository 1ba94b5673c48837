"""``saphan translate`` and ``saphan validate``: one message from one agency format into
another, or only checked.

``saphan translate --from F --to G [--for AGENCY] [--out DIR] [FILE]`` reads a message in
format F (a file, or standard input when FILE is absent or ``-``) with F's adapter and
writes each record in format G with G's adapter: to standard output, or with ``--out DIR``
one file per record, ``DIR/<tracking number>.<extension of G>`` (the written paths are then
listed on standard output). A message of several records (a 1111 batch) needs ``--out``.

Who the message is written for decides the holder fields (the Damrongtham ``Center``, the
OCC ``referral``, the 1111 ``target_agency``):

* ``--for AGENCY``: that agency of the directory, with its Thai name and, when it speaks G,
  its format options (for instance the TIS-620 encoding of a legacy district center);
* otherwise the first destination the routing policy picks for the record (a transfer
  before a copy for information);
* when the policy picks none (no rule matches, e.g. a provincial center's own case with no
  escalation, or the case lacks what a rule needs), the case's sender when the directory
  says it speaks G, else the central agency of G in the directory (``level: central``:
  ``MOI-DRT``, ``OMB``, ``PSC``). A warning on standard error says so.

The message is stamped with the case's status time as its sending time, so the same input
always gives the same bytes. Warnings (the case's own, and the receiver notes) go to
standard error as ``warning: <path>: <message>`` lines and never change the exit code.

``saphan validate --format F FILE`` reads the message and prints one line per record on
standard output (valid or invalid, with a short summary); warnings go to standard error.

Failures go through the CLI funnel (:mod:`saphan.cli`) as RFC 9457 problem JSON on standard
error: exit 1 for an invalid message, listing every problem of every record by path (the
good records of a batch are still written); exit 2 for an unknown format or agency named on
the command line. What this module does not do: parse or write any format itself (the
adapters do), route for real (nothing is stored or sent), or pick deadlines.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Final

import typer

from saphan.canonical import Case
from saphan.cli import app
from saphan.cli.route import _read
from saphan.directory import Agency, Directory, DirectorySource, Level
from saphan.errors import ConfigError, InputError, Problem, UnsupportedFormatError
from saphan.routing import route
from saphan.translate import Adapter, Receiver, Record, get_adapter

_UNSAFE: Final = re.compile(r"[^0-9A-Za-z._-]+")


class UsageError(InputError):
    """The command line names a format or an agency that does not exist (exit 2)."""

    kind = "usage"
    title = "Usage error"
    http_status = 400
    exit_code = 2


# -- commands -----------------------------------------------------------------------------


@app.command("translate")
def translate_command(
    source: Annotated[str, typer.Option("--from", help="the message's format, e.g. damrongtham")],
    target: Annotated[str, typer.Option("--to", help="the format to write, e.g. occ")],
    file: Annotated[
        str | None,
        typer.Argument(help="the message; absent or '-' reads standard input"),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(
            "--for",
            help="the receiving agency's code (default: the routing policy's first destination)",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="write one file per record into this folder"),
    ] = None,
) -> None:
    """Translate a message from one agency format into another."""
    reader, writer = _adapter(source, "--from"), _adapter(target, "--to")
    parsed = reader.parse(_read(file or "-"))
    if len(parsed.records) > 1 and out is None:
        raise InputError(
            f"the {source} message holds {len(parsed.records)} records; "
            "--out DIR is needed to write one file per record",
            [Problem("/records", f"{len(parsed.records)} records; give --out DIR")],
        )
    directory = _directory().current()
    named = _named(agency, target, directory) if agency is not None else None

    written: list[tuple[Record, bytes]] = []
    problems: list[Problem] = []
    refused: list[str] = []  # why each refused record was refused, in a few words
    for record in parsed.records:
        if record.case is None or record.problems:
            problems.extend(record.problems)
            refused.append(f"the {source} {_which(reader, record)} is invalid")
            continue
        prefix = _prefix(reader, record)
        _warn_case(record.case)
        receiver = named or _routed(record.case, prefix, source, target, directory)
        try:
            rendered = writer.render(record.case, _receiver(receiver, record.case, target))
        except InputError as err:
            problems.extend(Problem(prefix + p.path, p.message) for p in err.problems)
            refused.append(err.detail)
            continue
        written.append((record, rendered))

    if out is None:
        for _, rendered in written:
            _stdout(rendered)
    else:
        _write_files(out, written, writer)
    if problems:
        detail = refused[0] if len(refused) == 1 else f"{len(refused)} records were refused"
        detail += f" ({len(problems)} problem(s))"
        if written:
            detail += f"; the other {len(written)} record(s) were written"
        raise InputError.from_problems(problems, detail)


@app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="the message to check; '-' reads standard input")],
    format_name: Annotated[
        str, typer.Option("--format", "-f", help="the message's format, e.g. pmo1111")
    ],
) -> None:
    """Check a message: one line per record; every problem listed when it is invalid."""
    adapter = _adapter(format_name, "--format")
    parsed = adapter.parse(_read(file))
    for record in parsed.records:
        typer.echo(summary(record))
        if record.case is not None:
            _warn_case(record.case)
    if parsed.problems:
        bad = sum(1 for r in parsed.records if not r.ok)
        raise InputError.from_problems(
            parsed.problems,
            f"{bad} of {len(parsed.records)} record(s) invalid; "
            f"{len(parsed.problems)} problem(s) found",
        )


def summary(record: Record) -> str:
    """One line about a record: its number, whether it is valid, and what it is."""
    head = f"record {record.index} {record.tracking_no or '-'}:"
    case = record.case
    if case is None or record.problems:
        return f"{head} invalid, {len(record.problems)} problem(s)"
    title = case.matter.title if len(case.matter.title) <= 60 else case.matter.title[:59] + "…"
    return (
        f"{head} valid, received {case.received_at.isoformat()}, status {case.status.code}, "
        f"{len(case.attachments)} attachment(s), {len(case.warnings)} warning(s): {title}"
    )


# -- receivers ----------------------------------------------------------------------------


def _named(code: str, target: str, directory: Directory) -> Agency:
    found = directory.find(code)
    if found is None:
        raise UsageError(
            f"--for {code}: no such agency in the directory",
            [Problem("/--for", f"{code!r} is not an agency code of the directory")],
        )
    if found.format != target:
        _warn(
            "/--for",
            f"{code} speaks {found.format}, not {target}; writing {target} as asked, "
            "without its format options",
        )
    return found


def _routed(case: Case, prefix: str, source: str, target: str, directory: Directory) -> Agency:
    """The policy's first destination (a transfer before a copy), else the documented
    default (see the module docstring), with a warning."""
    why = "no routing rule matches it"
    try:
        decisions = route(case, source, case.sender, directory)
    except (InputError, ConfigError) as err:
        decisions = []
        why = "it cannot be routed: " + "; ".join(f"{p.path}: {p.message}" for p in err.problems)
    ordered = sorted(decisions, key=lambda d: d.copy)  # stable: the policy's order otherwise
    for decision in ordered:
        found = directory.find(decision.agency)
        if found is not None:
            return found
    fallback, basis = _fallback(case, target, directory)
    _warn(
        prefix or "/",
        f"the routing policy picks no receiver ({why}); writing it for {fallback.code} "
        f"({basis}); name another with --for",
    )
    return fallback


def _fallback(case: Case, target: str, directory: Directory) -> tuple[Agency, str]:
    sender = directory.find(case.sender) if case.sender else None
    if sender is not None and sender.format == target:
        return sender, f"the case's sender, which speaks {target}"
    central = sorted(
        (a for a in directory if a.format == target and a.level == Level.CENTRAL),
        key=lambda a: a.code,
    )
    if central:
        return central[0], f"the central agency speaking {target}"
    raise UsageError(
        f"no receiver for this case: the routing policy picks none and no central agency "
        f"of the directory speaks {target}",
        [Problem("/--for", "name the receiving agency with --for")],
    )


def _receiver(agency: Agency, case: Case, target: str) -> Receiver:
    return Receiver(
        agency=agency.code,
        name=agency.name_th,
        # the case's own time, not the clock: the same input always gives the same bytes
        sent_at=case.status.at,
        options=dict(agency.options) if agency.format == target else {},
    )


# -- helpers ------------------------------------------------------------------------------


@cache
def _directory() -> DirectorySource:
    # one per process: it reloads by itself when its files change
    return DirectorySource()


def _adapter(name: str, option: str) -> Adapter:
    try:
        return get_adapter(name)
    except UnsupportedFormatError as err:
        raise UsageError(err.detail, [Problem(f"/{option}", f"unknown format {name!r}")]) from None


def _which(adapter: Adapter, record: Record) -> str:
    return f"record {record.index}" if adapter.batch else "message"


def _prefix(adapter: Adapter, record: Record) -> str:
    return f"/records/{record.index}" if adapter.batch else ""


def _warn(path: str, message: str) -> None:
    sys.stderr.write(f"warning: {path}: {message}\n")


def _warn_case(case: Case) -> None:
    # adapters give warning paths in the sender's message, record prefix included
    for warning in case.warnings:
        _warn(warning.path, f"{warning.message} ({warning.code})")


def _stdout(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def extension(adapter: Adapter) -> str:
    """The file extension of a format's messages, from its media type (``xml``, ``json``)."""
    subtype = adapter.media_type.split(";")[0].rsplit("/", 1)[-1]
    return subtype.rsplit("+", 1)[-1].strip() or "bin"


def file_name(record: Record, adapter: Adapter, taken: set[str]) -> str:
    """``<tracking number>.<extension>``, made safe as a file name and unique in ``taken``."""
    stem = _UNSAFE.sub("_", record.tracking_no or "").strip("._") or f"record-{record.index}"
    name = f"{stem}.{extension(adapter)}"
    if name in taken:
        name = f"{stem}-{record.index}.{extension(adapter)}"
    taken.add(name)
    return name


def _write_files(out: Path, written: Sequence[tuple[Record, bytes]], writer: Adapter) -> None:
    taken: set[str] = set()
    try:
        out.mkdir(parents=True, exist_ok=True)
        for record, rendered in written:
            path = out / file_name(record, writer, taken)
            path.write_bytes(rendered)
            typer.echo(str(path))
    except OSError as exc:
        raise InputError(
            f"cannot write into {out}: {exc.strerror}", [Problem("/--out", str(exc.strerror))]
        ) from None


__all__ = ["UsageError", "extension", "file_name", "summary"]
