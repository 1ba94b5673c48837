"""The crosswalk tables implement agency-formats §4 exactly, in every direction."""

import pytest

from saphan.translate.crosswalk import crosswalks

STATUS_TABLE = {
    # (from scheme, code): (damrongtham, occ, pmo1111) as §4 gives them
    ("damrongtham.status", "1"): ("1", "RECEIVED", "0"),
    ("damrongtham.status", "2"): ("2", "REFERRED", "1"),
    ("damrongtham.status", "3"): ("3", "INVESTIGATING", "3"),
    ("damrongtham.status", "4"): ("4", "CONCLUDED", "4"),
    ("damrongtham.status", "5"): ("5", "REJECTED", "5"),
    ("damrongtham.status", "6"): ("6", "REFERRED", "1"),
    ("occ.status", "RECEIVED"): ("1", "RECEIVED", "0"),
    ("occ.status", "UNDER_REVIEW"): ("3", "UNDER_REVIEW", "2"),
    ("occ.status", "INVESTIGATING"): ("3", "INVESTIGATING", "3"),
    ("occ.status", "CONCLUDED"): ("4", "CONCLUDED", "4"),
    ("occ.status", "REJECTED"): ("5", "REJECTED", "5"),
    ("occ.status", "REFERRED"): ("2", "REFERRED", "1"),
    ("pmo1111.status", "0"): ("1", "RECEIVED", "0"),
    ("pmo1111.status", "1"): ("2", "REFERRED", "1"),
    ("pmo1111.status", "2"): ("3", "UNDER_REVIEW", "2"),
    ("pmo1111.status", "3"): ("3", "INVESTIGATING", "3"),
    ("pmo1111.status", "4"): ("4", "CONCLUDED", "4"),
    ("pmo1111.status", "5"): ("5", "REJECTED", "5"),
    ("pmo1111.status", "9"): ("5", "REJECTED", "9"),
}


@pytest.mark.parametrize(("source", "expected"), STATUS_TABLE.items())
def test_status_crosswalk(source: tuple[str, str], expected: tuple[str, str, str]) -> None:
    cw = crosswalks()
    scheme, code = source
    meaning = cw.decode(scheme, code)
    assert meaning is not None
    got = tuple(
        cw.encode(s, meaning) for s in ("damrongtham.status", "occ.status", "pmo1111.status")
    )
    for target, want, have in zip(("damrongtham", "occ", "pmo1111"), expected, got, strict=True):
        if scheme.startswith(target):
            continue  # the table has no same-format column
        assert have == want, f"{scheme} {code} -> {target}"


SUBJECT = {
    "101": ("LAND_AND_PROPERTY", "T03"),
    "102": ("MALADMINISTRATION", "T01"),
    "103": ("PUBLIC_SERVICE", "T04"),
    "104": ("OTHER", "T05"),
    "105": ("OTHER", "T06"),
    "106": ("OTHER", "T15"),
    "107": ("OTHER", "T07"),
    "108": ("OTHER", "T15"),
    "109": ("PUBLIC_SERVICE", "T13"),
    "110": ("UNFAIR_LAW", "T14"),
    "111": ("PUBLIC_SERVICE", "T04"),
    "199": ("OTHER", "T15"),
}


@pytest.mark.parametrize(("sub", "expected"), SUBJECT.items())
def test_subject_from_damrongtham(sub: str, expected: tuple[str, str]) -> None:
    cw = crosswalks()
    codes = {"damrongtham.sub_type": sub}
    assert (cw.resolve(codes, "occ.topic"), cw.resolve(codes, "pmo1111.topic")) == expected


def test_subject_from_pmo1111_and_occ() -> None:
    cw = crosswalks()
    pmo = [
        "T01",
        "102",
        "T02",
        "102",
        "T03",
        "101",
        "T04",
        "103",
        "T05",
        "104",
        "T06",
        "105",
        "T07",
        "107",
        "T08",
        "199",
        "T09",
        "111",
        "T10",
        "111",
        "T11",
        "103",
        "T12",
        "199",
        "T13",
        "109",
        "T14",
        "110",
        "T15",
        "199",
    ]
    for topic, sub in zip(pmo[::2], pmo[1::2], strict=True):
        assert cw.resolve({"pmo1111.topic": topic}, "damrongtham.sub_type") == sub
    occ = {
        "LAND_AND_PROPERTY": "101",
        "MALADMINISTRATION": "102",
        "NEGLECT_OR_DELAY": "102",
        "ETHICS": "102",
        "UNFAIR_LAW": "110",
        "PUBLIC_SERVICE": "111",
        "OTHER": "199",
    }
    for topic, sub in occ.items():
        assert cw.resolve({"occ.topic": topic}, "damrongtham.sub_type") == sub


def test_occ_and_pmo1111_go_through_damrongtham() -> None:
    cw = crosswalks()
    # occ ETHICS -> 102 -> T01; pmo1111 T09 -> 111 -> PUBLIC_SERVICE
    assert cw.resolve({"occ.topic": "ETHICS"}, "pmo1111.topic") == "T01"
    assert cw.resolve({"pmo1111.topic": "T09"}, "occ.topic") == "PUBLIC_SERVICE"


def test_kind_of_case_both_ways_and_occ_default() -> None:
    cw = crosswalks()
    for main, kind in {"01": "1", "02": "1", "03": "3", "04": "5", "05": "4", "06": "1"}.items():
        assert cw.resolve({"damrongtham.main_type": main}, "pmo1111.case_type") == kind
    for kind, main in {"1": "01", "2": "01", "3": "03", "4": "05", "5": "04", "6": "05"}.items():
        assert cw.resolve({"pmo1111.case_type": kind}, "damrongtham.main_type") == main
    # occ has no kind of case: it reads as damrongtham 01, and so pmo1111 1
    assert cw.resolve({"occ.topic": "OTHER"}, "damrongtham.main_type") == "01"
    assert cw.resolve({"occ.topic": "OTHER"}, "pmo1111.case_type") == "1"


def test_kept_code_wins_over_crosswalk() -> None:
    cw = crosswalks()
    # a 1111 labour case (T08) that passed through Damrongtham (199) keeps T08 for 1111
    codes = {"pmo1111.topic": "T08", "damrongtham.sub_type": "199"}
    assert cw.resolve(codes, "pmo1111.topic") == "T08"


def test_referral_channel_when_not_received_first_hand() -> None:
    cw = crosswalks()
    assert cw.resolve({"pmo1111.channel": "1"}, "damrongtham.channel") == "06"
    assert cw.resolve({"damrongtham.channel": "01"}, "pmo1111.channel") == "6"


def test_escalation_reasons() -> None:
    cw = crosswalks()
    pairs = {
        "LAW": "LEGAL_ISSUE",
        "REGULATION": "REGULATION_AMENDMENT",
        "CENTRAL": "CENTRAL_AGENCY_AUTHORITY",
        "OFFICIAL": "OFFICIAL_MISCONDUCT",
        "OVERDUE": "UNRESOLVED_AT_SOURCE",
    }
    for drt, occ in pairs.items():
        meaning = cw.decode("damrongtham.escalation_reason", drt)
        assert meaning is not None
        assert cw.encode("occ.referral_reason", meaning) == occ
        back = cw.decode("occ.referral_reason", occ)
        assert back is not None
        assert cw.encode("damrongtham.escalation_reason", back) == drt
