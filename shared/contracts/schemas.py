"""JSON Schema of every contract, committed in `shared/contracts/schema/` (ARCHITECTURE.md §5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from shared.contracts import ALL_EVENTS

SCHEMA_DIR = Path(__file__).parent / "schema"


def file_name(subject: str) -> str:
    """`<subject>.json`, with wildcard tokens dropped (`ingest.*.x` → `ingest.x.json`)."""
    return ".".join(token for token in subject.split(".") if token not in ("*", ">")) + ".json"


def generate() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema of its contract, in catalogue order."""
    return {file_name(getattr(m, "SUBJECT")): m.model_json_schema() for m in ALL_EVENTS}  # noqa: B009


def render(schema: dict[str, Any]) -> str:
    """The committed text of a schema: stable key order, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(directory: Path = SCHEMA_DIR, *, prune: bool = False) -> list[Path]:
    """Write every schema into `directory`; with `prune`, delete `*.json` no contract owns."""
    directory.mkdir(parents=True, exist_ok=True)
    schemas = generate()
    written = []
    for name, schema in schemas.items():
        path = directory / name
        path.write_text(render(schema), encoding="utf-8")
        written.append(path)
    if prune:
        for stale in directory.glob("*.json"):
            if stale.name not in schemas:
                stale.unlink()
    return written


if __name__ == "__main__":
    for path in write(prune=True):
        print(path)
