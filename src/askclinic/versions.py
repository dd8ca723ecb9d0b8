"""The folder of index versions on disk: the `current` file naming the version readers load,
writing a version's files and publishing it atomically (written beside the others, renamed,
then `current` repointed), removing all but the newest few, and the crash-test points of a
build."""

from __future__ import annotations

import errno
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

from .errors import AskclinicError
from .lexical import BM25, TermCounts
from .models import Chunk

CURRENT = "current"
LEXICAL = "lexical.npz"  # the passages' TermCounts, reused by the next build
SENTENCES = "sentences.npz"  # the passages' sentence vectors (index.Sentences), for highlights
KEEP_OLD_VERSIONS = 2
NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def current_version(root: Path) -> Path | None:
    """The folder of the version `current` names (None when there is no index yet)."""
    pointer = Path(root) / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_bytes().decode("utf-8", "replace").strip()
    return Path(root) / name if name else None


def crash_point(name: str) -> None:
    """For the crash tests: ASKCLINIC_CRASH_AT=<name> makes a build kill itself (SIGKILL) at
    that point: chunked, embedding, writing, renamed or switched."""
    if os.environ.get("ASKCLINIC_CRASH_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's entry to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_counts(version: Path, passages: int) -> TermCounts | None:
    """The word counts a version stored for its passages (None if it has none to reuse)."""
    try:
        counts = TermCounts.load(version / LEXICAL)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # none, or damaged
        return None
    return counts if len(counts.lengths) == passages else None


def write_version(
    folder: Path,
    manifest: dict,
    articles: dict,
    chunks: list[Chunk],
    vectors: np.ndarray,
    counts: TermCounts,
    sentences=None,
) -> None:
    """Write a version's files; `counts` are the chunks' words for BM25, `sentences` their
    sentences' vectors (an index.Sentences; None writes none)."""
    import faiss

    folder.mkdir(parents=True)
    dense = faiss.IndexFlatIP(manifest["dimension"])
    if len(vectors):
        dense.add(vectors)
    with open(folder / "dense.faiss", "wb") as f:  # written by Python: a full disk is an OSError
        f.write(memoryview(faiss.serialize_index(dense)))
    crash_point("writing")
    BM25.from_counts(counts).save(str(folder / "bm25"))
    counts.save(folder / LEXICAL)
    if sentences is not None:
        sentences.save(folder / SENTENCES)
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(vars(c), ensure_ascii=False) + "\n")  # asdict is 10 × slower
    (folder / "articles.json").write_text(json.dumps(articles, ensure_ascii=False))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    for p in sorted(folder.rglob("*")):
        fsync_path(p)
    fsync_path(folder)


def publish(root: Path, name: str, write: Callable[[Path], None]) -> None:
    """Write a version into a temporary folder, rename it, then make it current. When the
    disk is full, what was written is removed and the current version stays: one message."""
    tmp, done = root / f".tmp-{name}", root / name
    try:
        write(tmp)
        os.rename(tmp, done)
        fsync_path(root)
        crash_point("renamed")
        _switch_current(root, name)
    except OSError as e:
        cur = current_version(root)
        if e.errno not in NO_SPACE or (cur is not None and cur.name == name):
            raise  # (the second: only flushing the folder failed; the new version is current)
        for p in (tmp, done):
            shutil.rmtree(p, ignore_errors=True)
        (root / (CURRENT + ".tmp")).unlink(missing_ok=True)
        raise AskclinicError(
            f"disk full: could not write {e.filename or tmp} ({e.strerror}); nothing changed: "
            + (f"{root} still serves version {cur.name}" if cur else f"there is still no index in {root}")
            + "; free some space and run the command again"
        ) from None


def _switch_current(root: Path, name: str) -> None:
    tmp = root / (CURRENT + ".tmp")
    tmp.unlink(missing_ok=True)  # a link left here is removed, never written through
    with open(tmp, "x") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / CURRENT)
    fsync_path(root)


def _versions(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("v-"))


def clean_old_versions(root: Path) -> None:
    """Remove unfinished builds and all but the newest few old versions (call under the lock;
    loaded indexes live in memory, so removing their files does not disturb readers)."""
    for p in root.iterdir():
        if p.name.startswith(".tmp-"):
            shutil.rmtree(p, ignore_errors=True)
    cur = current_version(root)
    old = [p for p in _versions(root) if cur is None or p.name != cur.name]
    for p in old[:-KEEP_OLD_VERSIONS] if KEEP_OLD_VERSIONS else old:
        shutil.rmtree(p, ignore_errors=True)
