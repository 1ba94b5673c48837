"""Satisfaction ratings over HTTP.

* ``POST /v1/track/{tracking_no}/rating``: public; a citizen (or an agency's app acting
  for one) rates a closed case with its one-time rating code. Rate limited like tracking.
* ``GET /v1/ratings``: a signed agency call; the ratings attributed to the calling agency,
  comments opened.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from saphan.api.deps import AgencyDep, ServicesDep
from saphan.api.problems import PROBLEMS, problem_response
from saphan.api.ratelimit import check_rate
from saphan.engine import ratings

router = APIRouter(tags=["ratings"], responses=PROBLEMS)


class RatingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=ratings.MAX_TOKEN, description="rating code")
    score: int = Field(ge=1, le=5, description="1 (very dissatisfied) to 5 (very satisfied)")
    comment: str | None = Field(default=None, max_length=ratings.MAX_COMMENT)


@router.post(
    "/v1/track/{tracking_no}/rating",
    status_code=201,
    summary="Rate a closed case once, with its one-time rating code (public)",
    responses={409: problem_response("already rated, or not closed yet")},
)
async def post_rating(
    tracking_no: str, body: RatingBody, request: Request, svc: ServicesDep
) -> dict[str, Any]:
    check_rate(request, "track")
    return await run_in_threadpool(
        ratings.rate, svc, tracking_no, body.token, body.score, body.comment
    )


@router.get("/v1/ratings", summary="Ratings attributed to the calling agency, newest first")
async def get_ratings(
    caller: AgencyDep,
    svc: ServicesDep,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=ratings.MAX_PAGE)] = 100,
) -> dict[str, Any]:
    items = await run_in_threadpool(
        lambda: ratings.ratings_for(svc, caller.agency, since=since, limit=limit)
    )
    return {"agency": caller.agency, "ratings": items}
