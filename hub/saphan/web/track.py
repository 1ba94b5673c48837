"""The citizens' pages: ``/track`` (where is my case) and ``/track/rate`` (rate it once).

Both show only what :func:`saphan.engine.queries.track` returns (codes, agencies, dates,
status words), never personal data or the complaint's text. Lookups and rating attempts
share the public rate limit of ``GET /v1/track``; an exceeded limit gets a friendly page.

The rating form needs no session or CSRF token: the one-time rating code it carries is
the secret, and a forged submission would need it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import ServicesDep
from saphan.api.ratelimit import TokenBucket
from saphan.engine import queries, ratings
from saphan.engine.services import Services
from saphan.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from saphan.store.vault import Erased
from saphan.web.render import Page, as_instant

router = APIRouter(include_in_schema=False)
MAX_TRACKING = 64


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the public timeline."""

    at: str
    kind: str  # received | status | forward | copy
    agency: str | None
    to: str | None = None
    status: str | None = None
    state: str | None = None
    delivered_at: str | None = None
    deadline: str | None = None


def steps(result: dict[str, Any]) -> list[Step]:
    """The timeline of a tracking result, oldest first: intake, hand-overs, statuses."""
    out: list[tuple[str, int, int, Step]] = []
    for i, s in enumerate(result["statuses"]):
        kind = "received" if i == 0 else "status"
        out.append(
            (s["at"], 0 if i == 0 else 2, i, Step(s["at"], kind, s["agency"], None, s["status"]))
        )
    for i, h in enumerate(result["handovers"]):
        out.append(
            (
                h["at"],
                1,
                i,
                Step(
                    at=h["at"],
                    kind="copy" if h["kind"] == "copy" else "forward",
                    agency=h["from"],
                    to=h["to"],
                    state=h["state"],
                    delivered_at=h["delivered_at"],
                    deadline=h["deadline"],
                ),
            )
        )
    out.sort(key=lambda item: (as_instant(item[0]), item[1], item[2]))
    return [item[3] for item in out]


def allowed(request: Request) -> bool:
    buckets: dict[str, TokenBucket] = getattr(request.app.state, "rate_limits", {})
    limiter = buckets.get("track")
    client = request.client.host if request.client else "unknown"
    return limiter is None or limiter.allow(client)


def _status_words(page: Page, status: str) -> str:
    th, en = queries.STATUS_WORDS.get(status, (status, status))
    return en if page.lang == "en" else th


@router.get("/track", response_class=HTMLResponse)
async def track_page(request: Request, svc: ServicesDep, no: str | None = None) -> HTMLResponse:
    page = Page(request, svc.directory)
    number = ratings.normalise_tracking(no or "")[:MAX_TRACKING]
    if no is None:
        return page.render("track.html", no="", result=None, error=None)
    if not number:
        return page.render("track.html", status=422, no="", result=None, error="empty")
    if not allowed(request):
        return page.render("track.html", status=429, no=number, result=None, error="slow")
    try:
        result = await run_in_threadpool(queries.track, svc, number)
    except NotFoundError:
        return page.render("track.html", status=404, no=number, result=None, error="unknown")
    return page.render(
        "track.html",
        no=number,
        result=result,
        error=None,
        steps=steps(result),
        status_words=_status_words(page, result["status"]),
        words=lambda s: _status_words(page, s),
    )


def _rate_page(
    page: Page,
    *,
    status: int = 200,
    no: str,
    code: str,
    notice: str | None = None,
    errors: list[str] | None = None,
    agency: str | None = None,
    score: str | None = None,
    comment: str = "",
    show_form: bool = True,
    case_status: str | None = None,
) -> HTMLResponse:
    return page.render(
        "rate.html",
        status=status,
        switch_url=page.switch_url(no=no),
        no=no,
        code=code,
        notice=notice,
        errors=errors or [],
        rate_agency=agency,
        score=score,
        comment=comment,
        show_form=show_form,
        case_status=_status_words(page, case_status) if case_status else "",
    )


def _check(svc: Services, no: str, code: str) -> ratings.RatingState | dict[str, Any]:
    if code:
        return ratings.rating_state(svc, no, code)
    return queries.track(svc, no)


@router.get("/track/rate", response_class=HTMLResponse)
async def rate_form(
    request: Request, svc: ServicesDep, no: str = "", code: str = ""
) -> HTMLResponse:
    page = Page(request, svc.directory)
    number = ratings.normalise_tracking(no)[:MAX_TRACKING]
    code = code.strip()[: ratings.MAX_TOKEN]
    if not number:
        return page.render("track.html", status=422, no="", result=None, error="empty")
    if not allowed(request):
        return page.render("track.html", status=429, no=number, result=None, error="slow")
    try:
        state = await run_in_threadpool(_check, svc, number, code)
    except NotFoundError:
        return page.render("track.html", status=404, no=number, result=None, error="unknown")
    except ForbiddenError:
        return _rate_page(page, status=403, no=number, code="", errors=[page.t["rate_bad_code"]])
    if isinstance(state, dict):
        closing = [s["agency"] for s in state["statuses"] if s["status"] in ratings.CLOSED]
        closed, status, rated = state["closed"], state["status"], False
        agency = closing[-1] if closing else None
    else:
        closed, status, rated, agency = state.closed, state.status, state.rated, state.agency
    if rated:
        return _rate_page(page, status=409, no=number, code="", notice="again", show_form=False)
    if not closed:
        return _rate_page(
            page, no=number, code="", notice="open", show_form=False, case_status=status
        )
    return _rate_page(page, no=number, code=code, agency=agency)


def _field_errors(page: Page, err: InputError) -> list[str]:
    words = {"/score": "err_score", "/comment": "err_comment", "/token": "err_code"}
    found = [page.t[words[p.path]] for p in err.problems if p.path in words]
    return found or [err.detail]


@router.post("/track/rate", response_class=HTMLResponse)
async def rate_submit(
    request: Request,
    svc: ServicesDep,
    no: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    score: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
) -> HTMLResponse:
    page = Page(request, svc.directory)
    number = ratings.normalise_tracking(no)[:MAX_TRACKING]
    code = code.strip()
    if not code:
        return _rate_page(
            page,
            status=422,
            errors=[page.t["err_code"]],
            no=number,
            code=code,
            score=score,
            comment=comment,
        )
    if not allowed(request):
        return page.render("track.html", status=429, no=number, result=None, error="slow")
    try:
        done = await run_in_threadpool(ratings.rate, svc, number, code, score or None, comment)
    except ratings.AlreadyRated:
        return _rate_page(page, status=409, no=number, code="", notice="again", show_form=False)
    except ratings.NotClosed as err:
        status = str(err.extra.get("case_status", ""))
        return _rate_page(
            page, status=409, no=number, code="", notice="open", show_form=False, case_status=status
        )
    except Erased:
        return _rate_page(page, status=404, no=number, code="", notice="erased", show_form=False)
    except NotFoundError:
        return page.render("track.html", status=404, no=number, result=None, error="unknown")
    except ForbiddenError:
        return _rate_page(
            page,
            status=403,
            errors=[page.t["rate_bad_code"]],
            no=number,
            code="",
            score=score,
            comment=comment,
        )
    except ConflictError as err:
        return _rate_page(page, status=409, no=number, code="", errors=[err.detail])
    except InputError as err:
        return _rate_page(
            page,
            status=422,
            errors=_field_errors(page, err),
            no=number,
            code=code,
            score=score,
            comment=comment,
        )
    return page.render(
        "rated.html",
        status=201,
        switch_url=f"/track?{urlencode({'no': number, 'lang': page.other})}",
        no=number,
        rated_agency=done["agency"],
    )
