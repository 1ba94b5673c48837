"""``saphan conformance``: the suite integrators run against their own agency system.

* ``saphan conformance run --format F --target URL --agency-key KEY [--agency CODE]
  [--sample FILE]... [--report DIR] [--mode push|pull] [--optional] [--control URL]
  [--hub-key PEM] [--listen HOST:PORT] [--public-url URL] [--client-cmd CMD] [--wait S]
  [--only CASE]... [--json]``: run the cases (``conformance/PROTOCOL.md``); progress and
  a summary on standard output (standard error with ``--json``, which prints the result
  JSON on standard output); ``--report DIR`` writes ``junit.xml``, ``report.html`` and
  ``result.json``. Exit 0 only when every required case passed; otherwise the funnel
  prints a problem listing the required cases that did not pass (exit 1). Settings the
  suite cannot start with exit 2.
* ``saphan conformance list [--json]``: the cases, their level, modes and spec.
* ``saphan conformance entry --code C --format F --key PUB [--endpoint URL]``: the
  directory entry (code, format, delivery, key id and key) for an agency's public key.

``--key`` is a short name of ``--agency-key``: the agency's PUBLIC key (PEM, JWK, JWK set,
directory entry, or a JWKS URL; :mod:`saphan.conformance.agencykeys`). The suite's own
hub key is ``--hub-key``: created there when the file does not exist, so that an agency
can be configured once with its public key; without it every run uses a fresh key that
the agency finds at the suite's JWKS URL.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from saphan.cli import app
from saphan.conformance import (
    Mode,
    SuiteSettings,
    all_cases,
    default_agency,
    load_agency_keys,
    result_json,
    run_suite,
    summary_text,
    write_reports,
)
from saphan.errors import ConfigError, Problem, UnsupportedFormatError
from saphan.ledger.keys import SigningKey, read_private_key, write_private_key
from saphan.simulate.keys import directory_entry
from saphan.translate import get_adapter

conformance_app = typer.Typer(
    name="conformance",
    help="The conformance suite: check an agency system against the hub's contract.",
    no_args_is_help=True,
)
app.add_typer(conformance_app, name="conformance")

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="the agency's format: damrongtham, occ, pmo1111")
]
AgencyKeyOption = Annotated[
    str,
    typer.Option(
        "--agency-key",
        "--key",
        help="the agency's PUBLIC key: a PEM, JWK, JWK set or directory entry file, or a JWKS URL",
    ),
]


def _check_format(name: str) -> None:
    try:
        get_adapter(name)
    except UnsupportedFormatError as exc:
        raise ConfigError(exc.detail, [Problem("/--format", f"unknown format {name!r}")]) from None


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        number = -1
    if not host or not 0 <= number <= 65535:
        raise ConfigError(
            f"--listen {value}: expected HOST:PORT", [Problem("/--listen", "e.g. 127.0.0.1:8765")]
        )
    return host.strip("[]"), number


def _hub_key(path: Path | None) -> SigningKey:
    """The suite's hub key: read from ``path``, created there when absent, or fresh."""
    if path is None:
        return SigningKey.generate()
    if path.exists():
        return SigningKey.of(read_private_key(path))
    key = SigningKey.generate()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create {path.parent}: {exc.strerror}", [Problem("/--hub-key", str(exc))]
        ) from None
    write_private_key(path, key.private)
    return key


@conformance_app.command("run")
def run_command(
    format_name: FormatOption,
    agency_key: AgencyKeyOption,
    target: Annotated[
        str | None,
        typer.Option(help="the agency's push endpoint URL (push mode), e.g. https://host/inbound"),
    ] = None,
    agency: Annotated[
        str | None,
        typer.Option(
            help="the agency's code (default: the directory entry's, else the format's central agency)"
        ),
    ] = None,
    sample: Annotated[
        list[Path] | None,
        typer.Option("--sample", help="a message the agency sends to the hub (repeatable)"),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="write junit.xml, report.html and result.json here")
    ] = None,
    mode: Annotated[Mode, typer.Option(help="how the agency receives transfers")] = Mode.PUSH,
    optional: Annotated[
        bool, typer.Option("--optional", help="also run the optional cases")
    ] = False,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="run only this case (repeatable)")
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(
            help="base URL of the agency's test-control interface (/_state, /_control), if any"
        ),
    ] = None,
    hub_key: Annotated[
        Path | None,
        typer.Option(help="the suite's hub private key (PKCS#8 PEM); created when absent"),
    ] = None,
    listen: Annotated[
        str, typer.Option(help="where the suite's hub listens, HOST:PORT (port 0: any free one)")
    ] = "127.0.0.1:0",
    public_url: Annotated[
        str | None,
        typer.Option(
            help="the URL the agency uses for the suite's hub (default: the listening address)"
        ),
    ] = None,
    client_cmd: Annotated[
        str | None,
        typer.Option(
            help="pull mode: command that starts the agency's client; {hub} is the hub URL"
        ),
    ] = None,
    wait: Annotated[
        float, typer.Option(help="seconds to wait for the agency to act on its own (pull, status)")
    ] = 60.0,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each HTTP answer")] = 10.0,
    json_output: Annotated[
        bool, typer.Option("--json", help="print the result JSON on standard output")
    ] = False,
) -> None:
    """Run the conformance suite against an agency system."""
    _check_format(format_name)
    keys = load_agency_keys(agency_key, timeout_s=timeout)
    code = agency or keys.code or default_agency(format_name)
    stream = sys.stderr if json_output else sys.stdout

    def say(line: str) -> None:
        stream.write(line + "\n")
        stream.flush()

    if keys.code and code != keys.code:
        say(f"note: --agency {code} differs from the code {keys.code} of the key's directory entry")
    host, port = _listen(listen)
    settings = SuiteSettings(
        format=format_name,
        mode=mode,
        agency=code,
        agency_keys=keys,
        hub_key=_hub_key(hub_key),
        target=target,
        samples=tuple(sample or ()),
        optional=optional,
        only=frozenset(only or ()),
        control=control,
        listen_host=host,
        listen_port=port,
        public_url=public_url,
        client_cmd=client_cmd,
        wait_s=wait,
        timeout_s=timeout,
    )
    if report is not None:
        try:
            report.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"cannot create {report}: {exc.strerror}", [Problem("/--report", str(exc))]
            ) from None
    client_log = report / "client.log" if report is not None and client_cmd else None
    result = asyncio.run(run_suite(settings, say, client_log=client_log))
    stream.write("\n" + summary_text(result))
    if report is not None:
        for path in write_reports(result, report):
            say(f"wrote {path}")
    if json_output:
        sys.stdout.write(result_json(result))
    stream.flush()
    result.raise_if_failed()


@conformance_app.command("list")
def list_command(
    json_output: Annotated[bool, typer.Option("--json", help="print the cases as JSON")] = False,
) -> None:
    """List the conformance cases: name, level, modes, what they prove, spec section."""
    cases = all_cases()
    if json_output:
        document = [
            {
                "name": c.name,
                "title": c.title,
                "group": c.group,
                "level": c.level.value,
                "modes": sorted(m.value for m in c.modes),
                "spec": c.spec,
                "after": list(c.after),
            }
            for c in cases
        ]
        sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        return
    width = max(len(c.name) for c in cases)
    for c in cases:
        modes = "/".join(sorted(m.value for m in c.modes))
        typer.echo(f"{c.name:<{width}}  {c.level.value:<8}  {modes:<9}  {c.title}")


@conformance_app.command("entry")
def entry_command(
    code: Annotated[str, typer.Option("--code", help="the agency's code, e.g. MOI-DRT-3415")],
    format_name: FormatOption,
    key: Annotated[
        str, typer.Option("--key", help="the agency's public key (PEM, JWK or base64 of 32 bytes)")
    ],
    endpoint: Annotated[
        str | None, typer.Option(help="the agency's push endpoint (default: pull delivery)")
    ] = None,
) -> None:
    """Print the directory entry that makes the hub trust an agency's public key."""
    _check_format(format_name)
    keys = load_agency_keys(key)
    if len(keys.keys) != 1:
        raise ConfigError(
            f"--key {key}: holds {len(keys.keys)} keys; give one",
            [Problem("/--key", "one public key per entry command")],
        )
    entry = directory_entry(code, format_name, keys.keys[0], endpoint=endpoint)
    sys.stdout.write(json.dumps(entry, ensure_ascii=False, indent=2) + "\n")
