"""The operator console: ``/console`` and its forms.

Login with :func:`saphan.engine.operators.login` (session cookie, see
:mod:`saphan.web.session`); every POST checks its CSRF token. Viewers read everything the
dashboard shows; replaying a dead letter and reading, repairing or replaying a
quarantined record need the ``operator`` role. Every action is recorded in
``operator_actions``: logins (also failed ones), logouts, refusals, and the replays and
reads the engine records itself.

What it does not do: decide anything about transfers or records (the engine's
:mod:`~saphan.engine.operations` does, and raises its own errors, shown here as pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.engine import operations, operators
from saphan.engine.operators import Operator
from saphan.engine.services import Services
from saphan.errors import (
    AuthenticationError,
    ConflictError,
    InputError,
    NotFoundError,
    TooManyRequests,
)
from saphan.web import charts, panels, session
from saphan.web.rawtext import decode_raw, encode_raw
from saphan.web.render import Page, format_age
from saphan.web.texts import LANGS

router = APIRouter(prefix="/console", include_in_schema=False)
FormText = Annotated[str, Form()]
#: What a panel shows of one transfer or quarantined record.
_Item = TypeVar("_Item")


def _record(svc: Services, operator: str, action: str, target: str | None, outcome: str) -> None:
    with svc.db.writer.begin() as conn:
        operations.record_action(conn, svc, operator, action, target, outcome)


def may_act(op: Operator) -> bool:
    """Whether ``op`` may replay and repair (the ``operator`` role or above)."""
    return operators.ROLES.index(op.role) >= operators.ROLES.index("operator")


def _to_login(request: Request) -> RedirectResponse:
    lang = request.query_params.get("lang")
    suffix = f"?lang={lang}" if lang in LANGS else ""
    return RedirectResponse(f"/console/login{suffix}", status_code=303)


@dataclass(frozen=True, slots=True)
class Visit:
    """A logged-in operator's request: who, with which session, on which page."""

    svc: Services
    page: Page
    op: Operator
    token: str

    def render(self, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
        return self.page.render(
            template,
            status=status,
            op=self.op,
            csrf=session.csrf_token(self.token),
            can_act=may_act(self.op),
            **extra,
        )

    def message(self, status: int, title: str, text: str, link: str | None = None) -> HTMLResponse:
        return self.render(
            "console/message.html", status=status, title=title, message=text, link=link
        )

    def stale(self) -> HTMLResponse:
        return self.message(403, self.page.t["forbidden_title"], self.page.t["csrf_failed"])

    async def denied(self, action: str, target: str) -> HTMLResponse:
        await run_in_threadpool(_record, self.svc, self.op.username, action, target, "denied")
        text = self.page.t["forbidden"].format(role=self.op.role)
        return self.message(403, self.page.t["forbidden_title"], text)

    async def find(
        self, panel: Callable[[Services, str], _Item | None], key: str
    ) -> _Item | Response:
        """What ``panel`` shows under ``key``, or the not-found page."""
        item = await run_in_threadpool(panel, self.svc, key)
        if item is None:
            return self.message(404, self.page.t["not_found_title"], key)
        return item


async def _visit(request: Request, svc: Services) -> Visit | None:
    found = await run_in_threadpool(session.current, request, svc)
    if found is None:
        return None
    op, token = found
    return Visit(svc, Page(request, svc.directory), op, token)


async def _acting(
    request: Request, svc: Services, csrf: str, action: str, target: str
) -> Visit | Response:
    """The visit of an operator who may do ``action`` on ``target`` with this form, or the
    page that stops it, checked in this order: no session, a stale form, a role too low
    (the refusal is recorded)."""
    visit = await _visit(request, svc)
    if visit is None:
        return _to_login(request)
    if not session.csrf_ok(visit.token, csrf):
        return visit.stale()
    if not may_act(visit.op):
        return await visit.denied(action, target)
    return visit


async def _viewing(
    request: Request, svc: Services, panel: Callable[[Services, str], _Item | None], key: str
) -> tuple[Visit, _Item] | Response:
    """A logged-in visit to the page of what ``panel`` shows under ``key``, with that item;
    or the login page, or the not-found page."""
    visit = await _visit(request, svc)
    if visit is None:
        return _to_login(request)
    item = await visit.find(panel, key)
    return item if isinstance(item, Response) else (visit, item)


def _login_page(
    request: Request, svc: Services, page: Page, status: int, error: str | None, username: str
) -> HTMLResponse:
    token = session.login_token(request)
    response = page.render(
        "console/login.html", status=status, op=None, csrf=token, error=error, username=username
    )
    session.remember_login_token(response, request, svc, token)
    return response


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, svc: ServicesDep) -> Response:
    if await _visit(request, svc) is not None:
        return RedirectResponse("/console", status_code=303)
    return _login_page(request, svc, Page(request, svc.directory), 200, None, "")


def _login_allowed(request: Request) -> bool:
    """The same per-address budget as the operations API's login."""
    limiter = request.app.state.rate_limits.get("login")
    client = request.client.host if request.client else "unknown"
    return limiter is None or bool(limiter.allow(client))


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    svc: ServicesDep,
    username: FormText = "",
    password: FormText = "",
    csrf: FormText = "",
) -> Response:
    page = Page(request, svc.directory)
    # Over-long fields are cut, not refused: the answer stays a page, not an API problem.
    username, password = username[:64], password[:1024]
    if not session.login_token_ok(request, csrf):
        return _login_page(request, svc, page, 403, page.t["login_expired"], username)
    if not _login_allowed(request):
        await run_in_threadpool(
            _record, svc, username or "-", "console.login", None, "rate-limited"
        )
        return _login_page(request, svc, page, 429, page.t["login_failed"], username)
    address = request.client.host if request.client else "unknown"
    try:
        token = await run_in_threadpool(operators.login, svc, username, password, address)
    except TooManyRequests:
        await run_in_threadpool(
            _record, svc, username or "-", "console.login", None, "rate-limited"
        )
        return _login_page(request, svc, page, 429, page.t["login_failed"], username)
    except AuthenticationError:
        await run_in_threadpool(_record, svc, username or "-", "console.login", None, "failed")
        return _login_page(request, svc, page, 401, page.t["login_failed"], username)
    await run_in_threadpool(_record, svc, username, "console.login", None, "ok")
    done = RedirectResponse("/console", status_code=303)
    session.set_session(done, request, svc, token)
    return done


@router.post("/logout")
async def logout(request: Request, svc: ServicesDep, csrf: FormText = "") -> Response:
    visit = await _visit(request, svc)
    if visit is None:
        return _to_login(request)
    if not session.csrf_ok(visit.token, csrf):
        return visit.stale()
    await run_in_threadpool(operators.logout, svc, visit.token)
    await run_in_threadpool(_record, svc, visit.op.username, "console.logout", None, "ok")
    out = _to_login(request)
    session.clear_session(out)
    return out


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request, svc: ServicesDep) -> Response:
    visit = await _visit(request, svc)
    if visit is None:
        return _to_login(request)
    view = await run_in_threadpool(panels.overview, svc)
    dead = await run_in_threadpool(operations.list_dead_letters, svc)
    quarantine = await run_in_threadpool(operations.list_quarantine, svc, "open")
    t, lang = visit.page.t, visit.page.lang
    volume_chart = charts.columns(
        [(f"{d.day}", float(n)) for d, n in view.volumes], title=t["chart_volume"]
    )
    latency_chart = charts.bars(
        [(r["agency"], r["median_s"], format_age(r["median_s"], lang)) for r in view.latency],
        title=t["chart_latency"],
    )
    overdue_chart = charts.bars(
        [(a, float(n), str(n)) for a, n in view.overdue_by_agency], title=t["chart_overdue"]
    )
    return visit.render(
        "console/dashboard.html",
        view=view,
        dead=dead,
        quarantine=quarantine,
        volume_chart=volume_chart,
        latency_chart=latency_chart,
        overdue_chart=overdue_chart,
    )


@router.post("/dead-letters/{transfer_id}/replay")
async def replay_dead(
    transfer_id: str, request: Request, svc: ServicesDep, csrf: FormText = ""
) -> Response:
    visit = await _acting(request, svc, csrf, "dead_letter.replay", transfer_id)
    if not isinstance(visit, Visit):
        return visit
    where = f"/console/transfers/{quote(transfer_id, safe='')}"
    try:
        await run_in_threadpool(operations.replay_dead_letter, svc, transfer_id, visit.op.username)
    except ConflictError as err:
        title = visit.page.t["transfer_title"].format(id=transfer_id)
        return visit.message(409, title, err.detail, where)
    return RedirectResponse(f"{where}?done=replayed", status_code=303)


@router.get("/transfers/{transfer_id}", response_class=HTMLResponse)
async def transfer_page(transfer_id: str, request: Request, svc: ServicesDep) -> Response:
    found = await _viewing(request, svc, panels.transfer, transfer_id)
    if isinstance(found, Response):
        return found
    visit, item = found
    return visit.render("console/transfer.html", item=item, notice=request.query_params.get("done"))


def _repair_page(
    visit: Visit,
    item: dict[str, Any],
    raw_text: str,
    encoding: str,
    errors: list[dict[str, str]],
    problem: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The repair form of a quarantined record: as read, or again after a failed replay."""
    return visit.render(
        "console/repair.html",
        status=status,
        item=item,
        raw_text=raw_text,
        encoding=encoding,
        errors=errors,
        problem=problem,
    )


@router.get("/quarantine/{qid}", response_class=HTMLResponse)
async def quarantine_page(qid: str, request: Request, svc: ServicesDep) -> Response:
    found = await _viewing(request, svc, panels.quarantined, qid)
    if isinstance(found, Response):
        return found
    visit, item = found
    raw_text, encoding = "", "utf-8"
    if item["state"] == "open":
        # The raw bytes may hold personal data: operators only, and the read is recorded.
        if not may_act(visit.op):
            return await visit.denied("quarantine.read", qid)
        raw = await run_in_threadpool(operations.quarantined_raw, svc, qid, visit.op.username)
        raw_text, encoding = decode_raw(raw)
    return _repair_page(visit, item, raw_text, encoding, item["errors"])


@router.post("/quarantine/{qid}/replay", response_class=HTMLResponse)
async def quarantine_replay(
    qid: str,
    request: Request,
    svc: ServicesDep,
    raw: FormText = "",
    encoding: FormText = "utf-8",
    csrf: FormText = "",
) -> Response:
    visit = await _acting(request, svc, csrf, "quarantine.replay", qid)
    if not isinstance(visit, Visit):
        return visit
    item = await visit.find(panels.quarantined, qid)
    if isinstance(item, Response):
        return item
    t = visit.page.t

    def again(problem: str, errors: list[dict[str, str]]) -> HTMLResponse:
        return _repair_page(visit, item, raw, encoding, errors, problem, status=422)

    try:
        # An empty text area replays the record as it was (the cause was elsewhere).
        body = encode_raw(raw, encoding) if raw.strip() else None
    except InputError:
        return again(t["repair_encoding"].format(encoding=encoding), item["errors"])
    try:
        await run_in_threadpool(operations.replay_quarantine, svc, qid, visit.op.username, body)
    except (NotFoundError, ConflictError) as err:
        where = f"/console/quarantine/{quote(qid, safe='')}"
        return visit.message(err.http_status, t["repair_title"], err.detail, where)
    except InputError as err:
        return again(t["repair_still"], [p.as_dict() for p in err.problems])
    return RedirectResponse(
        f"/console/quarantine/{quote(qid, safe='')}?done=replayed", status_code=303
    )
