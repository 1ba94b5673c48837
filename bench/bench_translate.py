"""Translation benchmark: every (from, to) pair of agency formats against bare parsing.

For each of the 9 pairs, a full translation of the spec example messages of the source
format (parse, validate, resolve codes, render in the target format for the target's
central agency) is timed against merely parsing the same bytes (``lxml.etree.fromstring``
for XML, ``json.loads`` for JSON) in the same run, in interleaved rounds so that load on
the machine touches both alike. A message counts once however many records it holds.
One JSON object per line (the conventions of :mod:`common`):

* ``translate.<from>-><to>``: ``value`` messages/s, ``floor`` "bare parse", ``peer_value``
  its messages/s, ``ratio`` = value / peer_value; ``bar`` 0.10 and ``meets_bar``.
* ``schema.<format>`` (JSON formats): the hot path's own validation (the adapter's compiled
  pydantic wire models), µs per message, against ``jsonschema`` Draft 2020-12 (format
  checks, every error listed) on the same documents; ``ratio`` = how many times faster the
  hot path is; ``rest_of_translation_us``: the rest of a translation into the same format.
* ``validation_share.<format>``: the hot path's validation (the XSD through libxml2 for
  Damrongtham) against the rest of a translation: µs each, its share, and how many times
  the rest ``jsonschema`` alone would cost.
* ``profile.<from>-><to>``: a cProfile summary: the shares of parsing and rendering, the
  functions with the most time of their own, and the adapter functions with the most time
  below them.
* ``machine``: what it ran on.

Rates are per second of this process's CPU time (``time.process_time``), so that other
work on the machine does not count. Run ``python bench/bench_translate.py`` (7 rounds of
0.5 s per measurement) or ``--quick`` (3 rounds of 0.1 s; under 30 s). ``--check`` exits 1
when a pair misses the bar.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from common import emit, machine, note
from jsonschema import Draft202012Validator
from lxml import etree

from saphan.directory import DirectorySource
from saphan.paths import schemas_dir
from saphan.translate import Adapter, Receiver, get_adapter
from saphan.translate.safexml import schema as compiled_xsd
from saphan_occ import wire as occ_wire
from saphan_pmo1111 import wire as pmo_wire

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SAPHAN_SHARED", ROOT.parent / "shared"))
FORMATS = ("damrongtham", "occ", "pmo1111")
#: the receiver a translation is written for: the central agency speaking the target format
CENTRAL = {"damrongtham": "MOI-DRT", "occ": "OMB", "pmo1111": "PSC"}
BAR = 0.10

Work = Callable[[bytes], object]


# -- what is measured -------------------------------------------------------------------------


def messages(examples: Path, fmt: str) -> list[bytes]:
    """The valid example messages of ``fmt`` (every record must read without a problem)."""
    found = [p.read_bytes() for p in sorted((examples / fmt).glob("*")) if p.is_file()]
    for data in found:
        assert not get_adapter(fmt).parse(data).problems, f"an example of {fmt} is invalid"
    assert found, f"no {fmt} examples in {examples}"
    return found


def bare_parse(adapter: Adapter) -> Work:
    """The least work that reads the bytes: the C parser of the format's syntax."""
    if adapter.media_type.endswith("xml"):
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return lambda data: etree.fromstring(data, parser)
    return json.loads


def translation(source: str, target: str, receivers: dict[str, Receiver]) -> Work:
    reader, writer = get_adapter(source), get_adapter(target)
    base = receivers[target]

    def translate(data: bytes) -> list[bytes]:
        parsed = reader.parse(data)
        return [writer.render(case, replace(base, sent_at=case.status.at)) for case in parsed.cases]

    return translate


def receivers() -> dict[str, Receiver]:
    directory = DirectorySource().current()
    out = {}
    for fmt, code in CENTRAL.items():
        agency = directory.get(code)
        out[fmt] = Receiver(code, name=agency.name_th, options=dict(agency.options))
    return out


# -- timing -------------------------------------------------------------------------------------


def rate(work: Work, items: Sequence[Any], budget: float) -> float:
    """Items per CPU second: the whole list, over and over, for at least ``budget`` seconds
    of this process's CPU time (other load on the machine does not count)."""
    done = 0
    started = time.process_time()
    while True:
        for item in items:
            work(item)
        done += len(items)
        elapsed = time.process_time() - started
        if elapsed >= budget:
            return done / elapsed


def paired_rates(
    work: Work, floor: Work, items: Sequence[Any], rounds: int, budget: float
) -> tuple[float, float]:
    """Medians of ``work`` and ``floor`` measured in alternating rounds."""
    for item in items:  # warm caches (schemas, crosswalks, area tables) outside the clock
        work(item)
        floor(item)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(rate(work, items, budget))
        theirs.append(rate(floor, items, budget))
    return statistics.median(ours), statistics.median(theirs)


# -- validation costs -----------------------------------------------------------------------


def json_schema(fmt: str) -> Draft202012Validator:
    path = schemas_dir() / "agencies" / f"{fmt}.schema.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    return Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)


def every_error(validator: Draft202012Validator) -> Work:
    # every error, as the hot path lists every problem (not is_valid, which stops at one)
    return lambda document: list(validator.iter_errors(document))


def occ_hot(document: Any) -> object:
    return occ_wire.validate(document)


def pmo_hot(document: Any) -> object:
    verdicts: list[object] = [pmo_wire.validate_envelope(document)]
    for i, record in enumerate(document["records"]):
        verdicts.append(pmo_wire.validate_record(record, f"/records/{i}"))
    return verdicts


def xsd_hot() -> Work:
    xsd = compiled_xsd(schemas_dir() / "agencies" / "damrongtham.xsd")
    return lambda root: xsd.validate(root)  # type: ignore[arg-type]


def validation_costs(
    examples: Path, translate_rate: dict[str, float], rounds: int, budget: float
) -> None:
    """The hot path's own validation against jsonschema and against the rest of the work."""
    for fmt in FORMATS:
        data = messages(examples, fmt)
        whole = 1e6 / translate_rate[fmt]  # µs per message of a translation fmt -> fmt
        schema_us = None
        if fmt == "damrongtham":
            parser = etree.XMLParser(resolve_entities=False, no_network=True)
            items: list[Any] = [etree.fromstring(d, parser) for d in data]
            hot: Work = xsd_hot()
            what = "the XSD through libxml2, compiled once"
        else:
            items = [json.loads(d) for d in data]
            hot = occ_hot if fmt == "occ" else pmo_hot
            what = "the adapter's pydantic wire models"
            slow, fast = paired_rates(every_error(json_schema(fmt)), hot, items, rounds, budget)
            schema_us = 1e6 / slow
            emit(
                f"schema.{fmt}",
                1e6 / fast,
                "us/msg",
                peer="jsonschema Draft 2020-12 (format checks, every error)",
                peer_value=schema_us,
                higher_is_better=False,
                hot_path=what,
                rest_of_translation_us=round(whole - 1e6 / fast, 1),
            )
        hot_us = 1e6 / paired_rates(hot, hot, items, 1, budget)[0]
        rest = whole - hot_us
        note(
            f"validation_share.{fmt}",
            hot_path=what,
            validation_us=round(hot_us, 1),
            rest_of_translation_us=round(rest, 1),
            share=round(hot_us / whole, 3),
            jsonschema_over_rest=None if schema_us is None else round(schema_us / rest, 2),
        )


# -- profiles -------------------------------------------------------------------------------


def _where(key: tuple[str, int, str]) -> str:
    """``package/module.py:line(function)``, or a built-in's own description."""
    file, line, name = key
    if file == "~":
        return name
    path = Path(file)
    for top in (ROOT / "adapters", ROOT / "hub", ROOT):
        if path.is_relative_to(top):
            return f"{path.relative_to(top)}:{line}({name})"
    return f"{'/'.join(path.parts[-2:])}:{line}({name})"


def _ours(key: tuple[str, int, str]) -> bool:
    path = Path(key[0])
    return path.is_relative_to(ROOT / "adapters") or path.is_relative_to(ROOT / "hub" / "saphan")


#: entry points whose time is the whole of a side: named in the shares, not in the list
_ENTRY = {"parse", "_parse", "render", "_render"}


def profile(source: str, target: str, work: Work, items: Sequence[bytes], budget: float) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    rate(work, items, budget)
    profiler.disable()
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    mine = str(Path(__file__).resolve())
    # the whole translation: the cumulative time of the measured function
    total = sum(row[3] for key, row in stats.items() if key[0] == mine and key[2] == "translate")
    total = total or 1.0

    def share(value: float) -> float:
        return round(value / total, 3)

    adapter_py = str(ROOT / "hub" / "saphan" / "translate" / "adapter.py")
    sides = {
        name: sum(row[3] for key, row in stats.items() if key[0] == adapter_py and key[2] == name)
        for name in ("parse", "render")
    }
    own = sorted(
        (kv for kv in stats.items() if kv[0][0] != mine), key=lambda kv: kv[1][2], reverse=True
    )[:5]
    below = sorted(
        (kv for kv in stats.items() if _ours(kv[0]) and kv[0][2] not in _ENTRY),
        key=lambda kv: kv[1][3],
        reverse=True,
    )[:5]
    note(
        f"profile.{source}->{target}",
        parse_share=share(sides["parse"]),
        render_share=share(sides["render"]),
        self=[{"function": _where(k), "share": share(v[2])} for k, v in own],
        adapter=[{"function": _where(k), "share": share(v[3])} for k, v in below],
    )


# -- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 short rounds (under 30 s)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a pair misses the bar")
    parser.add_argument("--no-profile", action="store_true", help="leave out the profiles")
    parser.add_argument(
        "--examples", type=Path, default=SHARED / "spec" / "examples", help="the messages"
    )
    args = parser.parse_args()
    rounds, budget = (3, 0.1) if args.quick else (7, 0.5)
    to = receivers()
    data = {fmt: messages(args.examples, fmt) for fmt in FORMATS}

    note("machine", **machine())
    missed = []
    same_format: dict[str, float] = {}
    for source in FORMATS:
        floor = bare_parse(get_adapter(source))
        for target in FORMATS:
            work = translation(source, target, to)
            value, peer = paired_rates(work, floor, data[source], rounds, budget)
            if source == target:
                same_format[source] = value
            line = emit(
                f"translate.{source}->{target}",
                value,
                "msg/s",
                floor="bare parse",
                peer_value=peer,
                bar=BAR,
            )
            if not line["meets_bar"]:
                missed.append(f"{source}->{target}")
    validation_costs(args.examples, same_format, rounds, budget)
    if not args.no_profile:
        for source in FORMATS:
            for target in FORMATS:
                work = translation(source, target, to)
                profile(source, target, work, data[source], budget * 2)
    if missed:
        print(f"below the bar of {BAR}: {', '.join(missed)}", file=sys.stderr)
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
