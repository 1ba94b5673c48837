"""Writing a canonical case as a Damrongtham message for one receiver.

Holder field: the receiver decides ``Center``. A receiver that is a Damrongtham center
(``MOI-DRT-PPDD``, ``MOI-DRT-PP``, ``MOI-DRT``) is written as itself: level ``AMPHOE`` with
code ``PPDD`` and the name ``ศูนย์ดำรงธรรมอำเภอ<district>`` (Bangkok district names already
start with เขต), ``CHANGWAT`` with ``PP00`` and ``ศูนย์ดำรงธรรมจังหวัด<province>``, or
``CENTRAL`` with ``0000``. A receiver that is not a Damrongtham center (for instance
``saphan translate`` writing a case in this format for the Ombudsman) gets the center that
would hold the case: the case's sender when that is a Damrongtham center, else the provincial
center of the incident's province, else of the complainant's province, else the central one.

What the other elements get (``TrackingNo``, the codes, ``Status``, addresses, the
complainant) is :mod:`._elements`'; content the format does not define, kept from an
earlier Damrongtham message, is written back (:mod:`._extensions`).

No message leaves that the XSD would refuse. The text is written directly
(:mod:`._writer`); values the canonical case may hold but the XSD does not accept (an
e-mail address without ``@``, an empty subject, a media type or base64 the schema refuses,
a year that is not four digits in BE, ...) are screened as they are written
(:mod:`._screens`), and when a screen trips the message is checked against the XSD, which
then words the problems; ``check=True`` checks every message. It is written in UTF-8
unless the receiver's ``encoding`` option asks for TIS-620 or windows-874. A character the
target encoding cannot hold raises :class:`~saphan.errors.InputError` naming the element
and the character (:mod:`._encoding` says why). Every problem is reported at once: a
problem with the case's content points into the canonical case (``/origin``,
``/complainant/phone``), one with the message being written points into the XML
(``/Case/Detail``).

What it does not do: choose the receiver (routing does), or carry what the format has no
place for (a second case number, complexity, deadlines, secrecy, a status note): the hub
keeps those with the case for later holders whose formats have a place for them.
"""

from __future__ import annotations

from lxml import etree

from saphan.canonical import Case
from saphan.errors import InputError
from saphan.translate.adapter import Receiver

from . import _encoding, _extensions, _places, _schema, _writer
from ._elements import CaseWriter
from ._names import CENTRAL_AGENCY, Center, center_for_agency, provincial_center


def render_case(case: Case, receiver: Receiver, *, check: bool = False) -> bytes:
    """The Damrongtham message of ``case`` for ``receiver`` (see the module docstring);
    ``check`` checks it against the XSD even when no screen asks for it."""
    encoding = _encoding.for_output(receiver.options)
    writer = CaseWriter()
    body = writer.write(case, holder_center(case, receiver))
    problems = writer.problems
    root = None
    if writer.unwritable:
        root, found = _writer.locate_unwritable(body)
        problems.extend(found)
    kept = case.extensions.get(_extensions.KEY)
    if kept:
        root = _writer.tree(body) if root is None else root
        problems.extend(_extensions.restore(root, kept))
    if problems:
        raise InputError.from_problems(problems, "the case cannot be written as damrongtham")
    if root is not None:
        _writer.indent(root)
        body = etree.tostring(root, encoding="unicode")
    if check or writer.doubtful or root is not None:
        invalid = _schema.check(_writer.tree(body) if root is None else root)
        if invalid:
            raise InputError.from_problems(invalid, "the damrongtham message would not be valid")
    head = f'<?xml version="1.0" encoding="{encoding.label}"?>\n'
    if root is None and encoding is _encoding.UTF8 and writer.head_utf8 is not None:
        # the text as written, in UTF-8: most of it was encoded while it was screened
        rest = body[writer.head_length :] + "\n"
        return head.encode("ascii") + writer.head_utf8 + rest.encode("utf-8")
    written = _encoding.encode(head + body + "\n", encoding)
    if written is None:
        raise InputError.from_problems(
            _writer.unwritable_in(_writer.tree(body) if root is None else root, encoding),
            f"the case cannot be written in {encoding.label}",
        )
    return written


def holder_center(case: Case, receiver: Receiver) -> Center:
    """The ``Center`` written for ``receiver`` (see the module docstring)."""
    found = center_for_agency(receiver.agency)
    if found is not None:
        return found
    if case.sender is not None:
        found = center_for_agency(case.sender)
        if found is not None:
            return found
    address = case.complainant.address
    for area in (
        case.incident.area if case.incident else None,
        address.area if address else None,
    ):
        province = _places.area_province(area)
        found = center_for_agency(provincial_center(province)) if province else None
        if found is not None:
            return found
    central = center_for_agency(CENTRAL_AGENCY)
    assert central is not None
    return central
