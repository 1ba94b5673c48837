"""Message validity, both ways.

* ``messages-render``: the spec's example cases, written in the agency's format by this
  installation's adapters, read back without a problem (the suite's own ground: what
  every later case delivers);
* ``messages-accepted``: the agency's endpoint takes each of them (2xx and a receipt;
  whether the receipt itself holds is ``push-receipt``'s question);
* ``sample-valid``: each ``--sample`` message the agency sends reads without a problem;
* ``sample-translates``: each of its records is written in every other format and read
  back there.
"""

from __future__ import annotations

from pathlib import Path

from saphan.conformance.context import Context, new_id
from saphan.conformance.model import Level
from saphan.conformance.registry import CaseGroup, Check
from saphan.conformance.settings import DEFAULT_AGENCIES, Mode
from saphan.errors import HubError
from saphan.translate import Parsed, Receiver, formats, get_adapter

messages_case = CaseGroup("messages", (Mode.PUSH, Mode.PULL))


@messages_case(
    "messages-render",
    title="The hub's messages read back in the agency's format",
    level=Level.REQUIRED,
    spec="agency-formats.md §1-§3 and examples/",
)
async def messages_render(ctx: Context, check: Check) -> None:
    check.extend(ctx.message_problems)
    for message in ctx.messages:
        where = f"/messages/{message.name}"
        try:
            parsed = ctx.adapter.parse(message.body)
        except HubError as exc:
            check.extend(exc.problems, where)
            continue
        check.extend(parsed.problems, where)
        if len(parsed.records) != 1:
            check.fail(where, f"{len(parsed.records)} records read back; one was written")
    if not ctx.messages:
        check.fail("/messages", "no example case could be written in this format")
    check.summary = (
        f"{len(ctx.messages)} example case(s) written as {ctx.adapter.name} for "
        f"{ctx.settings.agency} and read back"
    )


@messages_case(
    "messages-accepted",
    title="The agency's endpoint accepts every message the hub may send",
    level=Level.REQUIRED,
    modes=(Mode.PUSH,),
    spec="hub-contract.md: Push mode",
    after=("messages-render",),
)
async def messages_accepted(ctx: Context, check: Check) -> None:
    pusher = ctx.pusher
    for message in ctx.messages:
        where = f"/messages/{message.name}"
        _, answer = await pusher.deliver(
            message.body, message.media_type, transfer_id=new_id(), case_id=new_id()
        )
        if not answer.ok:
            check.fail(where, f"not accepted: {answer.brief()}")
        elif answer.receipt is None:
            check.fail(where, f'{answer.brief()} without {{"receipt": "<JWS>"}}')
    check.summary = f"all {len(ctx.messages)} message(s) accepted with a receipt"


def _read_samples(ctx: Context, check: Check, *, report: bool) -> list[tuple[Path, Parsed]]:
    """The samples that read as messages; the others fail ``check`` when ``report``."""
    if not ctx.settings.samples:
        check.skip("no --sample given: name messages your system sends to the hub")
    read: list[tuple[Path, Parsed]] = []
    for path in ctx.settings.samples:
        where = f"/samples/{path.name}"
        try:
            read.append((path, ctx.adapter.parse(path.read_bytes())))
        except OSError as exc:
            if report:
                check.fail(where, f"cannot be read: {exc.strerror}")
        except HubError as exc:
            if report:
                check.extend_or_fail(exc.problems, where, exc.detail)
    return read


@messages_case(
    "sample-valid",
    title="The agency's own messages are valid",
    level=Level.REQUIRED,
    spec="agency-formats.md §1-§3; hub-contract.md: POST /v1/inbound/{format}",
)
async def sample_valid(ctx: Context, check: Check) -> None:
    records = 0
    for path, parsed in _read_samples(ctx, check, report=True):
        where = f"/samples/{path.name}"
        for record in parsed.records:
            records += 1
            # the adapters' paths already name the record of a batch (/records/N/...)
            check.extend(record.problems, where)
            if record.case is not None:
                for warning in record.case.warnings:
                    check.note(f"{path.name}{warning.path}: {warning.message} ({warning.code})")
        if not parsed.records:
            check.fail(where, "holds no record")
    check.summary = f"{len(ctx.settings.samples)} sample(s), {records} record(s), all valid"


@messages_case(
    "sample-translates",
    title="The agency's own messages translate into every other format",
    level=Level.REQUIRED,
    spec="agency-formats.md §4 (crosswalks)",
)
async def sample_translates(ctx: Context, check: Check) -> None:
    others = [name for name in formats() if name != ctx.adapter.name]
    translated = 0
    for path, parsed in _read_samples(ctx, check, report=False):
        for record in parsed.records:
            if record.case is None or record.problems:
                continue  # sample-valid names it
            label = f"{path.name}#{record.index}" if len(parsed.records) > 1 else path.name
            for name in others:
                where = f"/samples/{label}/{name}"
                writer = get_adapter(name)
                receiver = Receiver(
                    agency=DEFAULT_AGENCIES.get(name, name.upper()), sent_at=record.case.status.at
                )
                try:
                    back = writer.parse(writer.render(record.case, receiver))
                except HubError as exc:
                    check.extend_or_fail(exc.problems, where, exc.detail)
                    continue
                check.extend(back.problems, where)
                translated += 1
    if translated == 0 and not check.failed:
        check.skip("no valid sample record to translate (see sample-valid)")
    check.summary = f"{translated} translation(s) into {', '.join(others)} read back"
