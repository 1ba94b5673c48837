"""``saphan log export`` and ``saphan audit verify``: the auditors' commands.

``saphan log export --out DIR [--data DIR | --db URL]`` writes the log for offline audit
(:mod:`saphan.audit.export`). ``saphan audit verify (--url URL | --dir DIR) --key KEY``
checks a live hub or an export without trusting it (:mod:`saphan.audit.verify`): the
report goes to standard output, progress to standard error, and when anything fails the
failures reach the funnel as one :class:`~saphan.errors.IntegrityError` (exit 1) after
the report is printed.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from saphan.audit.material import (
    AgencyKeys,
    HubKeys,
    ReceiptRecord,
    read_agency_keys,
    read_jwks,
    read_receipt_lines,
    trusted_log_keys,
)
from saphan.audit.sources import FolderSource, HubSource
from saphan.audit.verify import AuditOptions, audit
from saphan.cli import app
from saphan.config import Settings
from saphan.errors import InputError, Problem

log_app = typer.Typer(help="The transfer log.", no_args_is_help=True)
audit_app = typer.Typer(
    help="Check the transfer log without trusting the hub.", no_args_is_help=True
)
app.add_typer(log_app, name="log")
app.add_typer(audit_app, name="audit")


class _Progress:
    """Progress lines on standard error, at most one a second."""

    def __init__(self, verb: str, quiet: bool) -> None:
        self.verb = verb
        self.quiet = quiet
        self.started = time.perf_counter()
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        now = time.perf_counter()
        if self.quiet or (now - self.last < 1.0 and done != total):
            return
        self.last = now
        rate = done / (now - self.started) if now > self.started else 0.0
        of = f" of {total:,}" if total is not None else ""
        sys.stderr.write(f"{self.verb} {done:,}{of} entries ({rate:,.0f}/s)\n")


@log_app.command("export")
def export_command(
    out: Annotated[Path, typer.Option("--out", help="a new (or empty) folder to write")],
    data: Annotated[
        Path | None,
        typer.Option("--data", help="the hub's data folder (database, keys, directory)"),
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", help="the hub's database URL (default: in --data)")
    ] = None,
    per_file: Annotated[
        int, typer.Option("--per-file", help="entries per entry file", min=1)
    ] = 100_000,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress lines")] = False,
) -> None:
    """Write the log for offline audit: entries, checkpoints, receipts and keys."""
    overrides: dict[str, Any] = {}
    if data is not None:
        overrides["data_dir"] = data
    if db is not None:
        overrides["db_url"] = db
    settings = Settings(**overrides)
    # Imported here: it brings the store and the engine, which verifying never needs.
    from saphan.audit.export import export_log

    summary = export_log(settings, out, per_file=per_file, progress=_Progress("exported", quiet))
    lines = [
        f"exported {summary.origin} to {summary.folder}",
        f"  entries       {summary.size:,} in {len(summary.files)} file(s)",
        f"  checkpoints   {summary.checkpoints:,}",
        f"  receipts      {summary.intake_receipts:,} hub (intake), "
        f"{summary.delivery_receipts:,} agency (delivery)",
    ]
    if summary.later_receipts:
        lines.append(
            f"  later         {summary.later_receipts:,} receipt(s) wait for the next checkpoint"
        )
    if summary.agencies_without_keys:
        lines.append(f"  no keys for   {', '.join(summary.agencies_without_keys)}")
    sys.stdout.write("\n".join(lines) + "\n")


def _read_json(path: Path, option: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read {option}", [Problem(f"/{option}", str(exc))]) from exc


def _hub_keys(path: Path | None) -> HubKeys | None:
    if path is None:
        return None
    keys, problems = read_jwks(_read_json(path, "jwks"), "/jwks")
    if problems:
        raise InputError("unusable --jwks", problems)
    return keys


def _agency_keys(path: Path | None) -> AgencyKeys | None:
    if path is None:
        return None
    keys, problems = read_agency_keys(_read_json(path, "agency-keys"), "/agency-keys")
    if problems:
        raise InputError("unusable --agency-keys", problems)
    return keys


def _receipts(path: Path | None) -> list[ReceiptRecord]:
    if path is None:
        return []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read --receipts", [Problem("/receipts", str(exc))]) from exc
    records: list[ReceiptRecord] = []
    problems: list[Problem] = []
    for item in read_receipt_lines(iter(lines), "receipts"):
        if isinstance(item, list):
            problems.extend(item)
        else:
            records.append(item)
    if problems:
        raise InputError("unusable --receipts", problems)
    return records


def _since(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("cannot read --since", [Problem("/since", str(exc))]) from exc


@audit_app.command("verify")
def verify_command(
    key: Annotated[
        list[str],
        typer.Option(
            "--key",
            help="the log's verifier key (name+hexkeyid+base64key), or a file of such keys; "
            "repeat for keys the hub used before a rotation",
        ),
    ],
    url: Annotated[str | None, typer.Option("--url", help="a live hub's base URL")] = None,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="a folder written by 'saphan log export'")
    ] = None,
    since: Annotated[
        Path | None,
        typer.Option("--since", help="a signed checkpoint kept earlier: the log must extend it"),
    ] = None,
    receipts: Annotated[
        Path | None,
        typer.Option("--receipts", help="more receipts to check: one JWS (or JSON object) a line"),
    ] = None,
    agency_keys: Annotated[
        Path | None,
        typer.Option("--agency-keys", help="agency keys you obtained yourself (agency-keys.json)"),
    ] = None,
    jwks: Annotated[
        Path | None, typer.Option("--jwks", help="the hub's JWK set you obtained yourself")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="no progress lines")] = False,
) -> None:
    """Check a live hub or an exported log without trusting it. Exit 0 only if all holds."""
    if (url is None) == (directory is None):
        raise typer.BadParameter("give exactly one of --url and --dir")
    options = AuditOptions(
        trusted=trusted_log_keys(key),
        since=_since(since),
        receipts=_receipts(receipts),
        hub_keys=_hub_keys(jwks),
        agency_keys=_agency_keys(agency_keys),
        progress=_Progress("verified", quiet),
    )
    if url is not None:
        hub = HubSource(url)
        try:
            report = audit(hub, options)
        finally:
            hub.close()
    else:
        assert directory is not None
        report = audit(FolderSource(directory), options)
    sys.stdout.write(report.render())
    sys.stdout.flush()
    report.raise_if_failed()
