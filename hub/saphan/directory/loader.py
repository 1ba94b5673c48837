"""Reading the agency directory from YAML documents: explicit entries, families, overlays.

A directory document (``mappings/agencies.yaml``; the file itself documents the format) has
two lists:

* ``agencies``: explicit entries, one per code;
* ``families``: one entry stands for a whole set of area offices. Its ``code`` holds exactly
  one placeholder, ``{district}`` (every DOPA district code from geothai: 928 members) or
  ``{province}`` (every province: 77 members). Every string of a family may use the
  placeholders ``{code}``, ``{province}``, ``{province_name_th}``, ``{province_name_en}``,
  ``{province_title_th}`` (จังหวัด… or กรุงเทพมหานคร) and, for district families,
  ``{district}``, ``{district_name_th}``, ``{district_name_en}``, ``{district_title_th}``
  (อำเภอ… or เขต…). Members get ``province``/``district``/``family`` set for them.

Several documents are read in order; a later one overrides an earlier one field by field
(top-level fields replace): an agency or family with the same code is patched, a new one is
added. An explicit agency whose code is a family member patches that member (its endpoint,
its keys, ...) wherever it appears. Every problem found in any document is reported at once
as one :class:`~saphan.errors.ConfigError`.

Pure apart from :func:`read_document`. Lookups are :mod:`.directory`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geothai
from pydantic import ValidationError

from saphan.directory.model import Agency
from saphan.errors import ConfigError, Problem
from saphan.paths import read_yaml

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_SECTIONS = ("agencies", "families")
_BANGKOK = "10"


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed directory file; ``name`` is used in error paths."""

    name: str
    data: Any


def read_document(path: Path) -> Document:
    """Read and parse one YAML directory file."""
    return Document(path.name, read_yaml(path, "agency directory file "))


@dataclass
class _Merged:
    fields: dict[str, Any]
    sources: list[str]

    def where(self, section: str, key: str) -> str:
        return f"{'+'.join(dict.fromkeys(self.sources))}#/{section}/{key}"


def build(documents: Sequence[Document]) -> list[Agency]:
    """Every agency the documents describe, families expanded, overlays applied."""
    problems: list[Problem] = []
    families: dict[str, _Merged] = {}
    explicit: dict[str, _Merged] = {}
    for doc in documents:
        for section, target in (("families", families), ("agencies", explicit)):
            for code, fields in _entries(doc, section, problems):
                if code in target:
                    target[code].fields.update(fields)
                    target[code].sources.append(doc.name)
                else:
                    target[code] = _Merged(dict(fields), [doc.name])

    agencies: dict[str, Agency] = {}
    patched: set[str] = set()
    for pattern, family in families.items():
        for agency in _expand(pattern, family, explicit, patched, problems):
            if agency.code in agencies:
                problems.append(
                    Problem(family.where("families", pattern), f"{agency.code} is made twice")
                )
            agencies[agency.code] = agency
    for code, entry in explicit.items():
        if code in patched:
            continue
        valid = _validate({**entry.fields, "code": code}, entry.where("agencies", code), problems)
        if valid is not None:
            agencies[code] = valid
    if problems:
        raise ConfigError(f"the agency directory has {len(problems)} problem(s)", problems)
    return list(agencies.values())


def _entries(
    doc: Document, section: str, problems: list[Problem]
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, Mapping):
        if section == _SECTIONS[0]:
            problems.append(Problem(f"{doc.name}#/", "a directory file is a mapping"))
        return
    if section == _SECTIONS[0]:
        for key in data:
            if key not in (*_SECTIONS, "version"):
                problems.append(Problem(f"{doc.name}#/{key}", "unknown section"))
    items = data.get(section) or []
    if not isinstance(items, list):
        problems.append(Problem(f"{doc.name}#/{section}", "must be a list"))
        return
    seen: set[str] = set()
    for i, item in enumerate(items):
        where = f"{doc.name}#/{section}/{i}"
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            problems.append(Problem(where, "an entry is a mapping with a 'code' string"))
            continue
        code = item["code"]
        if code in seen:
            problems.append(Problem(where, f"{code} appears twice in this file"))
            continue
        seen.add(code)
        yield code, {k: v for k, v in item.items() if k != "code"}


def _members(pattern: str) -> list[dict[str, str]] | None:
    """Template values for every member of a family, or None when the pattern is wrong."""
    names = set(_PLACEHOLDER.findall(pattern))
    values: list[dict[str, str]] = []
    if names == {"district"}:
        for province in geothai.provinces():
            base = _province_values(province)
            for district in geothai.districts(province.code):
                title = district.name_th
                if not title.startswith("เขต"):  # Bangkok districts are named เขต…
                    title = f"อำเภอ{title}"
                values.append(
                    {
                        **base,
                        "district": district.code,
                        "district_name_th": district.name_th,
                        "district_name_en": district.name_en,
                        "district_title_th": title,
                    }
                )
        return values
    if names == {"province"}:
        return [_province_values(p) for p in geothai.provinces()]
    return None


def _province_values(province: Any) -> dict[str, str]:
    code = str(province.code)
    name = str(province.name_th)
    return {
        "province": code,
        "province_name_th": name,
        "province_name_en": str(province.name_en),
        "province_title_th": name if code == _BANGKOK else f"จังหวัด{name}",
    }


def _expand(
    pattern: str,
    family: _Merged,
    explicit: Mapping[str, _Merged],
    patched: set[str],
    problems: list[Problem],
) -> Iterator[Agency]:
    where = family.where("families", pattern)
    members = _members(pattern)
    if members is None:
        problems.append(
            Problem(where, "a family code holds exactly one of {district} or {province}")
        )
        return
    failed = 0
    for values in members:
        code = _fill(pattern, values)
        values = {**values, "code": code}
        fields = _fill_all(family.fields, values, where, problems)
        if fields is None:
            return  # an unknown placeholder: reported once for the whole family
        fields.update(code=code, family=pattern, province=values["province"])
        if "district" in values:
            fields["district"] = values["district"]
        entry_where = where
        if code in explicit:
            patched.add(code)
            fields.update(explicit[code].fields)
            entry_where = explicit[code].where("agencies", code)
        sink: list[Problem] = []
        agency = _validate(fields, entry_where, sink)
        if agency is not None:
            yield agency
            continue
        # A family's mistake would repeat for every member: report its first member only.
        if entry_where != where or failed == 0:
            problems.extend(sink)
        failed += entry_where == where
    if failed > 1:
        problems.append(Problem(where, f"{failed} members in all fail the same way"))


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _fill_all(value: Any, values: Mapping[str, str], where: str, problems: list[Problem]) -> Any:
    if isinstance(value, str):
        unknown = sorted(set(_PLACEHOLDER.findall(value)) - set(values))
        if unknown:
            problems.append(Problem(where, f"unknown placeholder {{{unknown[0]}}} in {value!r}"))
            return None
        return _fill(value, values)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            filled = _fill_all(v, values, where, problems)
            if filled is None and v is not None:
                return None
            out[str(k)] = filled
        return out
    if isinstance(value, list):
        items = [_fill_all(v, values, where, problems) for v in value]
        if any(i is None and v is not None for i, v in zip(items, value, strict=True)):
            return None
        return items
    return value


def _validate(fields: Mapping[str, Any], where: str, problems: list[Problem]) -> Agency | None:
    try:
        return Agency.model_validate(fields)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = "/".join(str(p) for p in err["loc"])
            problems.append(Problem(f"{where}/{loc}" if loc else where, err["msg"]))
        return None


__all__ = ["Document", "build", "read_document"]
