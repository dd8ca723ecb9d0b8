"""Reading the project's own small files: JSON Lines question and article files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .errors import IngestError


def json_lines(path: str | Path, shape: str, problems: list[str] | None = None) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line. A missing file, or a line that is not a
    JSON object, raises IngestError naming the file, the line and the `shape` expected there;
    with `problems` given, a bad line is noted there ("line 3: ...") and skipped instead."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM is fine
    except FileNotFoundError:
        raise IngestError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise IngestError(f"{path} is a folder; give a .jsonl file") from None
    except UnicodeDecodeError:
        raise IngestError(f"{path}: not UTF-8 text; save it as UTF-8") from None
    for n, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError):
            obj = None
        if isinstance(obj, dict):
            yield n, obj
        elif problems is None:
            raise IngestError(f"{path} line {n}: expected {shape}")
        else:
            problems.append(f"line {n}: expected {shape}")
