"""The ``occ`` adapter: Ombudsman Complaint Coordination JSON 2.1, one case per message.

Glue only: safe JSON loading (:mod:`saphan.translate.jsonload`), the wire model and its
mapping (:mod:`saphan_occ.parse`) and the renderer (:mod:`saphan_occ.render`).
"""

from __future__ import annotations

from typing import ClassVar

from saphan.canonical import Case
from saphan.translate.adapter import Adapter, Parsed, Receiver, Record
from saphan.translate.jsonload import load_object
from saphan.translate.jsonwrite import dumps
from saphan_occ.parse import FORMAT, parse_document, tracking_no
from saphan_occ.render import render_document


class OccAdapter(Adapter):
    """Reads and writes OCC 2.1 documents (see :mod:`saphan_occ`)."""

    name: ClassVar[str] = FORMAT
    media_type: ClassVar[str] = "application/json"
    batch: ClassVar[bool] = False

    def _parse(self, data: bytes) -> Parsed:
        raw, structural = load_object(data, self.limits)
        case, problems = parse_document(raw)
        problems = structural + problems
        record = Record(
            index=0,
            raw=data,
            case=None if problems else case,
            problems=tuple(problems),
            tracking_no=tracking_no(raw),
        )
        return Parsed(self.name, (record,))

    def _render(self, cases: list[Case], receiver: Receiver) -> bytes:
        return dumps(render_document(cases[0], receiver))
