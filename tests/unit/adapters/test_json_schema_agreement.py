"""The published JSON Schemas and the compiled hot path say the same thing.

``schemas/agencies/occ.schema.json`` and ``pmo1111.schema.json`` are the contract; the
adapters validate with strict pydantic wire models instead (``jsonschema`` is ~30× slower).
These tests run ``jsonschema``'s Draft 2020-12 validator (asserting ``format``, with an
independent RFC 3339 checker) over the schema files and the wire models over the same
documents, and require the same verdict: for every example, for every single-key mutation
of every example (drop it, or give it a value of each JSON type), and for Hypothesis-drawn
stacks of mutations (dropped keys, changed types, bad and near-miss codes, unknown keys).

They also check that the code lists agree three ways: ``mappings/codes.yaml``, the schema
enums and the wire models' literals.
"""

from __future__ import annotations

import copy
import json
import typing
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLES, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from saphan_occ import wire as occ_wire
from saphan_pmo1111 import wire as psc_wire

SCHEMAS = ROOT / "schemas" / "agencies"
Doc = dict[str, Any]


@cache
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@cache
def record_validator() -> Draft202012Validator:
    """``#/$defs/record`` on its own: 1111 records are refused one by one, not per batch."""
    schema = validator("pmo1111").schema
    assert isinstance(schema, dict)  # read from a JSON object
    alone = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/record"}
    return Draft202012Validator(alone, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_accepts(name: str, document: Any) -> bool:
    return validator(name).is_valid(document)


def occ_hot_path_accepts(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    _, problems = occ_wire.validate(document)
    return not problems


def psc_hot_path_accepts(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    envelope, problems = psc_wire.validate_envelope(document)
    if envelope is None or problems:
        return False
    for index, record in enumerate(document["records"]):
        _, found = psc_wire.validate_record(record, f"/records/{index}")
        if found:
            return False
    return True


HOT_PATH: dict[str, Callable[[Any], bool]] = {
    "occ": occ_hot_path_accepts,
    "pmo1111": psc_hot_path_accepts,
}


def load(relative: str) -> Doc:
    data: Doc = json.loads((EXAMPLES / relative).read_text(encoding="utf-8"))
    return data


EXAMPLE_FILES = {
    "occ": [
        ("occ/referral-from-warin-chamrap.json", True),
        ("occ/direct-unfair-regulation.json", True),
        ("invalid/occ-unknown-topic-no-complainant.json", False),
    ],
    "pmo1111": [
        ("pmo1111/batch-three-records.json", True),
        ("invalid/pmo1111-one-bad-record.json", False),
    ],
}
ALL_EXAMPLES = [(fmt, path, ok) for fmt, items in EXAMPLE_FILES.items() for path, ok in items]


def agree(fmt: str, document: Any) -> None:
    if (
        fmt == "pmo1111"
        and isinstance(document, dict)
        and isinstance(document.get("records"), list)
    ):
        for index, record in enumerate(document["records"]):
            alone = record_validator().is_valid(record)
            _, problems = psc_wire.validate_record(record, f"/records/{index}")
            assert alone == (not problems), (index, record, problems)
    by_schema = schema_accepts(fmt, document)
    by_hot_path = HOT_PATH[fmt](document)
    if by_schema != by_hot_path:
        errors = [f"{e.json_path}: {e.message}" for e in validator(fmt).iter_errors(document)]
        pytest.fail(
            f"{fmt}: jsonschema says {by_schema}, hot path says {by_hot_path}\n"
            f"schema errors: {errors}\n"
            f"document: {json.dumps(document, ensure_ascii=False)[:3000]}"
        )


# -- the schemas themselves ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["occ", "pmo1111"])
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_date_time_format_is_asserted() -> None:
    # Without rfc3339-validator installed, jsonschema silently skips "format": "date-time"
    # and these tests would compare against a weaker schema than the published one.
    assert "date-time" in Draft202012Validator.FORMAT_CHECKER.checkers
    assert not schema_accepts(
        "occ", {**load("occ/direct-unfair-regulation.json"), "submitted_at": "2024-02-30T10:00:00Z"}
    )


# -- code lists agree three ways -----------------------------------------------------------


def codes_yaml() -> dict[str, dict[str, str]]:
    data = yaml.safe_load((ROOT / "mappings" / "codes.yaml").read_text(encoding="utf-8"))
    return {scheme: {str(k): v for k, v in table.items()} for scheme, table in data.items()}


def schema_def(name: str, *path: str) -> Any:
    node: Any = validator(name).schema
    for part in path:
        node = node[part]
    return node


def literal_values(annotation: Any) -> list[Any]:
    """The values of a Literal, looking through Annotated and Optional wrappers."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return list(typing.get_args(annotation))
    return [v for arg in typing.get_args(annotation) for v in literal_values(arg)]


CODE_LISTS = [
    # (codes.yaml scheme, schema, path to the enum, wire model field annotation)
    ("occ.topic", "occ", ("$defs", "topic", "enum"), occ_wire.Matter.model_fields["topic"]),
    (
        "occ.referral_reason",
        "occ",
        ("$defs", "referralReason", "enum"),
        occ_wire.Referral.model_fields["reason"],
    ),
    ("occ.status", "occ", ("$defs", "status", "enum"), occ_wire.StatusBlock.model_fields["code"]),
    (
        "pmo1111.channel",
        "pmo1111",
        ("$defs", "record", "properties", "channel", "enum"),
        psc_wire.PscRecord.model_fields["channel"],
    ),
    (
        "pmo1111.case_type",
        "pmo1111",
        ("$defs", "record", "properties", "case_type", "enum"),
        psc_wire.PscRecord.model_fields["case_type"],
    ),
    (
        "pmo1111.topic",
        "pmo1111",
        ("$defs", "record", "properties", "topic", "enum"),
        psc_wire.PscRecord.model_fields["topic"],
    ),
    (
        "pmo1111.status",
        "pmo1111",
        ("$defs", "record", "properties", "status", "enum"),
        psc_wire.PscRecord.model_fields["status"],
    ),
]


# ids name the scheme only: a field's repr holds object addresses, which differ between
# pytest-xdist workers and break the collection they must agree on
@pytest.mark.parametrize(
    ("scheme", "schema", "path", "field"), CODE_LISTS, ids=[c[0] for c in CODE_LISTS]
)
def test_code_lists_agree(scheme: str, schema: str, path: tuple[str, ...], field: Any) -> None:
    yaml_codes = set(codes_yaml()[scheme])
    schema_codes = {str(v) for v in schema_def(schema, *path) if v is not None}
    wire_codes = {str(v) for v in literal_values(field.rebuild_annotation())}
    assert yaml_codes == schema_codes == wire_codes


# -- examples -----------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "path", "valid"), ALL_EXAMPLES)
def test_examples_get_the_same_verdict(fmt: str, path: str, valid: bool) -> None:
    document = load(path)
    assert schema_accepts(fmt, document) is valid
    assert HOT_PATH[fmt](document) is valid


# -- every single mutation of every example ------------------------------------------------------

REPLACEMENTS: list[Any] = [None, True, False, 0, 1, 1.0, -1, 2.5, 1e20, "", "x", [], {}]


def paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path to a value inside ``node`` (not the root)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from paths(value, (*prefix, index))


def parent_of(document: Any, path: tuple[str | int, ...]) -> Any:
    node = document
    for part in path[:-1]:
        node = node[part]
    return node


def replaced(document: Doc, path: tuple[str | int, ...], value: Any) -> Doc:
    copied = copy.deepcopy(document)
    parent_of(copied, path)[path[-1]] = value
    return copied


def dropped(document: Doc, path: tuple[str | int, ...]) -> Doc:
    copied = copy.deepcopy(document)
    parent = parent_of(copied, path)
    del parent[path[-1]]
    return copied


def single_mutations(fmt: str) -> Iterator[tuple[str, Doc]]:
    for relative, _ in EXAMPLE_FILES[fmt]:
        document = load(relative)
        if fmt == "pmo1111":
            # One record is enough for the exhaustive pass (the others are alike); the
            # Hypothesis pass below mutates whole batches.
            document = {**document, "records": document["records"][1:2]}
        for path in paths(document):
            yield f"{relative}: drop {path}", dropped(document, path)
            for value in REPLACEMENTS:
                yield f"{relative}: {path} = {value!r}", replaced(document, path, value)


@pytest.mark.parametrize("fmt", ["occ", "pmo1111"])
def test_every_single_mutation_gets_the_same_verdict(fmt: str) -> None:
    count = 0
    refused = 0
    for _label, document in single_mutations(fmt):
        agree(fmt, document)
        count += 1
        refused += not schema_accepts(fmt, document)
    # The mutations are not vacuous: most are refused, some (dropping an optional key,
    # a null where null is allowed, an unknown shape under an ignored key) are not.
    assert count > 500
    assert 0.3 * count < refused < count


# -- Hypothesis: stacks of mutations -----------------------------------------------------------

VALID_CODES = {
    "occ": ["OMB", "DRT", "PSC1111", "UNFAIR_LAW", "OTHER", "REFERRED", "LEGAL_ISSUE", "2.1"],
    "pmo1111": ["T01", "T15", "G", "C", "DRT", "1.0", "PSC-20241011-0007", "6710110000123"],
}


def near_misses(value: str) -> st.SearchStrategy[str]:
    """Strings that almost are ``value``: the kind of wrong code senders send."""
    return st.sampled_from(
        [
            value + "\n",
            value + "0",
            value[:-1],
            value.lower(),
            value.upper() + " ",
            " " + value,
            value.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")),
            value.replace("-", ""),
        ]
    )


def values(fmt: str, current: Any) -> st.SearchStrategy[Any]:
    scalar = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**14), 10**14),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.sampled_from(VALID_CODES[fmt]),
        st.from_regex(r"\A[0-9]{1,14}\Z"),
        st.from_regex(
            r"\A(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z\Z"
        ),
    )
    options = [scalar, st.lists(scalar, max_size=2), st.dictionaries(st.text(max_size=5), scalar)]
    if isinstance(current, str):
        options.append(near_misses(current))
    if isinstance(current, int | float) and not isinstance(current, bool):
        options.append(st.sampled_from([current + 1, -current, float(current), current * 1000]))
    return st.one_of(options)


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> Doc:
    relative = draw(st.sampled_from([r for r, _ in EXAMPLE_FILES[fmt]]))
    document = load(relative)
    for _ in range(draw(st.integers(1, 4))):
        candidates = list(paths(document))
        if not candidates:
            break
        path = draw(st.sampled_from(candidates))
        action = draw(st.sampled_from(["drop", "replace", "replace", "add"]))
        parent = parent_of(document, path)
        if action == "drop":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=8))] = draw(values(fmt, None))
        else:
            parent[path[-1]] = draw(values(fmt, parent[path[-1]]))
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=mutated("occ"))
def test_mutated_occ_documents_get_the_same_verdict(document: Doc) -> None:
    agree("occ", document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=mutated("pmo1111"))
def test_mutated_pmo1111_batches_get_the_same_verdict(document: Doc) -> None:
    agree("pmo1111", document)


def test_schema_files_are_where_the_hub_reads_them() -> None:
    from saphan.paths import schemas_dir

    assert Path(schemas_dir(), "agencies", "occ.schema.json").is_file()
    assert Path(schemas_dir(), "agencies", "pmo1111.schema.json").is_file()
