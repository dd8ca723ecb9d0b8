"""What the benchmark scripts (and the tests) share: a free loopback port, reading a JSON
Lines file, finding the MedQuAD data, and keeping one benchmark's section of a Markdown file
between its markers."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from askclinic.files import json_lines

MEDQUAD_VAR = "ASKCLINIC_MEDQUAD"
MEDQUAD_FILES = ("articles.jsonl", "dev_questions.jsonl")
NO_MEDQUAD = (
    f"MedQuAD not found: set {MEDQUAD_VAR} to a folder holding its articles.jsonl and "
    "dev_questions.jsonl (see CONTRIBUTING.md, Test data)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_rows(path: str | Path) -> list[dict]:
    """Every object of a JSON Lines file; a bad line is an error naming it."""
    return [obj for _, obj in json_lines(path, "a JSON object")]


def medquad() -> Path | None:
    """The MedQuAD folder (articles.jsonl, dev_questions.jsonl) that $ASKCLINIC_MEDQUAD names;
    None when the variable is unset or the folder lacks them."""
    value = os.environ.get(MEDQUAD_VAR, "").strip()
    if not value:
        return None
    folder = Path(value)
    return folder if all((folder / name).is_file() for name in MEDQUAD_FILES) else None


def git_commit() -> str:
    """The short hash of the checked-out commit, for "Run ... at commit X" lines ("?" outside git)."""
    run = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=Path(__file__).parent, capture_output=True, text=True
    )
    return run.stdout.strip() or "?"


def write_section(path: Path, start: str, end: str, body: str, heading: str | None = None) -> None:
    """Put `body` between the markers `start` and `end` in `path`, replacing what was there;
    without the markers, append it (under `heading` when the file lacks that line). Other
    sections stay as they are."""
    block = f"{start}\n{body}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        new = old[: old.index(start)] + block + old[old.index(end) + len(end) :]
    else:
        if heading and heading not in old.splitlines():
            old = old.rstrip("\n") + f"\n\n{heading}\n"
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def publish(table: str, start: str, end: str, doc: Path) -> None:
    """The table (it opens with a "## " heading) between its markers in `doc` and, a heading
    level down, in the README's Benchmarks section."""
    write_section(doc, start, end, table)
    readme = Path(__file__).resolve().parents[1] / "README.md"
    write_section(readme, start, end, table.replace("## ", "### ", 1), heading="## Benchmarks")
