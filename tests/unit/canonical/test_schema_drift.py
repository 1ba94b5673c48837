import json

from conftest import ROOT

from saphan.canonical.schema import canonical_json_schema, render


def test_published_schema_matches_the_model() -> None:
    published = (ROOT / "schemas" / "canonical" / "case.schema.json").read_text(encoding="utf-8")
    assert published == render(), (
        "schemas/canonical/case.schema.json drifted from the model; regenerate with "
        "`python -m saphan.canonical.schema`"
    )


def test_schema_declares_draft_2020_12_and_requires_core_fields() -> None:
    schema = canonical_json_schema()
    assert schema["$schema"].endswith("2020-12/schema")
    for field in ("origin", "received_at", "complainant", "matter", "status"):
        assert field in schema["required"]
    json.dumps(schema)  # serialisable
