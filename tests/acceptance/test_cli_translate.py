"""Acceptance: ``saphan translate`` and ``saphan validate`` as the contract states them
(hub-contract.md, "Command line"), on every spec example and all 3 × 3 format pairs.

The matrix runs the command line in-process through the CLI funnel (``saphan.cli.run``),
which is what the console script calls; a handful of tests run the real console script to
prove the installed command behaves the same, reads standard input and never prints a
traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES

from saphan.cli import run
from saphan.translate import get_adapter

SAPHAN = Path(sys.executable).with_name("saphan")
FORMATS = ("damrongtham", "occ", "pmo1111")
EXTENSION = {"damrongtham": "xml", "occ": "json", "pmo1111": "json"}

#: every problem the examples README names, by path, for each invalid example
README_PROBLEMS = {
    "damrongtham-missing-subject-bad-date.xml": {"/Case/Subject", "/Case/ReceivedAt"},
    "occ-unknown-topic-no-complainant.json": {"/matter/topic", "/complainant"},
    "pmo1111-one-bad-record.json": {"/records/1/topic", "/records/1/recv_ms"},
    "damrongtham-doctype-entity.xml": {""},  # the whole message is refused
}


def source_format(path: Path) -> str:
    return path.name.split("-")[0] if path.parent.name == "invalid" else path.parent.name


def example_files() -> list[Path]:
    if not EXAMPLES.is_dir():
        return []
    return sorted(p for p in EXAMPLES.glob("*/*") if p.suffix in {".xml", ".json"})


@dataclass
class Result:
    code: int
    out: bytes
    err: str

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem on standard error; every line before it is a warning."""
        start = self.err.find("{\n")
        assert start >= 0, f"no problem JSON on standard error: {self.err!r}"
        for line in self.err[:start].splitlines():
            assert line.startswith("warning: "), line
        body: dict[str, Any] = json.loads(self.err[start:])
        return body

    def paths(self) -> set[str]:
        return {e["path"] for e in self.problem()["errors"]}

    def warnings(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("warning: ")]


def saphan(capsysbinary: pytest.CaptureFixture[bytes], *args: str) -> Result:
    """The command line, in-process, through the same funnel as the console script."""
    code = run(list(args))
    out, err = capsysbinary.readouterr()
    assert "Traceback" not in err.decode("utf-8", "replace")
    return Result(code, out, err.decode("utf-8"))


def console(*args: str, stdin: bytes | None = None) -> Result:
    """The installed console script, in a child process."""
    done = subprocess.run(
        [str(SAPHAN), *args], input=stdin, capture_output=True, timeout=60, check=False
    )
    err = done.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    return Result(done.returncode, done.stdout, err)


def read_as(fmt: str, data: bytes) -> list[Any]:
    """The cases of ``data`` read in ``fmt``; fails when it is not a valid message."""
    parsed = get_adapter(fmt).parse(data)
    assert not parsed.problems, parsed.problems
    return parsed.cases


# -- the 3 × 3 matrix on every example ----------------------------------------------------


@pytest.mark.parametrize("target", FORMATS)
@pytest.mark.parametrize("path", example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_translate_every_example_into_every_format(
    examples: Path,
    path: Path,
    target: str,
    tmp_path: Path,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    source = source_format(path)
    out_dir = tmp_path / "out"
    batch = source == "pmo1111"
    args = ["translate", "--from", source, "--to", target, str(path)]
    result = saphan(capsysbinary, *args, *(["--out", str(out_dir)] if batch else []))

    if path.name in README_PROBLEMS:
        assert result.code == 1
        assert README_PROBLEMS[path.name] <= result.paths()
        return

    assert result.code == 0, result.err
    assert all(line.startswith("warning: ") for line in result.err.splitlines())
    originals = get_adapter(source).parse(path.read_bytes())
    if batch:
        files = sorted(out_dir.iterdir())
        expected = sorted(f"{r.tracking_no}.{EXTENSION[target]}" for r in originals.records)
        assert [f.name for f in files] == expected
        assert result.out.decode().split() == [str(out_dir / name) for name in expected]
        written = [case for f in files for case in read_as(target, f.read_bytes())]
    else:
        written = read_as(target, result.out)
    assert [c.matter.title for c in written] == [c.matter.title for c in originals.cases]
    assert [c.received_at for c in written] == [c.received_at for c in originals.cases]


def test_a_batch_with_a_bad_record_writes_the_good_ones(
    examples: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = EXAMPLES / "invalid" / "pmo1111-one-bad-record.json"
    result = saphan(
        capsysbinary,
        "translate",
        "--from",
        "pmo1111",
        "--to",
        "occ",
        "--out",
        str(tmp_path),
        str(path),
    )
    assert result.code == 1
    assert result.paths() == README_PROBLEMS[path.name]
    assert sorted(f.name for f in tmp_path.iterdir()) == [
        "6710110000123.json",
        "6710110000125.json",
    ]
    assert "2 record(s) were written" in result.problem()["detail"]


def test_a_batch_of_several_records_needs_out(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = EXAMPLES / "pmo1111" / "batch-three-records.json"
    result = saphan(capsysbinary, "translate", "--from", "pmo1111", "--to", "occ", str(path))
    assert result.code == 1
    assert result.out == b""
    assert result.paths() == {"/records"}
    assert "--out" in result.problem()["detail"]


def test_the_doctype_entity_is_never_resolved(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = EXAMPLES / "invalid" / "damrongtham-doctype-entity.xml"
    result = saphan(capsysbinary, "translate", "--from", "damrongtham", "--to", "occ", str(path))
    assert result.code == 1
    assert "DOCTYPE" in json.dumps(result.problem(), ensure_ascii=False)
    entity = re.search(rb'SYSTEM "file://([^"]+)"', path.read_bytes())
    assert entity is not None
    target = Path(entity.group(1).decode())
    if target.is_file() and target.read_text().strip():
        secret = target.read_text().strip()
        assert secret not in result.err
        assert secret.encode() not in result.out


# -- receivers and holder fields --------------------------------------------------------------


WARIN = ("damrongtham", "escalation-warin-chamrap.xml")
OCC_WARIN = ("occ", "referral-from-warin-chamrap.json")


def test_warin_chamrap_for_the_ombudsman_is_the_occ_example(examples: Path) -> None:
    source = EXAMPLES.joinpath(*WARIN)
    result = console(
        "translate", "--from", "damrongtham", "--to", "occ", "--for", "OMB", str(source)
    )
    assert result.code == 0, result.err
    assert result.err == ""
    assert json.loads(result.out) == json.loads(EXAMPLES.joinpath(*OCC_WARIN).read_bytes())


def test_the_default_receiver_is_the_policys_first_destination(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # rule 1 sends the escalation to OMB (and a copy to MOI-DRT-34): same output as --for OMB
    source = str(EXAMPLES.joinpath(*WARIN))
    routed = saphan(capsysbinary, "translate", "--from", "damrongtham", "--to", "occ", source)
    assert routed.code == 0
    assert routed.warnings() == []
    assert json.loads(routed.out) == json.loads(EXAMPLES.joinpath(*OCC_WARIN).read_bytes())


def test_the_same_input_gives_the_same_bytes(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    for target in FORMATS:
        args = (
            "translate",
            "--from",
            "damrongtham",
            "--to",
            target,
            str(EXAMPLES.joinpath(*WARIN)),
        )
        first, second = saphan(capsysbinary, *args), saphan(capsysbinary, *args)
        assert first.code == second.code == 0
        assert first.out == second.out


def test_no_destination_falls_back_with_a_warning(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # a provincial center's own case, no escalation: the policy sends it nowhere
    source = str(EXAMPLES / "damrongtham" / "provincial-informal-debt.xml")
    to_occ = saphan(capsysbinary, "translate", "--from", "damrongtham", "--to", "occ", source)
    assert to_occ.code == 0
    (warning,) = to_occ.warnings()
    assert "OMB" in warning and "--for" in warning
    to_drt = saphan(
        capsysbinary, "translate", "--from", "damrongtham", "--to", "damrongtham", source
    )
    assert to_drt.code == 0
    (warning,) = to_drt.warnings()
    assert "MOI-DRT-34" in warning
    (case,) = read_as("damrongtham", to_drt.out)
    assert case.sender == "MOI-DRT-34"  # the Center written is the sender itself


def test_for_names_the_receiver_and_its_format_options(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    source = str(EXAMPLES.joinpath(*WARIN))
    to_dol = saphan(
        capsysbinary,
        "translate",
        "--from",
        "damrongtham",
        "--to",
        "pmo1111",
        "--for",
        "DOL",
        source,
    )
    assert to_dol.code == 0
    assert json.loads(to_dol.out)["records"][0]["target_agency"] == "DOL"
    # a legacy district center: its directory entry asks for TIS-620
    to_center = saphan(
        capsysbinary, "translate", "--from", "occ", "--to", "damrongtham", "--for", "MOI-DRT-3415",
        str(EXAMPLES.joinpath(*OCC_WARIN)),
    )  # fmt: skip
    assert to_center.code == 0
    assert to_center.out.startswith(b'<?xml version="1.0" encoding="TIS-620"?>')
    (case,) = read_as("damrongtham", to_center.out)
    assert case.sender == "MOI-DRT-3415"
    # an agency of another format: written as asked, with a warning
    mismatch = saphan(capsysbinary, "translate", "--from", "occ", "--to", "pmo1111", "--for", "OMB",
                      str(EXAMPLES.joinpath(*OCC_WARIN)))  # fmt: skip
    assert mismatch.code == 0
    assert any("OMB speaks occ" in w for w in mismatch.warnings())


def test_a_case_the_receiver_cannot_hold_is_a_problem_by_path(
    examples: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    # TIS-620 (the legacy district center's encoding) has no emoji
    document = json.loads(EXAMPLES.joinpath(*OCC_WARIN).read_bytes())
    document["matter"]["facts"] += " 😀"
    source = tmp_path / "emoji.json"
    source.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    args = ["translate", "--from", "occ", "--to", "damrongtham", str(source)]
    legacy = saphan(capsysbinary, *args, "--for", "MOI-DRT-3415")
    assert legacy.code == 1
    assert legacy.out == b""
    assert legacy.paths() == {"/Case/Detail"}
    assert "TIS-620" in legacy.problem()["detail"]
    utf8 = saphan(capsysbinary, *args, "--for", "MOI-DRT-34")  # a provincial center: UTF-8
    assert utf8.code == 0
    (case,) = read_as("damrongtham", utf8.out)
    assert case.matter.detail.endswith("😀")


# -- validate ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_validate_every_example(
    examples: Path, path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    fmt = source_format(path)
    result = saphan(capsysbinary, "validate", "--format", fmt, str(path))
    if path.name in README_PROBLEMS:
        assert result.code == 1
        assert README_PROBLEMS[path.name] <= result.paths()
        return
    assert result.code == 0, result.err
    lines = result.out.decode().splitlines()
    records = get_adapter(fmt).parse(path.read_bytes()).records
    assert len(lines) == len(records)
    for line, record in zip(lines, records, strict=True):
        assert line.startswith(f"record {record.index} {record.tracking_no}: valid")


def test_validate_lists_valid_and_invalid_records_of_a_batch(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = EXAMPLES / "invalid" / "pmo1111-one-bad-record.json"
    result = saphan(capsysbinary, "validate", "--format", "pmo1111", str(path))
    assert result.code == 1
    verdicts = [line.split(": ", 1)[1].split(",")[0] for line in result.out.decode().splitlines()]
    assert verdicts == ["valid", "invalid", "valid"]
    assert result.paths() == README_PROBLEMS[path.name]


# -- never a traceback ------------------------------------------------------------------------


def hostile_inputs(tmp_path: Path) -> dict[str, Path]:
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    return {
        "garbage": garbage,
        "empty": empty,
        "missing": tmp_path / "no-such-file.xml",
        "directory": tmp_path,
    }


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", ["garbage", "empty", "missing", "directory"])
def test_unreadable_input_is_a_problem_not_a_traceback(
    fmt: str, kind: str, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    path = str(hostile_inputs(tmp_path)[kind])
    translated = saphan(capsysbinary, "translate", "--from", fmt, "--to", "occ", path)
    validated = saphan(capsysbinary, "validate", "--format", fmt, path)
    for result in (translated, validated):
        assert result.code == 1
        assert result.out == b""
        problem = result.problem()
        assert problem["status"] == 422 and problem["errors"]


def test_unknown_format_or_agency_is_a_usage_error(
    examples: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    source = str(EXAMPLES.joinpath(*OCC_WARIN))
    unknown_from = saphan(capsysbinary, "translate", "--from", "xml", "--to", "occ", source)
    unknown_to = saphan(capsysbinary, "translate", "--from", "occ", "--to", "csv", source)
    unknown_agency = saphan(
        capsysbinary, "translate", "--from", "occ", "--to", "occ", "--for", "NOPE", source
    )
    unknown_format = saphan(capsysbinary, "validate", "--format", "csv", source)
    assert unknown_from.paths() == {"/--from"}
    assert unknown_to.paths() == {"/--to"}
    assert unknown_agency.paths() == {"/--for"}
    assert unknown_format.paths() == {"/--format"}
    for result in (unknown_from, unknown_to, unknown_agency, unknown_format):
        assert result.code == 2
        assert result.out == b""


# -- the installed console script -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "command"),
    [
        ("garbage", ["translate", "--from", "damrongtham", "--to", "occ"]),
        ("empty", ["validate", "--format", "pmo1111"]),
        ("missing", ["translate", "--from", "occ", "--to", "pmo1111"]),
        ("directory", ["validate", "--format", "damrongtham"]),
    ],
)
def test_console_script_reports_unreadable_input(
    kind: str, command: list[str], tmp_path: Path
) -> None:
    result = console(*command, str(hostile_inputs(tmp_path)[kind]))
    assert result.code == 1
    assert result.problem()["errors"]


def test_console_script_unknown_format_exits_2(examples: Path) -> None:
    result = console(
        "translate", "--from", "csv", "--to", "occ", str(EXAMPLES.joinpath(*OCC_WARIN))
    )
    assert result.code == 2
    assert result.paths() == {"/--from"}


def test_console_script_reads_standard_input_and_writes_files(
    examples: Path, tmp_path: Path
) -> None:
    occ = EXAMPLES.joinpath(*OCC_WARIN).read_bytes()
    piped = console("translate", "--from", "occ", "--to", "pmo1111", "--for", "PSC", stdin=occ)
    assert piped.code == 0, piped.err
    (case,) = read_as("pmo1111", piped.out)
    assert case.matter.title == json.loads(occ)["matter"]["title"]

    batch = EXAMPLES / "pmo1111" / "batch-three-records.json"
    out = tmp_path / "out"
    written = console(
        "translate", "--from", "pmo1111", "--to", "damrongtham", "--out", str(out), str(batch)
    )
    assert written.code == 0, written.err
    names = sorted(p.name for p in out.iterdir())
    assert names == ["6710110000123.xml", "6710110000124.xml", "6710110000125.xml"]
    for path in out.iterdir():
        assert len(read_as("damrongtham", path.read_bytes())) == 1

    valid = console("validate", "--format", "pmo1111", str(batch))
    assert valid.code == 0
    assert len(valid.out.decode().splitlines()) == 3
