"""The hub's web pages: public tracking and rating for citizens, the operator console.

Server-rendered (Jinja2), in Thai with English as a switch, usable on a phone and with a
keyboard; every file a page needs (CSS, script, fonts) is served by the hub itself under
``/static``. :data:`router` holds the pages; :func:`mount` adds the static files to an app.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from saphan.web import console, track
from saphan.web.render import STATIC_DIR

router = APIRouter(include_in_schema=False)
router.include_router(track.router)
router.include_router(console.router)


@router.get("/")
async def home() -> RedirectResponse:
    """A person who types the bare address lands on the tracking page."""
    return RedirectResponse("/track", status_code=307)


def mount(app: FastAPI) -> None:
    """Serve the pages' CSS, script and fonts at ``/static``."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")


__all__ = ["mount", "router"]
