"""Export the contract's JSON Schemas to schemas/json/ (`python -m schemas.export`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pydantic import BaseModel

from schemas import DeadLetter, NewsEvent, ParsedArticle, RawDocument, StreamEntry

JSON_DIR = Path(__file__).parent / "json"

MODELS: dict[str, type[BaseModel]] = {
    "raw-document.v1.json": RawDocument,
    "parsed-article.v1.json": ParsedArticle,
    "news-event.v1.json": NewsEvent,
    "stream-entry.v1.json": StreamEntry,
    "dead-letter.v1.json": DeadLetter,
}


def rendered() -> dict[str, str]:
    """File name -> JSON Schema text, as the models define it now."""
    return {
        name: json.dumps(model.model_json_schema(mode="serialization"), indent=2, ensure_ascii=False) + "\n"
        for name, model in MODELS.items()
    }


def main() -> int:
    """Write the schema files; with --check, exit 1 if any file differs instead."""
    check = "--check" in sys.argv[1:]
    stale = []
    for name, text in rendered().items():
        path = JSON_DIR / name
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    if stale:
        print("stale JSON Schema files (run python -m schemas.export):", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
