"""Status changes reported back in the agency's own codes (interface control document
§5 rule 6; hub contract, ``POST /v1/cases/{case_id}/status``).

The suite hands the agency a case (a push, or in pull mode a transfer it pulled), then
asks for a status report for that case at the suite's hub endpoint: through the
agency's control interface when ``--control`` names one (``POST /_control`` with
``{"report_status": {"case_id": ...}}``, as the reference simulators offer), otherwise
by telling the person running the suite and waiting ``--wait`` seconds. The report must
be signed by the agency (``keyid`` = its code) and carry one of the agency's own status
codes (``crosswalks().decode("<format>.status", code)`` knows it).

It is optional: a system cannot be made to change a case's status on demand without
such a hook, and the contract does not require one.
"""

from __future__ import annotations

from saphan.conformance.context import Context, new_id
from saphan.conformance.hubside import StatusReceived
from saphan.conformance.inbox import InboxItem
from saphan.conformance.model import Level
from saphan.conformance.registry import Check, case
from saphan.conformance.settings import Mode

#: How long to wait for a report asked for through a control interface.
CONTROLLED_WAIT_S = 10.0


async def _handed_case(ctx: Context, check: Check) -> str:
    """The id of a case the agency holds; fails or skips the check when there is none."""
    if ctx.settings.mode is Mode.PULL:
        pulled: list[InboxItem] = ctx.shared.get("pulled", [])
        if not pulled:
            check.skip("needs a transfer the agency pulled (pull-acknowledge did not get one)")
        return pulled[0].case_id
    message = ctx.message()
    case_id = new_id()
    ctx.hub.cases.add(case_id)
    _, answer = await ctx.pusher.deliver(
        message.body, message.media_type, transfer_id=new_id(), case_id=case_id
    )
    if not answer.ok:
        check.fail("/delivery", f"the case could not be delivered first: {answer.brief()}")
        return ""
    return case_id


@case(
    "status-report",
    title="A status change comes back signed, in the agency's own codes",
    group="status",
    level=Level.OPTIONAL,
    modes=(Mode.PUSH, Mode.PULL),
    spec="agency-formats.md §5 rule 6; hub-contract.md: POST /v1/cases/{case_id}/status",
)
async def status_report(ctx: Context, check: Check) -> None:
    case_id = await _handed_case(ctx, check)
    if not case_id:
        return
    url = f"{ctx.hub.public_url}/v1/cases/{case_id}/status"
    wait = ctx.settings.wait_s
    if ctx.settings.control:
        answer = await ctx.control({"report_status": {"case_id": case_id}})
        if not answer.ok:
            check.note(f"the control interface answered {answer.brief()}")
    else:
        ctx.say(f"report a status change for case {case_id} to {url} (waiting up to {wait:g} s)")

    def reports() -> list[StatusReceived]:
        return [r for r in ctx.hub.statuses if r.case_id == case_id]

    # With a control hook the report is made while the control request is answered;
    # a short wait covers a system that queues it instead.
    limit = min(wait, CONTROLLED_WAIT_S) if ctx.settings.control else wait
    await ctx.wait_for(lambda: any(r.accepted for r in reports()), limit)
    received = reports()
    if not received:
        hint = ""
        if not ctx.settings.control and ctx.settings.mode is Mode.PUSH:
            hint = " (the reference push simulator reports on request: give --control)"
        check.fail(
            f"/v1/cases/{case_id}/status",
            f"no status report for the case arrived within {limit:g} s{hint}",
        )
        return
    accepted = [r for r in received if r.accepted]
    if not accepted:
        for report in received:
            check.extend_or_fail(report.problems, "/status-report", f"answered {report.answered}")
        return
    report = accepted[0]
    check.summary = f"code {report.code!r} ({report.meaning}), signed by {report.keyid}"
    if len(received) > 1:
        check.note(f"{len(received)} reports for the case; the first accepted one decides")
