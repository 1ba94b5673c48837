"""Reading fields of a Damrongtham document while collecting every problem.

A :class:`Reader` is handed from field to field (:mod:`.parse`, :mod:`._complainant`,
:mod:`._attachments`). Each reading step either returns a value or records a problem at the
element's path and returns None, so one pass finds everything wrong with a message. It also
gathers warnings (kept cases with doubtful data) and the tracking number seen.

The parts of a case are read into plain dictionaries (:data:`Part`), and the canonical case
is validated once, as a whole, when every part is read (:func:`.parse.read_case`): one
validation of the whole costs about what three parts cost one by one.

What it does not do: decide what a whole case is (see :mod:`.parse`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from lxml import etree

from saphan.canonical import Area, Warning
from saphan.errors import Problem
from saphan.reference.calendar import be_instant
from saphan.translate.crosswalk import crosswalks

from . import _places
from ._names import LOCAL, TABLES, ascii_digits
from ._schema import FORMS

#: a BE date-time as the format writes it (the XSD's form), its parts in groups
_BE_FORM: Final = re.compile(
    r"([0-9]{2})/([0-9]{2})/([0-9]{4}) ([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?"
)
#: one part of the canonical case, as the keyword arguments of its model
Part = dict[str, Any]


def children(element: etree._Element) -> dict[str, etree._Element]:
    """The format's own children by local name (the first of each; the XSD reports repeats)."""
    out: dict[str, etree._Element] = {}
    own = LOCAL.get  # comments and processing instructions were dropped while parsing
    for child in element:
        name = own(child.tag)
        if name is not None and name not in out:
            out[name] = child
    return out


def text(element: etree._Element | None) -> str | None:
    """The element's text without surrounding white space; None when absent or empty."""
    if element is None:
        return None
    value = element.text  # lxml makes a new string from the node at every access: once
    return None if value is None else value.strip() or None


@dataclass
class Reader:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    tracking_no: str | None = None
    #: how many of the format's own attributes were found: every one is read through
    #: :meth:`attr` or :meth:`optional`, once (a test holds this over every attribute), so
    #: that :func:`._extensions.collect` can tell that a document has no others
    attributes: int = 0

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def need(self, kids: dict[str, etree._Element], name: str, at: str) -> etree._Element | None:
        element = kids.get(name)
        if element is None:
            self.problem(f"{at}/{name}", "required element is missing")
        return element

    def need_text(self, kids: dict[str, etree._Element], name: str, at: str) -> str | None:
        """:meth:`need` and :func:`text` in one step (read for most fields of a case)."""
        element = kids.get(name)
        if element is None:
            self.problem(f"{at}/{name}", "required element is missing")
            return None
        value = element.text
        value = None if value is None else value.strip() or None
        if value is None:
            self.problem(f"{at}/{name}", "must not be empty")
        return value

    def attr(self, element: etree._Element, name: str, at: str) -> str | None:
        value = element.get(name)
        if value is None:
            self.problem(f"{at}/@{name}", "required attribute is missing")
        else:
            self.attributes += 1
        return value

    def optional(self, element: etree._Element, name: str) -> str | None:
        """An attribute the format defines but does not require."""
        value = element.get(name)
        if value is not None:
            self.attributes += 1
        return value

    def code(self, element: etree._Element | None, attr: str, scheme: str, at: str) -> str | None:
        """A coded attribute, checked against its table (D1-D5)."""
        if element is None:
            return None
        value = self.attr(element, attr, at)
        if value is not None and not crosswalks().is_code(scheme, value):
            self.problem(f"{at}/@{attr}", f"{value!r} is not a code of table {TABLES[scheme]}")
            return None
        return value

    def instant(self, value: str | None, path: str) -> datetime | None:
        """A BE date-time in Thai time (Thai digits allowed) that must be a real one."""
        if value is None:
            return None
        # what saphan.reference.calendar.parse_be_datetime reads, read once: the same
        # text (stripped, Thai digits as ASCII), the same parts, the same instant
        m = _BE_FORM.fullmatch(ascii_digits(value.strip()))
        if m is None:
            self.problem(path, f"{value!r} is not {FORMS['ReceivedAt']}")
            return None
        try:
            return be_instant(*m.groups())
        except ValueError:
            self.problem(path, f"{value!r} is not a real date and time")
            return None

    def area(self, kids: dict[str, etree._Element], at: str) -> Area | None:
        """The area named by ``Tambon``/``Amphoe``/``Changwat`` under ``at``."""
        names = [self.need_text(kids, name, at) for name in ("Tambon", "Amphoe", "Changwat")]
        tambon, amphoe, changwat = names
        if tambon is None or amphoe is None or changwat is None:
            return None
        found = _places.resolve(tambon, amphoe, changwat, at)
        if isinstance(found, Problem):
            self.problems.append(found)
            return None
        return found
