"""What the benchmark scripts share: a free loopback port, and keeping one benchmark's
section of a Markdown file between its markers."""

from __future__ import annotations

import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_section(path: Path, start: str, end: str, body: str, heading: str | None = None) -> None:
    """Put `body` between the markers `start` and `end` in `path`, replacing what was there;
    without the markers, append it (under `heading` when the file lacks that line). Other
    sections stay as they are."""
    block = f"{start}\n{body}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        new = old[:old.index(start)] + block + old[old.index(end) + len(end):]
    else:
        if heading and heading not in old.splitlines():
            old = old.rstrip("\n") + f"\n\n{heading}\n"
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
