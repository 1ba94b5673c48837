"""Rendering pages: the Jinja2 environment, date words in Thai and English, and the
response every page goes out in (security headers, the language cookie).

Templates are autoescaped and strict (an unknown name is an error, not an empty string).
Pages send a Content-Security-Policy that allows only the hub's own files: no inline
script, no style attribute, nothing from another site.

What it does not do: decide what a page shows (the route modules do).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from saphan.directory.source import DirectorySource
from saphan.reference.calendar import BE_OFFSET, THAI_TZ
from saphan.web import texts as tx

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATES_DIR = HERE / "templates"

_MONTHS_TH = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

ENV = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def as_instant(value: str | datetime) -> datetime:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def format_date(value: str | date | None, lang: str) -> str:
    """A calendar day: ``1 ต.ค. 2567`` (Buddhist Era) or ``1 Oct 2024``."""
    if value is None:
        return ""
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    if isinstance(day, datetime):
        day = day.astimezone(THAI_TZ).date()
    if lang == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day} {_MONTHS_TH[day.month - 1]} {day.year + BE_OFFSET}"


def format_instant(value: str | datetime | None, lang: str) -> str:
    """An instant in Thai time: ``10 ก.ย. 2567 14:00 น.`` or ``10 Sep 2024, 14:00``."""
    if value is None:
        return ""
    local = as_instant(value).astimezone(THAI_TZ)
    day = format_date(local.date(), lang)
    return f"{day}, {local:%H:%M}" if lang == "en" else f"{day} {local:%H:%M} น."


def format_age(seconds: float, lang: str) -> str:
    """A duration in the largest sensible unit: ``45 s``, ``12 min``, ``3 h``, ``2 d``."""
    s = max(0.0, seconds)
    units = (
        (86400, "วัน", "d"),
        (3600, "ชม.", "h"),
        (60, "นาที", "min"),
        (1, "วินาที", "s"),
    )
    for size, th, en in units:
        if s >= size or size == 1:
            value = s / size
            text = f"{value:.0f}" if value >= 10 or size == 1 else f"{value:.1f}"
            return f"{text} {en if lang == 'en' else th}"
    raise AssertionError("unreachable")


class Page:
    """What every template gets: language, texts, formatting and agency names."""

    def __init__(self, request: Request, directory: DirectorySource | None) -> None:
        self.request = request
        self.lang, self.lang_asked = tx.choose_lang(request)
        self.other = "en" if self.lang == "th" else "th"
        self.t = tx.texts(self.lang)
        self._directory = directory

    def agency(self, code: str | None) -> str:
        """The agency's name in the page language, or its code when the directory lacks it."""
        if not code:
            return ""
        found = self._directory.find(code) if self._directory is not None else None
        if found is None:
            return code
        return found.name_en if self.lang == "en" else found.name_th

    def switch_url(self, **keep: str) -> str:
        """This page in the other language (``keep``: parameters a form had in its body)."""
        params = {**dict(self.request.query_params), **keep}
        params["lang"] = self.other
        return f"{self.request.url.path}?{urlencode(params)}"

    def context(self, **extra: Any) -> dict[str, Any]:
        return {
            "lang": self.lang,
            "other_lang": self.other,
            "t": self.t,
            "switch_url": self.switch_url(),
            "agency": self.agency,
            "date": lambda v: format_date(v, self.lang),
            "instant": lambda v: format_instant(v, self.lang),
            "age": lambda v: format_age(v, self.lang),
            "state_word": lambda v: tx.word(tx.STATE_WORDS, v, self.lang),
            **extra,
        }

    def render(self, template: str, status: int = 200, **extra: Any) -> HTMLResponse:
        html = ENV.get_template(template).render(self.context(**extra))
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        if self.lang_asked:
            response.set_cookie(
                tx.LANG_COOKIE, self.lang, max_age=365 * 86400, samesite="lax", path="/"
            )
        return response
