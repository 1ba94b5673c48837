"""Reading ``Complainant``: anonymity rules, citizen ID, phone, address.

When ``anonymous="Y"`` only ``Phone`` and ``Email`` may appear; otherwise ``Prefix``,
``FirstName`` and ``LastName`` must (they may be empty). ``conceal="Y"`` becomes
``conceal_identity``. A citizen ID may carry Thai digits, dashes or spaces; a wrong check
digit keeps the ID, marks it unverified and adds a warning. Phones become E.164. Address
parts keep their text (Thai digits in ``HouseNo``, ``Moo`` and ``PostCode`` read as ASCII);
area names become codes.

What it does not do: anything about the party complained about (``Respondent``, in
:mod:`.parse`).
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from saphan.canonical import Area, Warning
from saphan.reference import identity, phone
from saphan.translate.jsonparts import check_digit_ok

from ._names import ascii_digits
from ._reader import Part, Reader, children, text
from ._schema import FORMS

AT: Final = "/Case/Complainant"
_YES_NO: Final = {"Y": True, "N": False}
_POSTCODE: Final = re.compile(r"[0-9]{5}")
_NATIONAL: Final = re.compile(r"0[0-9\-]*")
_ONLY_NAMED: Final = ("CitizenId", "Prefix", "FirstName", "LastName", "Address")
_NO_AREA: Final = Area()


def read_complainant(r: Reader, element: etree._Element | None) -> Part | None:
    if element is None:
        return None
    flags: dict[str, bool] = {}
    for name in ("anonymous", "conceal"):
        value = r.attr(element, name, AT)
        if value is not None and value not in _YES_NO:
            r.problem(f"{AT}/@{name}", f"{value!r} is not Y or N")
        flags[name] = _YES_NO.get(value or "N", False)
    kids = children(element)
    anonymous = flags["anonymous"]
    if anonymous:
        for name in _ONLY_NAMED:
            if name in kids:
                r.problem(f"{AT}/{name}", 'not allowed when anonymous="Y"')
        return {
            "anonymous": True,
            "conceal_identity": flags["conceal"],
            "phone": _phone(r, text(kids.get("Phone"))),
            "email": text(kids.get("Email")),
        }
    for name in ("Prefix", "FirstName", "LastName"):
        if name not in kids:
            r.problem(f"{AT}/{name}", 'required unless anonymous="Y"')
    citizen_id, verified = _citizen_id(r, text(kids.get("CitizenId")))
    return {
        "anonymous": False,
        "conceal_identity": flags["conceal"],
        "citizen_id": citizen_id,
        "citizen_id_verified": verified,
        "prefix": text(kids.get("Prefix")),
        "given_name": text(kids.get("FirstName")),
        "family_name": text(kids.get("LastName")),
        "phone": _phone(r, text(kids.get("Phone"))),
        "email": text(kids.get("Email")),
        "address": _address(r, kids.get("Address")),
    }


def _citizen_id(r: Reader, value: str | None) -> tuple[str | None, bool | None]:
    if value is None:
        return None, None
    path = f"{AT}/CitizenId"
    if len(value) == 13 and value.isascii() and value.isdigit():
        digits = value  # as most IDs come: what normalizing would give
    else:
        try:
            digits = identity.normalize(value)
        except ValueError:
            r.problem(path, f"{value!r} is not {FORMS['CitizenId']}")
            return None, None
    if check_digit_ok(digits):
        return digits, True
    r.warnings.append(
        Warning(
            path=path,
            code="citizen_id_unverified",
            message="the check digit does not match: the ID is kept, marked unverified",
        )
    )
    return digits, False


def _phone(r: Reader, value: str | None) -> str | None:
    if value is None:
        return None
    if _NATIONAL.fullmatch(value):
        # what phone.to_e164 makes of ASCII digits and dashes after a leading 0, read
        # without its character-by-character walk: 9 or 10 digits are +66 and the rest
        digits = value.replace("-", "")
        if len(digits) in (9, 10):
            return "+66" + digits[1:]
    try:
        return phone.to_e164(value)
    except ValueError:
        r.problem(f"{AT}/Phone", f"{value!r} is not {FORMS['Phone']}")
        return None


def _address(r: Reader, element: etree._Element | None) -> Part | None:
    if element is None:
        return None
    at = f"{AT}/Address"
    kids = children(element)
    area = r.area(kids, at)
    house, moo = text(kids.get("HouseNo")), text(kids.get("Moo"))
    postcode = text(kids.get("PostCode"))
    if postcode is not None:
        postcode = ascii_digits(postcode)
        if not _POSTCODE.fullmatch(postcode):
            r.problem(f"{at}/PostCode", f"{postcode!r} is not {FORMS['PostCode']}")
            postcode = None
    return {
        "house_no": None if house is None else ascii_digits(house),
        "moo": None if moo is None else ascii_digits(moo),
        "soi": text(kids.get("Soi")),
        "road": text(kids.get("Road")),
        "area": area or _NO_AREA,
        "postcode": postcode,
    }
