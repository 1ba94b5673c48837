"""The agency's pull client, with the suite as the hub serving its inbox (hub contract,
``GET /v1/inbox`` and ``POST /v1/transfers/{id}/receipt``).

``pull-acknowledge`` puts transfers in the inbox and waits (``--wait``) for the client
to pull every one and acknowledge it with a valid receipt over the exact bytes.
``pull-acknowledge-once`` then keeps listing them, as a hub whose lease ran out would,
and checks the client does not acknowledge any of them again. The optional
``pull-lost-acknowledgement`` loses the answer to one acknowledgement and checks the
client acknowledges that transfer again, for the same bytes.
"""

from __future__ import annotations

from saphan.conformance.context import Context, new_id
from saphan.conformance.inbox import InboxItem
from saphan.conformance.model import Level
from saphan.conformance.receiptcheck import read_statement
from saphan.conformance.registry import CaseGroup, Check
from saphan.conformance.settings import Mode

pull_case = CaseGroup("pull", (Mode.PULL,))
INBOX = "hub-contract.md: GET /v1/inbox, POST /v1/transfers/{transfer_id}/receipt"
#: Transfers offered at once: enough to see the client take a page, few enough to be quick.
OFFERED = 3
#: Polls the client must make after the transfers were re-listed.
RELIST_POLLS = 2


def _offer(ctx: Context, index: int) -> InboxItem:
    message = ctx.message(index)
    item = InboxItem(
        transfer_id=new_id(),
        case_id=new_id(),
        format=ctx.adapter.name,
        media_type=message.media_type,
        body=message.body,
        created_at=ctx.settings.clock.now(),
    )
    ctx.hub.inbox.add(item)
    ctx.hub.cases.add(item.case_id)
    return item


def _why_not(ctx: Context, check: Check, transfer_id: str) -> None:
    """Explain a transfer that was not acknowledged: its refused receipts, or silence."""
    attempts = ctx.hub.inbox.acknowledgements_of(transfer_id)
    refused = [a for a in attempts if not a.accepted]
    for attempt in refused:
        check.extend_or_fail(
            attempt.problems,
            f"/transfers/{transfer_id}",
            f"acknowledgement answered {attempt.answered}",
        )
    if not refused:
        check.fail(f"/transfers/{transfer_id}", "never acknowledged")


@pull_case(
    "pull-acknowledge",
    title="The client pulls each transfer and acknowledges it with a valid receipt",
    level=Level.REQUIRED,
    spec=f"{INBOX}; Receipts",
    after=("messages-render",),
)
async def pull_acknowledge(ctx: Context, check: Check) -> None:
    inbox = ctx.hub.inbox
    items = [_offer(ctx, index) for index in range(min(OFFERED, len(ctx.messages)))]
    wait = ctx.settings.wait_s
    ctx.say(
        f"waiting up to {wait:g} s for the agency's client to pull {len(items)} transfer(s) "
        f"from {ctx.hub.public_url}/v1/inbox"
    )
    await ctx.wait_for(lambda: all(i.transfer_id in inbox.accepted for i in items), wait)
    ctx.shared["pulled"] = [i for i in items if i.transfer_id in inbox.accepted]
    if not inbox.polls:
        check.fail("/v1/inbox", f"the client did not ask for its inbox within {wait:g} s")
        for request, problems in ctx.hub.refused[:5]:
            check.extend(problems, f"/refused/{request}")
        return
    for item in items:
        if item.transfer_id not in inbox.accepted:
            _why_not(ctx, check, item.transfer_id)
    check.note(f"{len(inbox.polls)} inbox request(s) in {wait:g} s at most")
    check.summary = f"{len(items)} transfer(s) pulled and acknowledged with valid receipts"


@pull_case(
    "pull-acknowledge-once",
    title="The client does not acknowledge a transfer twice",
    level=Level.REQUIRED,
    spec=f"{INBOX} (a transfer is delivered once)",
    after=("pull-acknowledge",),
)
async def pull_acknowledge_once(ctx: Context, check: Check) -> None:
    inbox = ctx.hub.inbox
    pulled: list[InboxItem] = ctx.shared.get("pulled", [])
    before = len(inbox.polls)
    inbox.relist_acknowledged = True
    wait = ctx.settings.wait_s
    try:
        await ctx.wait_for(lambda: len(inbox.polls) >= before + RELIST_POLLS, wait)
    finally:
        inbox.relist_acknowledged = False
    seen = len(inbox.polls) - before
    if seen == 0:
        check.fail("/v1/inbox", f"the client did not ask for its inbox again within {wait:g} s")
        return
    for item in pulled:
        attempts = inbox.acknowledgements_of(item.transfer_id)
        accepted = next((i for i, attempt in enumerate(attempts) if attempt.accepted), None)
        again = attempts[accepted + 1 :] if accepted is not None else []
        if again:
            check.fail(
                f"/transfers/{item.transfer_id}",
                f"acknowledged {len(again)} more time(s) after the hub accepted its receipt",
            )
    check.summary = (
        f"{len(pulled)} acknowledged transfer(s) listed again over {seen} poll(s); "
        "none acknowledged twice"
    )


@pull_case(
    "pull-lost-acknowledgement",
    title="The client acknowledges again when the answer to its acknowledgement is lost",
    level=Level.OPTIONAL,
    spec=f"{INBOX}; Push mode (anything else is retried)",
    after=("pull-acknowledge",),
)
async def pull_lost_acknowledgement(ctx: Context, check: Check) -> None:
    inbox = ctx.hub.inbox
    item = _offer(ctx, OFFERED)
    inbox.lose_next.add(item.transfer_id)
    await ctx.wait_for(lambda: item.transfer_id in inbox.accepted, ctx.settings.wait_s)
    attempts = inbox.acknowledgements_of(item.transfer_id)
    lost = [a for a in attempts if a.answered == 503]
    if not lost:
        _why_not(ctx, check, item.transfer_id)
        return
    if item.transfer_id not in inbox.accepted:
        check.fail(
            f"/transfers/{item.transfer_id}",
            f"not acknowledged again within {ctx.settings.wait_s:g} s after a lost answer",
        )
        return
    first = read_statement(lost[0].receipt or "")
    final = read_statement(inbox.accepted[item.transfer_id])
    if first is not None and final is not None and first.sha256 != final.sha256:
        check.fail(
            f"/transfers/{item.transfer_id}/receipt/payload/sha256",
            f"{final.sha256}; the lost acknowledgement said {first.sha256}",
        )
    same = lost[0].receipt == inbox.accepted[item.transfer_id]
    check.summary = "acknowledged again after the lost answer, " + (
        "with the same receipt" if same else "with a new receipt for the same bytes"
    )
