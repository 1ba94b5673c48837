"""Safe XML reading for agency messages: no DTD, no entities, no network, bounded nesting.

Agency messages come from outside and are read as hostile:

* a document carrying a ``DOCTYPE`` is refused before lxml sees it, so no internal or
  external entity, no DTD and no parameter entity is ever read or resolved (defence in
  depth: the parser also runs with ``resolve_entities=False``, ``load_dtd=False`` and
  ``no_network=True``, and a parsed tree that still has a DTD is refused);
* a document with more markup than the caller allows (counted as ``<`` bytes, before
  parsing, so that a flood of tiny elements cannot fill memory) is refused, and so is
  nesting deeper than the caller's limit (checked after parsing; libxml2 has its own,
  larger bound while parsing);
* libxml2's limit on a single text node (10 MB) stays on unless the caller asks for
  ``huge_text``, which a format needs when it carries attachments inline as base64: the
  caller must bound the message size before parsing, as :class:`~saphan.translate.Adapter`
  does.

It also reads the XML declaration (for formats whose encoding is whatever the declaration
says), loads XML Schemas once per thread, and turns schema errors into plain records.

What it does not do: decode legacy encodings (the caller decodes and hands over UTF-8 or
names the encoding lxml should use), or decide what a schema error means for a format.

lxml parsers, schema validators and XPath evaluators keep per-call state (their error
logs), so each thread gets its own, built on first use and then reused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lxml import etree

from saphan.errors import ConfigError, InputError, Problem

_UTF8_BOM = b"\xef\xbb\xbf"
# Byte order marks and first bytes of ``<?`` in encodings that are not ASCII-compatible.
_WIDE_STARTS = (
    b"\x00\x00\xfe\xff",
    b"\xff\xfe\x00\x00",
    b"\xfe\xff",
    b"\xff\xfe",
    b"\x00<\x00?",
    b"<\x00?\x00",
    b"\x00\x00\x00<",
    b"<\x00\x00\x00",
)
_DECLARATION = re.compile(
    rb"""<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1"""
    rb"""(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._\-]*)\2)?"""
    rb"""(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>"""
)
_XML_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Declaration:
    """What the start of a document says about itself."""

    encoding: str | None  # the declared encoding label, as written; None when not declared
    bom: bool  # whether the document starts with a UTF-8 byte order mark


def read_declaration(data: bytes) -> Declaration:
    """The XML declaration of a document in an ASCII-compatible encoding.

    Raises :class:`InputError` for a malformed declaration and for documents in UTF-16 or
    UTF-32, which no agency format of the hub uses.
    """
    if data.startswith(_WIDE_STARTS):
        raise InputError(
            "the message is in UTF-16 or UTF-32",
            [Problem("", "only ASCII-compatible encodings (UTF-8 and legacy 8-bit) are read")],
        )
    bom = data.startswith(_UTF8_BOM)
    start = len(_UTF8_BOM) if bom else 0
    head = data[start : start + 6]
    if not (head.startswith(b"<?xml") and head[5:6] and head[5:6] in _XML_WHITESPACE):
        return Declaration(None, bom)
    match = _DECLARATION.match(data, start)
    if match is None:
        raise InputError(
            "the XML declaration is malformed",
            [Problem("", "malformed XML declaration (<?xml version=... encoding=...?>)")],
        )
    label = match.group(3)
    return Declaration(None if label is None else label.decode("ascii"), bom)


def has_doctype(data: bytes) -> bool:
    """Whether ASCII-compatible ``data`` contains ``<!DOCTYPE`` anywhere (any case).

    Deliberately coarse: a ``<!DOCTYPE`` inside a comment or CDATA section also counts.
    Each ``!`` is found and the ``<`` before it checked: a search for one byte is a tenth
    of what a search for ``<!`` costs in markup, where ``<`` is everywhere.
    """
    bang = data.find(b"!")
    while bang != -1:
        if bang and data[bang - 1] == 0x3C and data[bang + 1 : bang + 8].upper() == b"DOCTYPE":
            return True
        bang = data.find(b"!", bang + 1)
    return False


class _PerThread(threading.local):
    def __init__(self) -> None:
        self.parsers: dict[tuple[str | None, bool], etree.XMLParser] = {}
        self.schemas: dict[Path, etree.XMLSchema] = {}
        self.depth_checks: dict[int, etree.XPath] = {}


_local = _PerThread()


def _parser(encoding: str | None, huge_text: bool) -> etree.XMLParser:
    key = (encoding, huge_text)
    parser = _local.parsers.get(key)
    if parser is None:
        parser = etree.XMLParser(
            encoding=encoding,
            resolve_entities=False,
            load_dtd=False,
            dtd_validation=False,
            no_network=True,
            huge_tree=huge_text,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parsers[key] = parser
    return parser


def parse(
    data: bytes,
    *,
    encoding: str | None = None,
    huge_text: bool = False,
    max_depth: int = 32,
    max_markup: int = 100_000,
) -> etree._Element:
    """Parse ``data`` safely (see the module docstring) and return the root element.

    ``encoding`` overrides what the document declares (lxml then reads the bytes as that
    encoding); without it the declaration, or UTF-8, is used. Comments and processing
    instructions are dropped. Every failure is an :class:`InputError`.
    """
    if data.count(b"<") > max_markup:
        raise InputError(
            "the message has too much markup",
            [Problem("", f"more than {max_markup} tags")],
        )
    if has_doctype(data):
        raise InputError(
            "a DOCTYPE is not allowed",
            [Problem("", "the message carries a DOCTYPE (DTDs and entities are refused)")],
        )
    try:
        root = etree.fromstring(data, _parser(encoding, huge_text))
    except etree.XMLSyntaxError as exc:
        raise InputError(
            "the message is not well-formed XML", [Problem("", _syntax_message(exc))]
        ) from exc
    except (etree.LxmlError, ValueError, LookupError) as exc:  # e.g. an unknown encoding
        raise InputError(
            "the message cannot be read as XML", [Problem("", _syntax_message(exc))]
        ) from exc
    if not isinstance(root, etree._Element):
        raise InputError("the message has no root element", [Problem("", "empty document")])
    if root.getroottree().docinfo.internalDTD is not None:
        raise InputError("a DOCTYPE is not allowed", [Problem("", "the message carries a DTD")])
    if _deeper_than(max_depth)(root):
        raise InputError(
            "the message is nested too deeply",
            [Problem("", f"elements nested more than {max_depth} levels deep")],
        )
    return root


def _syntax_message(exc: Exception) -> str:
    text = str(exc).strip() or "not well-formed"
    return text.splitlines()[0][:300]


def _deeper_than(levels: int) -> etree.XPath:
    # One compiled XPath that looks for any element below ``levels`` levels: the walk
    # happens inside libxml2, not in Python.
    check = _local.depth_checks.get(levels)
    if check is None:
        check = _local.depth_checks[levels] = etree.XPath("boolean(" + "/*" * (levels + 1) + ")")
    return check


# -- schemas ---------------------------------------------------------------------------


def schema(path: Path) -> etree.XMLSchema:
    """The XML Schema at ``path``, compiled once per thread; a broken file is a ConfigError."""
    found = _local.schemas.get(path)
    if found is None:
        try:
            document = etree.fromstring(path.read_bytes(), _parser(None, False))
            found = etree.XMLSchema(document)
        except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
            raise ConfigError(f"cannot load the XML Schema {path}: {exc}") from exc
        _local.schemas[path] = found
    return found


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One schema violation: the element it is about (when found), its line, libxml2's text."""

    element: etree._Element | None
    line: int
    type_name: str
    message: str


def validate(xsd: etree.XMLSchema, root: etree._Element) -> list[SchemaError]:
    """Every schema violation of the document under ``root`` (empty when valid)."""
    if xsd.validate(root):
        return []
    tree = root.getroottree()
    out: list[SchemaError] = []
    for entry in cast(Iterable[Any], xsd.error_log):
        message, line = str(entry.message), int(entry.line)
        element = _locate(tree, str(getattr(entry, "path", "") or ""))
        if element is None:
            element = _on_line(root, line, message)
        out.append(SchemaError(element, line, str(entry.type_name), message))
    return out


_ELEMENT_NAME = re.compile(r"Element '([^']+)'")


def _locate(tree: etree._ElementTree, path: str) -> etree._Element | None:
    # libxml2 names the element by a positional path such as /*/*[5]/*[6]
    if not path.startswith("/"):
        return None
    try:
        found = tree.xpath(path)
    except etree.XPathError:  # a path with a prefix the XPath context does not know
        return None
    if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
        return found[0]
    return None


def _on_line(root: etree._Element, line: int, message: str) -> etree._Element | None:
    # fallback: the element of the named tag on the reported line
    m = _ELEMENT_NAME.match(message)
    if m is None:
        return None
    for element in root.iter(m.group(1)):
        if getattr(element, "sourceline", None) == line:
            return element
    return None


__all__ = [
    "Declaration",
    "SchemaError",
    "has_doctype",
    "parse",
    "read_declaration",
    "schema",
    "validate",
]
