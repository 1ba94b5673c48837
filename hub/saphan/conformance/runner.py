"""Running the suite: start the suite's hub endpoint, start the agency's pull client when
asked to, run each planned case in order, and collect a :class:`SuiteResult`.

Each case runs under a time limit (the agency may hang); whatever it raises is turned
into its result and never ends the run: a :class:`~saphan.errors.HubError` about the
agency (it cannot be reached, it answered nonsense) fails the case,
:class:`~saphan.errors.ConfigError` and anything unexpected are the suite's own error.
A case whose prerequisite (``after``) did not pass is skipped with that reason.

Progress goes to ``say``, one line per event; the reports are written by the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx

from saphan.conformance.context import Context
from saphan.conformance.fixtures import render_messages
from saphan.conformance.hubside import HubSide, serving
from saphan.conformance.model import CaseResult, Outcome, SuiteResult
from saphan.conformance.registry import CaseSpec, Check, SkipCase, plan
from saphan.conformance.settings import Mode, SuiteSettings
from saphan.errors import ConfigError, HubError, Problem
from saphan.translate import get_adapter

__all__ = ["run_suite"]

#: Extra time a case gets beyond ``--wait`` before it counts as hung.
CASE_MARGIN_S = 30.0


async def run_suite(
    settings: SuiteSettings,
    say: Callable[[str], None] = lambda line: None,
    *,
    client_log: Path | None = None,
) -> SuiteResult:
    """Run every planned case against the agency of ``settings``; never raises for what
    the agency does (that is in the result), only :class:`ConfigError` for settings the
    suite cannot start with."""
    problems = settings.problems()
    if problems:
        raise ConfigError("the conformance run cannot start", problems)
    adapter = get_adapter(settings.format)
    planned = plan(settings.mode, optional=settings.optional, only=settings.only)
    hub = HubSide(
        hub_key=settings.hub_key,
        agency=settings.agency,
        keys=settings.agency_keys,
        status_scheme=adapter.status_scheme(),
        clock=settings.clock,
    )
    messages, message_problems = render_messages(adapter, settings.agency)
    started = settings.clock.now()
    async with (
        serving(hub, settings.listen_host, settings.listen_port, settings.public_url) as hub_url,
        httpx.AsyncClient(
            transport=settings.transport, timeout=settings.timeout_s, follow_redirects=False
        ) as http,
    ):
        result = SuiteResult(
            format=settings.format,
            mode=settings.mode.value,
            agency=settings.agency,
            target=settings.target,
            hub_url=hub_url,
            hub_kid=settings.hub_key.kid,
            started_at=started,
        )
        say(
            f"the suite's hub is at {hub_url} (key {settings.hub_key.kid}, JWKS {hub_url}/.well-known/jwks.json)"
        )
        if settings.mode is Mode.PULL and not settings.client_cmd:
            say(f"point the agency's pull client at {hub_url} (it signs as {settings.agency})")
        ctx = Context(settings, adapter, hub, http, messages, message_problems, say)
        async with _client(settings, hub_url, client_log, say):
            for number, (spec, skip) in enumerate(planned, start=1):
                outcome = await _run_case(ctx, spec, skip)
                ctx.results[spec.name] = outcome
                result.results.append(outcome)
                say(_progress(number, len(planned), outcome))
    result.finished_at = settings.clock.now()
    return result


def _progress(number: int, total: int, result: CaseResult) -> str:
    width = len(str(total))
    head = f"[{number:>{width}}/{total}] {result.name} ({result.level.value})"
    return f"{head}: {result.outcome.value.upper()} - {result.reason} ({result.duration_s:.2f} s)"


def _result(
    spec: CaseSpec, outcome: Outcome, reason: str, check: Check, start: float
) -> CaseResult:
    return CaseResult(
        name=spec.name,
        title=spec.title,
        group=spec.group,
        level=spec.level,
        spec=spec.spec,
        outcome=outcome,
        reason=reason,
        problems=list(check.problems),
        notes=list(check.notes),
        duration_s=time.monotonic() - start,
    )


async def _run_case(ctx: Context, spec: CaseSpec, skip: str | None) -> CaseResult:
    start = time.monotonic()
    check = Check()
    if skip is None:
        unmet = [
            name for name in spec.after if name in ctx.results and not ctx.results[name].passed
        ]
        if unmet:
            skip = f"needs {', '.join(unmet)}, which did not pass"
    if skip is not None:
        return _result(spec, Outcome.SKIPPED, skip, check, start)
    limit = ctx.settings.wait_s + CASE_MARGIN_S
    try:
        await asyncio.wait_for(spec.run(ctx, check), timeout=limit)
    except SkipCase as exc:
        return _result(spec, Outcome.SKIPPED, str(exc), check, start)
    except TimeoutError:
        check.fail("/", f"the case did not finish within {limit:g} s: the agency did not answer")
    except ConfigError as exc:
        check.extend(exc.problems)
        return _result(
            spec, Outcome.ERROR, f"the suite could not run it: {exc.detail}", check, start
        )
    except HubError as exc:
        check.extend(exc.problems or [Problem("/", exc.detail)])
        return _result(spec, Outcome.FAILED, exc.detail, check, start)
    except Exception as exc:  # noqa: BLE001 - one broken case must not end the whole run
        check.fail("/", f"{type(exc).__name__}: {exc}")
        return _result(spec, Outcome.ERROR, f"the suite failed: {type(exc).__name__}", check, start)
    if check.failed:
        first = check.problems[0]
        reason = f"{first.path}: {first.message}"
        if len(check.problems) > 1:
            reason += f" (+{len(check.problems) - 1} more)"
        return _result(spec, Outcome.FAILED, reason, check, start)
    return _result(spec, Outcome.PASSED, check.summary or "passed", check, start)


@contextlib.asynccontextmanager
async def _client(
    settings: SuiteSettings, hub_url: str, log: Path | None, say: Callable[[str], None]
) -> AsyncIterator[None]:
    """Run ``--client-cmd`` (``{hub}`` replaced) for the duration of the cases."""
    if not settings.client_cmd:
        yield
        return
    argv = shlex.split(settings.client_cmd.replace("{hub}", hub_url))
    if not argv:
        raise ConfigError("--client-cmd is empty", [Problem("/--client-cmd", "no command")])
    output = log.open("ab") if log is not None else None
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=output or subprocess.DEVNULL,
            stderr=subprocess.STDOUT if output else subprocess.DEVNULL,
        )
    except OSError as exc:
        if output is not None:
            output.close()
        raise ConfigError(
            f"--client-cmd cannot be started: {exc.strerror}", [Problem("/--client-cmd", argv[0])]
        ) from None
    say(f"started the agency's pull client (pid {process.pid}): {' '.join(argv)}")
    try:
        yield
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), timeout=10)
            except TimeoutError:
                process.kill()
                await process.wait()
        else:
            say(f"the agency's pull client had exited with status {process.returncode}")
        if output is not None:
            output.close()
