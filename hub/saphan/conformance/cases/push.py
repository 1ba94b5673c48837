"""The agency's push endpoint, with the suite as the hub (hub contract, "Push mode",
"Authentication of requests", "Receipts").

Every case delivers under fresh transfer and case ids, so no case depends on what an
earlier one left at the agency. Required: a valid receipt over the exact bytes
(``push-receipt``), a redelivery acknowledged without new processing
(``push-redelivery``), 401 for an unsigned (``push-unsigned-refused``) and a tampered
(``push-tampered-refused``) request, a 4xx problem for malformed bodies
(``push-malformed-refused``). Optional: 401 for a key the hub never published, an
expired signature, and a replayed request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypedDict, Unpack

from saphan.conformance.context import Context, new_id
from saphan.conformance.fixtures import malformed_bodies
from saphan.conformance.model import Level
from saphan.conformance.pusher import Answer, Prepared, Pusher
from saphan.conformance.receiptcheck import read_statement, receipt_problems
from saphan.conformance.registry import CaseGroup, Check
from saphan.conformance.settings import Mode
from saphan.errors import Problem
from saphan.ledger.keys import SigningKey

push_case = CaseGroup("push", (Mode.PUSH,))
AUTH = "hub-contract.md: Authentication of requests"


@push_case(
    "push-receipt",
    title="A delivery is acknowledged with a valid receipt over the exact bytes",
    level=Level.REQUIRED,
    spec="hub-contract.md: Push mode; Receipts",
)
async def push_receipt(ctx: Context, check: Check) -> None:
    message = ctx.message()
    prepared, answer = await ctx.pusher.deliver(
        message.body, message.media_type, transfer_id=new_id(), case_id=new_id()
    )
    if not answer.ok:
        check.fail("/answer", f"the delivery was not acknowledged: {answer.brief()}")
        return
    jws = answer.receipt
    if jws is None:
        check.fail("/answer/receipt", f'{answer.brief()} without {{"receipt": "<JWS>"}}')
        return
    check.extend(_judge(ctx, prepared, jws))
    check.summary = (
        f"a receipt signed by the agency's key for this case and transfer, over SHA-256 "
        f"{message.sha256[:16]}…"
    )


def _judge(ctx: Context, prepared: Prepared, jws: str) -> list[Problem]:
    return receipt_problems(
        jws,
        ctx.settings.agency_keys,
        case_id=prepared.case_id,
        transfer_id=prepared.transfer_id,
        receiver=ctx.settings.agency,
        body=prepared.body,
        sent_at=prepared.sent_at,
    )


def _processed(state: dict[str, Any] | None, transfer_id: str) -> int | None:
    """``times_processed`` of a transfer in a reference-simulator-style state."""
    transfers = state.get("transfers") if state else None
    entry = transfers.get(transfer_id) if isinstance(transfers, dict) else None
    value = entry.get("times_processed") if isinstance(entry, dict) else None
    return value if isinstance(value, int) else None


@push_case(
    "push-redelivery",
    title="A redelivery of the same transfer is acknowledged without new processing",
    level=Level.REQUIRED,
    spec="hub-contract.md: Push mode (a redelivery carries the same transfer id)",
)
async def push_redelivery(ctx: Context, check: Check) -> None:
    message = ctx.message()
    transfer_id, case_id = new_id(), new_id()
    pusher = ctx.pusher
    _, first = await pusher.deliver(
        message.body, message.media_type, transfer_id=transfer_id, case_id=case_id
    )
    if not first.ok or first.receipt is None:
        check.fail("/first", f"the first delivery was not acknowledged: {first.brief()}")
        return
    _, again = await pusher.deliver(
        message.body, message.media_type, transfer_id=transfer_id, case_id=case_id
    )
    if not again.ok or again.receipt is None:
        check.fail("/redelivery", f"the redelivery was not acknowledged: {again.brief()}")
        return
    one, two = read_statement(first.receipt), read_statement(again.receipt)
    if one is None or two is None:
        check.fail("/receipt", "a receipt's payload cannot be read (push-receipt says why)")
        return
    for name in ("case_id", "transfer_id", "sha256", "receiver"):
        if getattr(one, name) != getattr(two, name):
            check.fail(
                f"/redelivery/receipt/payload/{name}",
                f"{getattr(two, name)!r}; the first receipt said {getattr(one, name)!r}",
            )
    if first.receipt == again.receipt:
        check.note("the redelivery got the first receipt again")
    else:
        check.note(
            f"the redelivery got a new receipt for the same bytes (time {one.time.isoformat()} "
            f"then {two.time.isoformat()})"
        )
    state = await ctx.agency_state()
    if state is None:
        check.note("no --control: new processing is judged from the receipts alone")
    else:
        processed = _processed(state, transfer_id)
        if processed is None:
            check.note("the agency's state does not say how often the transfer was processed")
        elif processed != 1:
            check.fail(
                f"/state/transfers/{transfer_id}/times_processed",
                f"processed {processed} times; a redelivery must not be processed again",
            )
    check.summary = "the redelivery was acknowledged for the same case, transfer and bytes"
    if state is not None and not check.failed:
        check.summary += ", processed once"


def _refused(check: Check, answer: Answer, what: str) -> None:
    """A refusal the contract wants: 401, and no receipt."""
    if answer.ok:
        extra = " and answered a receipt" if answer.receipt else ""
        check.fail("/answer", f"{what} was accepted ({answer.brief()}){extra}")
    elif answer.status != 401:
        check.fail("/answer/status", f"{what} got {answer.brief()}; expected 401")
    if not answer.ok and answer.has_receipt_member:
        check.fail("/answer/receipt", "a refusal must not carry a receipt")


class _Variant(TypedDict, total=False):
    """How a push departs from the hub's own (:meth:`Pusher.prepare`'s options)."""

    sign: bool
    key: SigningKey
    at: datetime


def _fresh_push(ctx: Context, **variant: Unpack[_Variant]) -> tuple[Pusher, Prepared]:
    """A push of the first message under fresh transfer and case ids, prepared with
    ``variant``; and the client to send it."""
    message = ctx.message()
    pusher = ctx.pusher
    prepared = pusher.prepare(
        message.body, message.media_type, transfer_id=new_id(), case_id=new_id(), **variant
    )
    return pusher, prepared


async def _expect_refusal(
    ctx: Context, check: Check, what: str, **variant: Unpack[_Variant]
) -> None:
    """Send a push the hub would never make (see :func:`_fresh_push`); it must be refused."""
    pusher, prepared = _fresh_push(ctx, **variant)
    _refused(check, await pusher.send(prepared), what)
    check.summary = "refused with 401"


@push_case(
    "push-unsigned-refused",
    title="An unsigned push is refused with 401",
    level=Level.REQUIRED,
    spec=AUTH,
)
async def push_unsigned_refused(ctx: Context, check: Check) -> None:
    await _expect_refusal(ctx, check, "a request without a signature", sign=False)


@push_case(
    "push-tampered-refused",
    title="A push whose body changed after signing is refused with 401",
    level=Level.REQUIRED,
    spec=f"{AUTH} (content-digest, RFC 9530)",
)
async def push_tampered_refused(ctx: Context, check: Check) -> None:
    pusher, prepared = _fresh_push(ctx)
    # A change that keeps the message valid, so only the digest and signature can catch it.
    answer = await pusher.send(prepared, body=prepared.body + b"\n")
    _refused(check, answer, "a request whose body changed after signing")
    check.summary = "refused with 401"


@push_case(
    "push-malformed-refused",
    title="A malformed body gets a 4xx problem, never a 5xx or a receipt",
    level=Level.REQUIRED,
    spec="hub-contract.md: Push mode; RFC 9457 problem details",
)
async def push_malformed_refused(ctx: Context, check: Check) -> None:
    bodies = malformed_bodies(ctx.adapter, ctx.message().body)
    pusher = ctx.pusher
    for name, body in bodies:
        where = f"/bodies/{name}"
        _, answer = await pusher.deliver(
            body, ctx.adapter.media_type, transfer_id=new_id(), case_id=new_id()
        )
        if answer.status >= 500:
            check.fail(where, f"{answer.brief()}: a malformed body must get a 4xx, never a 5xx")
        elif answer.ok or answer.has_receipt_member:
            check.fail(where, f"acknowledged ({answer.brief()}); it must be refused")
        elif not 400 <= answer.status < 500:
            check.fail(where, f"{answer.brief()}; expected a 4xx")
        elif not answer.is_problem:
            check.fail(where, f"{answer.brief()}: a refusal must be application/problem+json")
        else:
            check.note(f"{name}: {answer.brief()}")
    check.summary = f"{len(bodies)} malformed bodies refused with a 4xx problem"


@push_case(
    "push-foreign-key-refused",
    title="A push signed with a key the hub never published is refused with 401",
    level=Level.OPTIONAL,
    spec=AUTH,
)
async def push_foreign_key_refused(ctx: Context, check: Check) -> None:
    stranger = SigningKey.generate()
    await _expect_refusal(ctx, check, "a request signed by an unknown key", key=stranger)


@push_case(
    "push-expired-refused",
    title="A push whose signature has expired is refused with 401",
    level=Level.OPTIONAL,
    spec=f"{AUTH} (created, expires)",
)
async def push_expired_refused(ctx: Context, check: Check) -> None:
    long_ago = ctx.settings.clock.now() - timedelta(hours=2)
    await _expect_refusal(ctx, check, "a request signed two hours ago", at=long_ago)


@push_case(
    "push-replay-refused",
    title="The same signed request sent twice is refused the second time with 401",
    level=Level.OPTIONAL,
    spec=f"{AUTH} (a reused keyid and nonce is a replay)",
)
async def push_replay_refused(ctx: Context, check: Check) -> None:
    pusher, prepared = _fresh_push(ctx)
    first = await pusher.send(prepared)
    if not first.ok:
        check.fail("/first", f"the original request was not accepted: {first.brief()}")
        return
    _refused(check, await pusher.send(prepared), "a replay of an accepted request")
    check.summary = "the replay was refused with 401"
