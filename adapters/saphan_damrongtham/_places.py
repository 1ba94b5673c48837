"""Area names in Damrongtham messages ⇔ DOPA area codes.

Reading: ``Tambon`` / ``Amphoe`` / ``Changwat`` names, with or without ``ต.`` ``อ.`` ``จ.``
``แขวง`` ``เขต`` or the words ``ตำบล`` ``อำเภอ`` ``จังหวัด``, become codes through
:func:`saphan.reference.areas.resolve_names`, which settles names that are ambiguous alone
(ในเมือง) with the district and province. A name that fits no subdistrict is reported at the
level that is wrong (province first, then district, then subdistrict); one that fits several
is reported at ``Tambon`` with the codes it fits.

Writing: codes become names as centers write them: bare names, except in Bangkok, where the
subdistrict is written ``แขวง<name>`` and the district keeps its ``เขต`` (geothai's district
names in Bangkok already carry it).

What it does not do: guess. There is no fuzzy matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

import geothai

from saphan.canonical import Area
from saphan.errors import Problem
from saphan.reference import areas

_BANGKOK = "10"


@dataclass(frozen=True, slots=True)
class Names:
    tambon: str
    amphoe: str
    changwat: str


def resolve(tambon: str, amphoe: str, changwat: str, at: str) -> Area | Problem:
    """The area the three names give, or the problem with them (``at`` is the parent path)."""
    found = _resolved(tambon, amphoe, changwat)
    if isinstance(found, Area):
        return found
    element, message = found
    return Problem(f"{at}/{element}", message)


@lru_cache(maxsize=8192)
def _resolved(tambon: str, amphoe: str, changwat: str) -> Area | tuple[str, str]:
    # The same names recur; Area is frozen, so one instance serves every case. A problem is
    # kept as (element, message) and placed under its parent's path by the caller.
    try:
        found = areas.resolve_names(tambon, amphoe, changwat)
    except areas.AreaAmbiguous as exc:
        return "Tambon", f"ambiguous place name: {exc}"
    except areas.AreaNotFound:
        problem = _diagnose(tambon, amphoe, changwat, "")
        return problem.path[1:], problem.message
    return Area(province=found.province, district=found.district, subdistrict=found.subdistrict)


def _diagnose(tambon: str, amphoe: str, changwat: str, at: str) -> Problem:
    # Only decides which of the three names to blame; geothai has already said "no match".
    province = _province_codes().get(_key(changwat))
    if province is None:
        return Problem(f"{at}/Changwat", f"no province is called {changwat!r}")
    district = _key(amphoe)
    if district not in _CAPITAL and (province, district) not in _district_codes():
        return Problem(f"{at}/Amphoe", f"no district {amphoe!r} in province {changwat!r}")
    return Problem(f"{at}/Tambon", f"no subdistrict {tambon!r} in {amphoe!r}, {changwat!r}")


_CAPITAL = frozenset({"เมือง", "mueang"})  # the capital district, as geothai also reads it


def _key(name: str) -> str:
    return "".join(areas.strip_prefix(name).split()).lower()


@cache
def _province_codes() -> dict[str, str]:
    out: dict[str, str] = {}
    for p in geothai.provinces():
        out[_key(p.name_th)] = out[_key(p.name_en)] = p.code
    return out


@cache
def _district_codes() -> frozenset[tuple[str, str]]:
    return frozenset(
        (p.code, _key(name))
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
        for name in (d.name_th, d.name_en)
    )


@lru_cache(maxsize=8192)
def names_for(subdistrict: str) -> Names | None:
    """The names a center writes for a subdistrict code, or None for an unknown code."""
    s = geothai.subdistrict(subdistrict)
    if s is None:
        return None
    district = areas.district_name(s.district_code)
    province = areas.province_name(s.province_code)
    if district is None or province is None:
        return None
    tambon = ("แขวง" + s.name_th) if s.province_code == _BANGKOK else s.name_th
    return Names(tambon, district, province)


def area_province(area: Area | None) -> str | None:
    """The province code of an area, from its finest code."""
    if area is None:
        return None
    for code in (area.subdistrict, area.district, area.province):
        if code:
            return code[:2]
    return None
