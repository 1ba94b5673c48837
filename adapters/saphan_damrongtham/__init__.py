"""Damrongtham Center exchange XML 1.2 (Ministry of Interior) ⇔ the canonical case.

One message holds one case. :mod:`.parse` reads it (encodings, hostile input, XSD, every
problem at once), :mod:`.render` writes it for a receiver; the format's names, encodings,
places, street lines, schema messages and extensions each have a small module of their own.
The XSD is ``schemas/agencies/damrongtham.xsd``.

Like every adapter it is pure: no I/O beyond reading its XSD once, no clock, no network;
routing, storage and signatures are the hub's.
"""

from __future__ import annotations

from typing import ClassVar

from saphan.canonical import Case
from saphan.translate.adapter import Adapter, Parsed, Receiver

from .parse import parse_message
from .render import render_case

__all__ = ["DamrongthamAdapter"]


class DamrongthamAdapter(Adapter):
    """Reads and writes Damrongtham Center exchange XML, version 1.2."""

    name: ClassVar[str] = "damrongtham"
    media_type: ClassVar[str] = "application/xml"

    def __init__(self, *, check_output: bool = False) -> None:
        #: check every message written against the XSD, not only those whose values a
        #: screen doubts (see :mod:`.render`); the tests use it to prove the screens
        self.check_output = check_output

    def _parse(self, data: bytes) -> Parsed:
        return Parsed(self.name, (parse_message(data, self.limits),))

    def _render(self, cases: list[Case], receiver: Receiver) -> bytes:
        return render_case(cases[0], receiver, check=self.check_output)
