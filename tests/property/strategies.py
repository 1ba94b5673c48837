"""Hypothesis strategies for canonical cases, shared by every format's property tests.

Format-neutral on purpose: :func:`cases` draws valid canonical :class:`Case` objects such as
any agency could send, not shaped for one format. Each format's test then states which
fields that format carries and checks exactly those after a round trip.

What the drawn cases respect (what every sender gives and every format can be asked to
carry): real DOPA area codes from geothai, with coarser codes implied by finer ones; each
system's own numbering (Damrongtham tracking numbers, 1111 tickets with a real BE date,
OCC numbers); Thai E.164 phones; citizen IDs with right or wrong check digits; text that is
already clean (no control characters, no leading, trailing or doubled white space, as every
adapter tidies it); instants in whole seconds between 2001 and 2089, with the status never
before the receipt; attachments whose hash and size agree with their content. Warnings and
extensions are left empty: adapters produce those.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone
from functools import cache

import geothai
from hypothesis import strategies as st

from saphan.canonical import (
    Address,
    Area,
    Attachment,
    Case,
    CaseStatus,
    Complainant,
    Complexity,
    Escalation,
    EscalationReason,
    Matter,
    Place,
    Reference,
    Respondent,
    RespondentKind,
    SourceSystem,
    StatusInfo,
)
from saphan.translate.crosswalk import crosswalks

THAI_TZ = timezone(timedelta(hours=7))


@cache
def subdistricts() -> tuple[tuple[str, str], ...]:
    """(subdistrict code, its first postcode) for every current subdistrict."""
    found = []
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            for sub in geothai.subdistricts(district.code):
                postcode = sub.postal_codes[0] if sub.postal_codes else ""
                found.append((sub.code, postcode))
    return tuple(sorted(found))


@cache
def subdistrict_codes() -> st.SearchStrategy[tuple[str, str]]:
    """One real subdistrict (code, postcode); built once, as its label is costly."""
    return st.sampled_from(subdistricts())


# -- text --------------------------------------------------------------------------------

_THAI = "".join(chr(c) for c in range(0x0E01, 0x0E2F)) + "ะาำิีึืุูเแโใไ็่้๊๋์"
_WORD_CHARS = _THAI + "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@cache
def words(
    min_words: int = 1, max_words: int = 8, max_size: int | None = None
) -> st.SearchStrategy[str]:
    """Clean text: words of Thai and ASCII letters and digits, single spaces between."""
    word = st.text(alphabet=_WORD_CHARS, min_size=1, max_size=12)
    text = st.lists(word, min_size=min_words, max_size=max_words).map(" ".join)
    if max_size is not None:
        text = text.map(lambda t: t[:max_size].strip()).filter(bool)
    return text


@cache
def name() -> st.SearchStrategy[str]:
    return st.text(alphabet=_THAI, min_size=1, max_size=15)


# -- numbers ------------------------------------------------------------------------------


@cache
def citizen_ids() -> st.SearchStrategy[str]:
    """13 digits; the check digit is right most of the time and sometimes wrong."""

    def build(first12: str, wrong: bool) -> str:
        total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
        check = (11 - total % 11) % 10
        return first12 + str((check + 1) % 10 if wrong else check)

    first = st.text(alphabet="0123456789", min_size=12, max_size=12).filter(lambda s: s[0] != "0")
    return st.builds(build, first, st.sampled_from([False, False, False, True]))


@cache
def phones() -> st.SearchStrategy[str]:
    """Thai numbers in E.164: mobiles (+66 6/8/9 + 8 digits) and land lines (+66 2-7 + 7)."""
    mobile = st.tuples(st.sampled_from("689"), st.text("0123456789", min_size=8, max_size=8))
    land = st.tuples(st.sampled_from("234567"), st.text("0123456789", min_size=7, max_size=7))
    return (mobile | land).map(lambda p: "+66" + p[0] + p[1])


@cache
def instants(
    low: datetime = datetime(2001, 1, 1, tzinfo=UTC),
    high: datetime = datetime(2089, 12, 31, tzinfo=UTC),
) -> st.SearchStrategy[datetime]:
    """Aware instants in whole seconds, in Thai time or UTC."""
    return st.builds(
        lambda seconds, tz: datetime.fromtimestamp(seconds, tz),
        st.integers(int(low.timestamp()), int(high.timestamp())),
        st.sampled_from([UTC, THAI_TZ]),
    )


def ticket_number(on: datetime, sequence: int) -> str:
    """A 1111 ticket for ``on``'s Thai date: BE yymmdd + a 7-digit sequence."""
    local = on.astimezone(THAI_TZ)
    return f"{(local.year + 543) % 100:02d}{local:%m%d}{sequence:07d}"


# -- parts --------------------------------------------------------------------------------


@cache
def areas() -> st.SearchStrategy[Area]:
    """A real area at any depth: province only, district, or subdistrict (all implied)."""
    return st.builds(
        lambda sub, depth: Area(
            province=sub[:2],
            district=sub[:4] if depth >= 2 else None,
            subdistrict=sub if depth == 3 else None,
        ),
        subdistrict_codes().map(lambda s: s[0]),
        st.sampled_from([1, 2, 3, 3, 3]),
    )


@cache
def addresses() -> st.SearchStrategy[Address]:
    parts = st.builds(
        Address,
        house_no=st.from_regex(r"\A[1-9][0-9]{0,2}(/[1-9][0-9]?)?\Z"),
        moo=st.none() | st.integers(1, 20).map(str),
        soi=st.none() | words(1, 2),
        road=st.none() | words(1, 2),
        area=areas(),
        postcode=st.none() | subdistrict_codes().map(lambda s: s[1]).filter(bool),
    )
    line = st.builds(
        Address,
        line=words(1, 5),
        area=areas(),
        postcode=st.none() | st.text("0123456789", min_size=5, max_size=5),
    )
    return parts | line


@cache
def complainants() -> st.SearchStrategy[Complainant]:
    named = st.builds(
        Complainant,
        anonymous=st.just(False),
        conceal_identity=st.booleans(),
        citizen_id=st.none() | citizen_ids(),
        prefix=st.sampled_from(["นาย", "นาง", "นางสาว"]),
        given_name=name(),
        family_name=name(),
        phone=st.none() | phones(),
        email=st.none() | st.from_regex(r"\A[a-z]{1,8}@example\.org\Z"),
        address=st.none() | addresses(),
    )
    anonymous = st.builds(
        Complainant,
        anonymous=st.just(True),
        conceal_identity=st.booleans(),
        phone=st.none() | phones(),
        email=st.none() | st.from_regex(r"\A[a-z]{1,8}@example\.org\Z"),
    )
    return named | anonymous


@cache
def attachments() -> st.SearchStrategy[Attachment]:
    def build(filename: str, media_type: str, content: bytes) -> Attachment:
        return Attachment(
            filename=filename,
            media_type=media_type,
            sha256=hashlib.sha256(content).hexdigest(),
            size=len(content),
            content_b64=base64.b64encode(content).decode("ascii"),
        )

    return st.builds(
        build,
        st.sampled_from(["แผนที่.png", "คำขอ.pdf", "photo.jpg", "หนังสือ ร้องเรียน.pdf"]),
        st.sampled_from(["image/png", "application/pdf", "image/jpeg"]),
        st.binary(max_size=256),
    )


@cache
def coordinates(low: float, high: float) -> st.SearchStrategy[float]:
    """Decimal degrees with at most six decimals, as agencies write them."""
    return st.integers(int(low * 1e6), int(high * 1e6)).map(lambda n: n / 1e6)


@cache
def places() -> st.SearchStrategy[Place]:
    return st.builds(
        Place,
        area=areas(),
        lat=st.none() | coordinates(5.6, 20.5),
        lon=st.none() | coordinates(97.3, 105.7),
    )


@cache
def codes() -> st.SearchStrategy[dict[str, str]]:
    """Subject-matter codes as one of the three formats would bring them."""
    cw = crosswalks()

    def scheme_codes(schemes: tuple[str, ...]) -> st.SearchStrategy[dict[str, str]]:
        return st.fixed_dictionaries({s: st.sampled_from(sorted(cw.codes(s))) for s in schemes})

    return st.one_of(
        st.just({}),
        scheme_codes(("damrongtham.channel", "damrongtham.main_type", "damrongtham.sub_type")),
        scheme_codes(("occ.topic",)),
        scheme_codes(("pmo1111.channel", "pmo1111.case_type", "pmo1111.topic")),
    )


# -- origins ------------------------------------------------------------------------------


@st.composite
def origins(draw: st.DrawFn, received_at: datetime) -> tuple[Reference, str, list[Reference]]:
    """(origin, sender, other references): each system numbers cases its own way."""
    sub = draw(subdistrict_codes())[0]
    be_year = (received_at.astimezone(THAI_TZ).year + 543) % 100
    seq = draw(st.integers(1, 9999))
    drt_unit = f"MOI-DRT-{sub[:4]}"
    drt = Reference(
        system=SourceSystem.DRT,
        ref=f"DOPA{sub[:2]}00{sub[:4]}{be_year:02d}{seq:04d}",
        unit=drt_unit,
    )
    psc = Reference(system=SourceSystem.PSC1111, ref=ticket_number(received_at, seq), unit="PSC")
    omb = Reference(
        system=SourceSystem.OMB,
        ref=f"OMB{received_at.astimezone(THAI_TZ).year}-{seq:06d}",
        unit="OMB",
    )
    ago = Reference(
        system=SourceSystem.AGO, ref=f"AGO-RP-{sub[:2]}/{seq}", unit=f"AGO-RP-{sub[:2]}"
    )
    other = Reference(system=SourceSystem.OTHER, ref=f"X-{seq}", unit="OTHER")
    choice = draw(st.sampled_from([drt, psc, omb, ago, other]))
    sender = draw(st.sampled_from([choice.unit or "OTHER", "MOI-DRT-" + sub[:2], "PSC", "OMB"]))
    rest = [r for r in (drt, psc, omb) if r.system != choice.system]
    references = draw(st.lists(st.sampled_from(rest), unique=True, max_size=2))
    return choice, sender, references


# -- cases --------------------------------------------------------------------------------


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A valid canonical case, format-neutral (see the module docstring)."""
    received_at = draw(instants())
    origin, sender, references = draw(origins(received_at))
    status_at = received_at + timedelta(seconds=draw(st.integers(0, 400 * 86400)))
    escalation = draw(
        st.none()
        | st.builds(
            Escalation,
            reason=st.sampled_from(EscalationReason),
            note=st.none() | words(1, 10),
            at=st.none() | st.just(status_at),
        )
    )
    return Case(
        origin=origin,
        references=references,
        sender=sender,
        received_at=received_at,
        complainant=draw(complainants()),
        respondent=draw(
            st.none()
            | st.builds(
                Respondent,
                kind=st.sampled_from(RespondentKind),
                name=st.none() | words(1, 6),
                agency_code=st.none() | st.sampled_from(["DOL", "DLT", "BMA"]),
            )
        ),
        matter=Matter(
            title=draw(words(1, 20, max_size=500)),
            detail=draw(words(1, 60)),
            request=draw(st.none() | words(1, 10)),
        ),
        codes=draw(codes()),
        incident=draw(st.none() | places()),
        escalation=escalation,
        status=StatusInfo(
            code=draw(st.sampled_from(CaseStatus)),
            at=status_at,
            note=draw(st.none() | words(1, 8)),
        ),
        complexity=draw(st.sampled_from(Complexity)),
        due_days=draw(st.none() | st.integers(1, 60)),
        secrecy=draw(st.integers(0, 3)),
        target_agency=draw(st.none() | st.sampled_from(["DOL", "OCPB", "BMA", "RTP-IG"])),
        attachments=draw(st.lists(attachments(), max_size=2)),
    )
