"""Content the format does not define: kept verbatim on reading, written back on writing.

Two kinds of such content can arrive (the XSD allows both, see its header):

* attributes the format does not define, on any of its elements;
* elements of other namespaces after the defined children of ``Case``, ``Complainant``,
  ``Address``, ``IncidentPlace`` and ``Attachments``.

They are kept in ``Case.extensions["damrongtham"]`` as JSON::

    {"attributes": {"/Case/Subject": {"{urn:x}lang": "th", "note": "x"}},
     "elements": {"/Case": ["<x:Extra xmlns:x=\\"urn:x\\">...</x:Extra>"]}}

Attribute names are in Clark notation when namespaced. Elements are kept as exclusive
canonical XML (C14N), which is the same text however many times the case travels.

Writing puts them back on the element with the same path, foreign elements after the
format's own children. Content whose element is not written this time (an address the case
no longer has) is left out of that message; the hub's copy of the case keeps it.

What it does not do: interpret any of it.
"""

from __future__ import annotations

import threading
from typing import Any, cast

from lxml import etree

from saphan.errors import InputError, Problem
from saphan.translate import safexml

from ._names import ATTRIBUTES, ATTRIBUTES_BY_TAG, LOCAL, ORDER, element_path, own_name

KEY = "damrongtham"
_WHERE = f"/extensions/{KEY}"


def collect(
    root: etree._Element, own_attributes: int | None = None, source: bytes | None = None
) -> dict[str, Any]:
    """The undefined content of a document (empty when there is none).

    A caller that has read the document may say how many of the format's own attributes it
    found (``own_attributes``) and give the ``source`` it was parsed from: when the source
    declares no namespace but the format's default one and the document has no other
    attributes, nothing is there to keep, which is seen without walking the tree.
    """
    if own_attributes is not None and source is not None and _plain(root, own_attributes, source):
        return {}
    attributes: dict[str, dict[str, str]] = {}
    elements: dict[str, list[str]] = {}
    # One pass in document order over the elements libxml2 hands out; the usual message
    # has nothing to keep, so the common path is a dictionary lookup per element.
    for element in root.iter():
        tag = element.tag
        known = ATTRIBUTES_BY_TAG.get(tag) if isinstance(tag, str) else None
        if known is None:  # not one of the format's elements
            parent = element.getparent()
            if (
                isinstance(tag, str)
                and parent is not None
                and parent.tag in LOCAL
                and not _inside_foreign(parent)
            ):
                elements.setdefault(element_path(parent), []).append(_canonical(element))
            continue
        keys = element.keys()
        if keys and any(k not in known for k in keys) and not _inside_foreign(element):
            attributes[element_path(element)] = {
                _str(k): _str(v) for k, v in element.items() if k not in known
            }
    out: dict[str, Any] = {}
    if attributes:
        out["attributes"] = dict(sorted(attributes.items()))
    if elements:
        out["elements"] = dict(sorted(elements.items()))
    return out


def _plain(root: etree._Element, own_attributes: int, source: bytes) -> bool:
    # An element of another namespace, or with no namespace at all, needs a declaration
    # (xmlns:x="..." or xmlns="") besides the format's own default one; the reserved xml:
    # prefix needs none, so its mere mention counts too.
    if root.prefix is not None or source.count(b"xmlns") != 1 or b"xml:" in source:
        return False
    # Every attribute, and the one namespace declaration, has an "=" of its own in the
    # source (the reader counts each of its own attributes once, and they are there): when
    # the source has no more "=" than those after its XML declaration, no other attribute
    # is there. Otherwise ("=" in text, in base64 padding, ...) attributes are counted in C.
    if source.count(b"=", _after_declaration(source)) == own_attributes + 1:
        return True
    return _count_attributes(root) == own_attributes


def _after_declaration(source: bytes) -> int:
    """Where the XML declaration (or a processing instruction the document starts with,
    which holds no attribute either) ends; 0 when there is none."""
    start = 3 if source.startswith(b"\xef\xbb\xbf") else 0
    if not source.startswith(b"<?", start):
        return 0
    end = source.find(b"?>", start)
    return 0 if end == -1 else end + 2


class _PerThread(threading.local):
    def __init__(self) -> None:
        # lxml's XPath evaluators keep per-call state: one per thread
        self.count_attributes = etree.XPath("count(//@*)")


_local = _PerThread()


def _count_attributes(root: etree._Element) -> int:
    return int(cast(float, _local.count_attributes(root)))


def _inside_foreign(element: etree._Element) -> bool:
    # an element of the format's namespace inside a foreign element belongs to that element
    return any(a.tag not in LOCAL for a in element.iterancestors())


def _str(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _canonical(element: etree._Element) -> str:
    data: Any = etree.tostring(element, method="c14n", exclusive=True, with_comments=False)
    return data.decode("utf-8") if isinstance(data, bytes) else str(data)


def restore(root: etree._Element, data: object) -> list[Problem]:
    """Write kept content back into a document built by the renderer; problems if malformed."""
    if not data:
        return []
    if not isinstance(data, dict):
        return [Problem(_WHERE, "not an object")]
    problems: list[Problem] = []
    index = _index(root)
    attributes = data.get("attributes") or {}
    elements = data.get("elements") or {}
    if not isinstance(attributes, dict) or not isinstance(elements, dict):
        return [Problem(_WHERE, "attributes and elements must be objects")]
    for path, values in attributes.items():
        where = f"{_WHERE}/attributes/{_pointer(path)}"
        if not isinstance(values, dict):
            problems.append(Problem(where, "not an object"))
            continue
        element = index.get(str(path))
        if element is None:
            continue
        known = ATTRIBUTES.get(own_name(element) or "", frozenset())
        for name, value in values.items():
            if name in known:
                continue  # the case's own fields decide defined attributes
            try:
                element.set(str(name), str(value))
            except (ValueError, TypeError) as exc:
                problems.append(Problem(f"{where}/{_pointer(name)}", f"cannot be written: {exc}"))
    for path, items in elements.items():
        where = f"{_WHERE}/elements/{_pointer(path)}"
        if not isinstance(items, list):
            problems.append(Problem(where, "not a list"))
            continue
        element = index.get(str(path))
        if element is None or (own_name(element) or "") not in ORDER:
            continue
        for i, item in enumerate(items):
            try:
                element.append(safexml.parse(str(item).encode("utf-8")))
            except InputError as exc:
                problems.extend(Problem(f"{where}/{i}", p.message) for p in exc.problems)
    return problems


def _index(root: etree._Element) -> dict[str, etree._Element]:
    return {element_path(e): e for e in root.iter() if own_name(e) is not None}


def _pointer(key: object) -> str:
    """``key`` as one JSON-pointer step (RFC 6901): the paths themselves contain slashes."""
    return str(key).replace("~", "~0").replace("/", "~1")
