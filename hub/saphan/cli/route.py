"""``saphan route --format F FILE``: a dry run of the routing policy.

Reads a message in format F (a file, or ``-`` for standard input) with that format's
adapter and prints, as JSON on standard output, each record's destinations: the agency,
the rule that chose it and its reason, whether it is a copy for information, and the
deadline date (ISO). Nothing is sent or stored.

A record that cannot be read or routed does not stop the others (a 1111 batch is handled
record by record): the routed ones are printed, and then every problem, with its path, is
reported through the CLI funnel as one :class:`~saphan.errors.InputError` (exit 1).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from saphan.cli import app
from saphan.directory import Directory, default_paths
from saphan.errors import InputError, Problem
from saphan.reference.calendar import thai_date
from saphan.routing import Policy, default_policy, load_policy
from saphan.translate import get_adapter


@app.command("route")
def route_command(
    file: Annotated[str, typer.Argument(help="the message to route; '-' reads standard input")],
    format_name: Annotated[
        str, typer.Option("--format", "-f", help="the message's format, e.g. pmo1111")
    ],
    sender: Annotated[
        str | None,
        typer.Option(help="the sending agency's code (default: the sender the message names)"),
    ] = None,
    directory: Annotated[
        list[Path] | None,
        typer.Option(
            "--directory",
            help="an extra agency directory file, read after the shipped one (repeatable)",
        ),
    ] = None,
    policy: Annotated[
        Path | None, typer.Option(help="a routing policy file instead of the configured one")
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(help="the day the hub receives the message (YYYY-MM-DD; default: today)"),
    ] = None,
    explain: Annotated[
        bool, typer.Option("--explain", help="also show, for each rule, why it did (not) match")
    ] = False,
) -> None:
    """Dry run of the routing policy: each destination agency, its rule and its deadline."""
    adapter = get_adapter(format_name)
    parsed = adapter.parse(_read(file))
    agencies = Directory.from_files([*default_paths(), *(directory or [])])
    rules = load_policy(policy) if policy is not None else default_policy()
    received_on = _day(today)

    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for record in parsed.records:
        prefix = f"/records/{record.index}" if adapter.batch else ""
        out: dict[str, Any] = {"index": record.index, "tracking_no": record.tracking_no}
        if record.case is None or record.problems:
            problems.extend(record.problems)
            out["problems"] = [p.as_dict() for p in record.problems]
            records.append(out)
            continue
        case = record.case
        who = sender or case.sender
        out["sender"] = who
        try:
            decisions = rules.route(case, format_name, who, agencies, received_on)
        except InputError as err:
            moved = [Problem(prefix + p.path, p.message) for p in err.problems]
            problems.extend(moved)
            out["problems"] = [p.as_dict() for p in moved]
        else:
            out["destinations"] = [_destination(d.as_dict()) for d in decisions]
        if explain:
            out["rules"] = _trace(rules, case, format_name, who, agencies)
        records.append(out)

    routed = any("destinations" in r for r in records)
    if routed:
        doc = {"format": format_name, "records": records}
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    if problems:
        detail = f"{len(problems)} problem(s) found"
        raise InputError.from_problems(
            problems, detail + ("; the other records were routed" if routed else "")
        )


def _destination(decision: dict[str, Any]) -> dict[str, Any]:
    keys = ("agency", "rule", "reason", "copy", "deadline", "working_days", "deadline_basis")
    return {k: decision[k] for k in keys}


def _trace(
    rules: Policy, case: Any, format_name: str, sender: str | None, agencies: Directory
) -> list[dict[str, Any]]:
    return [
        {"rule": t.rule, "title": t.title, "matched": t.matched, "why_not": t.why_not}
        for t in rules.trace(case, format_name, sender, agencies)
    ]


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read {file}: {exc.strerror}", [Problem("/file", str(exc.strerror))]
        ) from None


def _day(text: str | None) -> date:
    if text is None:
        return thai_date(datetime.now(UTC))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--today {text!r} is not a date", [Problem("/today", "expected YYYY-MM-DD")]
        ) from None
