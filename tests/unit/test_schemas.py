"""The contract: JSON Schema files match the models, and the models refuse what they should."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import RawDocument
from schemas.export import JSON_DIR, rendered


@pytest.mark.parametrize("name", sorted(rendered()))
def test_checked_in_json_schema_matches_the_model(name: str) -> None:
    path = JSON_DIR / name
    assert path.exists(), f"{name} missing: run python -m schemas.export"
    assert path.read_text() == rendered()[name], (
        f"{name} drifted from its model: run python -m schemas.export"
    )


def test_raw_document_id_is_stable_and_depends_on_content_and_url() -> None:
    a = RawDocument.create(b"text", channel="cli")
    b = RawDocument.create(b"text", channel="webhook")
    c = RawDocument.create(b"text", channel="cli", url="https://example.org/a")
    assert a.id == b.id
    assert a.id != c.id
    assert a.id.startswith("doc_")
    assert len(a.id) == 28


def test_raw_document_bytes_round_trip_through_json() -> None:
    doc = RawDocument.create(
        "Астана \x00 «x»".encode(), channel="cli", received_at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    assert RawDocument.model_validate_json(doc.model_dump_json()) == doc
    assert RawDocument.model_validate(doc.model_dump(mode="json")) == doc


def test_models_that_cross_processes_refuse_unknown_fields() -> None:
    data = RawDocument.create(b"x", channel="cli").model_dump(mode="json")
    data["surprise"] = 1
    with pytest.raises(ValidationError, match="surprise"):
        RawDocument.model_validate(data)
