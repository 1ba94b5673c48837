"""The Damrongtham XSD: where it is, and its violations as short readable problems.

The schema (``schemas/agencies/damrongtham.xsd``, found through
:func:`saphan.paths.schemas_dir`) is compiled once per thread by
:func:`saphan.translate.safexml.schema`. libxml2 words its errors for schema authors
("Element '{urn:...}Detail': This element is not expected. Expected is ( {urn:...}Subject )");
each is turned into a problem at the path it is really about (here ``/Case/Subject``, which
is missing) with a short message. At most one problem is kept per path.

What it does not do: the checks the schema cannot express (see :mod:`.parse`).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Final

from lxml import etree

from saphan.errors import Problem
from saphan.paths import schemas_dir
from saphan.translate import safexml

from ._names import CODE_LISTS, NS, ORDER, REQUIRED, TABLES, element_path, local_name, own_name

_BE_FORM: Final = "a date and time dd/mm/yyyy HH:MM[:SS] with a Buddhist Era year"
#: what a value must look like, by element or element/@attribute
FORMS: Final = {
    "Case/@schemaVersion": "a version 1.x",
    "TrackingNo": "a Damrongtham number (DOPA and 14 digits) or another system's number",
    "Center/@code": "a 4-digit center code",
    "ReceivedAt": _BE_FORM,
    "Status/@at": _BE_FORM,
    "CitizenId": "a 13-digit citizen ID",
    "Phone": "a Thai phone number such as 081-234-5678",
    "Email": "an e-mail address",
    "Moo": "a village number of 1 to 3 digits",
    "PostCode": "a 5-digit postcode",
    "Lat": "decimal degrees",
    "Lon": "decimal degrees",
    "Attachment": "base64",
    "Attachment/@sha256": "64 lower-case hexadecimal digits",
    "Attachment/@mimeType": "a media type such as image/png",
}

_HEAD = r"Element '(?P<el>[^']+)'(?:, attribute '(?P<attr>[^']+)')?: "
_FACET = re.compile(_HEAD + r"\[facet '(?P<facet>\w+)'\] (?P<rest>.*)", re.S)
_VALUE = re.compile(r"The value '(?P<value>.*?)' ", re.S)
_SET = re.compile(r"the set \{(?P<set>.*)\}")
_LENGTHS = re.compile(r"length of '(?P<n>\d+)'.* length of '(?P<limit>\d+)'", re.S)
_NOT_EXPECTED = re.compile(
    _HEAD + r"This element is not expected\.(?: Expected is (?:one of )?\( (?P<exp>.*) \))?", re.S
)
_MISSING_CHILD = re.compile(
    _HEAD + r"Missing child element\(s\)\. Expected is (?:one of )?\( (?P<exp>.*) \)", re.S
)
_ATTR_MISSING = re.compile(_HEAD + r"The attribute '(?P<name>[^']+)' is required but missing")
_ATTR_NOT_ALLOWED = re.compile(_HEAD + r"The attribute '(?P<name>[^']+)' is not allowed")
_ATOMIC = re.compile(_HEAD + r"'(?P<value>.*)' is not a valid value of", re.S)
_TEXT_IN_ELEMENTS = re.compile(_HEAD + r"Character content other than whitespace")
_ELEMENTS_IN_TEXT = re.compile(_HEAD + r"Element content is not allowed")
_OWN_NAMES = re.compile(r"\{" + re.escape(NS) + r"\}(\w+)")
_CLARK = re.compile(r"\{[^}]*\}")


@cache
def schema_path() -> Path:
    """Where the XSD is (looked up once per process, like the crosswalks)."""
    return schemas_dir() / "agencies" / "damrongtham.xsd"


def check(root: etree._Element) -> list[Problem]:
    """Every schema violation of the document, one problem per path, in document order."""
    errors = safexml.validate(safexml.schema(schema_path()), root)
    seen: set[str] = set()
    out: list[Problem] = []
    for error in errors:
        problem = _translate(error)
        if problem.path not in seen:
            seen.add(problem.path)
            out.append(problem)
    return out


def _translate(error: safexml.SchemaError) -> Problem:
    element, message = error.element, error.message
    where = element_path(element) if element is not None else "/Case"
    m = _NOT_EXPECTED.match(message)
    if m and element is not None:
        return _not_expected(element, _OWN_NAMES.findall(m.group("exp") or ""))
    m = _MISSING_CHILD.match(message)
    if m:
        parent = own_name(element) if element is not None else None
        missing = _first_required(parent, _OWN_NAMES.findall(m.group("exp")))
        if missing is not None:
            return Problem(f"{where}/{missing}", "required element is missing")
        return Problem(where, "incomplete: " + _plain(m.group("exp")))
    m = _ATTR_MISSING.match(message)
    if m:
        return Problem(f"{where}/@{m.group('name')}", "required attribute is missing")
    m = _ATTR_NOT_ALLOWED.match(message)
    if m:
        return Problem(f"{where}/@{m.group('name')}", "attribute not allowed here")
    m = _FACET.match(message)
    if m:
        return _facet(element, where, m)
    m = _ATOMIC.match(message)
    if m:
        attr = m.group("attr")
        form = _form(element, attr)
        path = f"{where}/@{attr}" if attr else where
        return Problem(path, f"{m.group('value')!r} is not {form or 'a valid value'}")
    if _TEXT_IN_ELEMENTS.match(message):
        return Problem(where, "text is not allowed here, only child elements")
    if _ELEMENTS_IN_TEXT.match(message):
        return Problem(where, "child elements are not allowed here, only text")
    return Problem(where, _plain(message))


def _not_expected(element: etree._Element, expected: list[str]) -> Problem:
    name = own_name(element)
    parent = element.getparent()
    parent_name = own_name(parent) if parent is not None else None
    parent_path = element_path(parent) if parent is not None else ""
    order = ORDER.get(parent_name or "", ())
    wanted = ", ".join(expected) or "nothing more"
    if name is None:
        if etree.QName(element).namespace is None:
            return Problem(
                element_path(element), f"element {local_name(element)} has no namespace ({NS})"
            )
        return Problem(
            element_path(element),
            "elements of other namespaces may only follow the format's own elements",
        )
    if name not in order:
        return Problem(element_path(element), f"unknown element {name} (expected here: {wanted})")
    position = order.index(name)
    present = {own_name(c) for c in parent} if parent is not None else set()
    # a required element libxml2 expected before this one, and absent everywhere, is missing;
    # one that is present elsewhere means the children are out of order
    earlier = [e for e in expected if e in order and order.index(e) < position and e not in present]
    missing = _first_required(parent_name, earlier)
    if missing is not None:
        return Problem(f"{parent_path}/{missing}", "required element is missing")
    if parent is not None and len([c for c in parent if c.tag == element.tag]) > 1:
        return Problem(element_path(element), f"{name} appears more than once")
    return Problem(element_path(element), f"{name} is out of order (expected here: {wanted})")


def _first_required(parent: str | None, expected: list[str]) -> str | None:
    required = REQUIRED.get(parent or "", frozenset())
    order = ORDER.get(parent or "", ())
    candidates = [e for e in expected if e in required and e in order]
    return min(candidates, key=order.index) if candidates else None


def _facet(element: etree._Element | None, where: str, m: re.Match[str]) -> Problem:
    attr, facet, rest = m.group("attr"), m.group("facet"), m.group("rest")
    path = f"{where}/@{attr}" if attr else where
    value_match = _VALUE.search(rest)
    value = value_match.group("value") if value_match else ""
    if facet == "enumeration":
        name = own_name(element) if element is not None else None
        scheme = CODE_LISTS.get((name or "", attr or ""))
        if scheme is not None:
            return Problem(path, f"{value!r} is not a code of table {TABLES[scheme]}")
        allowed = _SET.search(rest)
        return Problem(path, f"{value!r} is not one of {allowed.group('set') if allowed else '?'}")
    if facet == "pattern":
        return Problem(path, f"{value!r} is not {_form(element, attr) or 'of the expected form'}")
    lengths = _LENGTHS.search(rest)
    if facet == "maxLength" and lengths:
        return Problem(
            path, f"longer than {lengths.group('limit')} characters ({lengths.group('n')})"
        )
    if facet == "minLength":
        return Problem(path, "must not be empty")
    return Problem(path, _plain(rest))


def _form(element: etree._Element | None, attr: str | None) -> str | None:
    if element is None:
        return None
    name = own_name(element) or ""
    return FORMS.get(f"{name}/@{attr}" if attr else name)


def _plain(message: str) -> str:
    return _CLARK.sub("", " ".join(message.split()))[:300]
