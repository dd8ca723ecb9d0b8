"""The index: a folder of versions, each holding FAISS (dense), bm25s (lexical), the chunk
table, article metadata, the vectors of the passages' sentences (for highlights; older
versions lack them) and a manifest saying what built it. `current` names the version
readers load; a build writes a new version beside it and repoints `current` atomically,
so a crash at any moment leaves the previous version in place. This module owns the loaded
version (`Index`), reading and checking its manifest, and loading it (building a version is
build.py, the folder of versions itself versions.py)."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from . import __version__
from .errors import IndexCorrupt, IndexMismatch, IndexMissing
from .lexical import lexical_tokens
from .models import Chunk
from .sentences import Sentences
from .versions import CURRENT, SENTENCES, current_version

SCHEMA_VERSION = 1


@dataclass
class Index:
    """One loaded version. Everything is in memory: the files may be replaced underneath."""

    path: Path
    manifest: dict
    articles: dict[str, dict]  # id -> title, url, published, author, tags, hash, source
    chunks: list[Chunk]
    dense: object  # faiss.IndexFlatIP over unit vectors: inner product = cosine
    bm25: bm25s.BM25
    sentences: Sentences | None = None  # None: a version built before they were stored

    @property
    def version(self) -> str:
        return self.path.name

    def vectors(self) -> np.ndarray:
        return self.dense.reconstruct_n(0, self.dense.ntotal)

    def dense_search(self, qvec: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, self.dense.ntotal)
        if k == 0:
            return []
        scores, ids = self.dense.search(qvec.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, question: str, k: int) -> list[tuple[int, float]]:
        vocab = self.bm25.vocab_dict
        tokens = [t for t in lexical_tokens(question) if t in vocab]
        k = min(k, len(self.chunks))
        if not tokens or k == 0:
            return []
        ids, scores = self.bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if s > 0]


# ---------------------------------------------------------------- loading


def _damaged(file: Path, root: str | Path, reason: object) -> str:
    reason = " ".join(str(reason).split())[:160] or type(reason).__name__
    return (
        f"the index file {file} is damaged ({reason}); rebuild the index: "
        f"askclinic index SOURCES... --index {root} --rebuild"
    )


def read_manifest(root: str | Path) -> dict:
    path = current_version(Path(root))
    if path is None:
        raise IndexMissing(f"no index at {root}; build one with: askclinic index articles/ --index {root}")

    def there(p: Path) -> bool:
        return bool(re.fullmatch(r"[\w.-]+", p.name)) and p.name not in (".", "..") and p.is_dir()

    if not there(path):
        time.sleep(0.05)  # a build may have switched versions as we read: look once more
        again = current_version(Path(root))
        if again is None or again.name != path.name or not there(again):
            raise IndexCorrupt(
                _damaged(
                    Path(root) / CURRENT,
                    root,
                    f"it names {path.name[:60]!r}, which is not a version folder of this index",
                )
            )
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMissing(
            f"no index at {root}; build one with: askclinic index articles/ --index {root}"
        ) from None
    except (OSError, ValueError) as e:
        raise IndexCorrupt(_damaged(path / "manifest.json", root, e)) from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(_damaged(path / "manifest.json", root, "not a JSON object"))
    return manifest


def check_manifest(manifest: dict, root: str | Path, model: str) -> None:
    """Refuse an index built with another schema or model, saying how to fix it."""
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexMismatch(
            f"the index at {root} has schema {manifest.get('schema_version')}, this askclinic "
            f"{__version__} reads schema {SCHEMA_VERSION}; rebuild it: "
            f"askclinic index SOURCES... --index {root} --rebuild"
        )
    if manifest.get("model") != model:
        raise IndexMismatch(
            f"the index at {root} was built with model {manifest.get('model')!r} but askclinic "
            f"is set to use {model!r}; rebuild it (askclinic index SOURCES... --index {root} "
            f"--rebuild) or set ASKCLINIC_MODEL={manifest.get('model')}"
        )


def load_index(root: str | Path, model: str | None = None, retries: int = 3) -> Index:
    """Load the current version; with `model`, refuse an index built with another one."""
    import faiss

    faiss.omp_set_num_threads(1)  # one question at a time: more threads only wait on each other
    for attempt in range(retries):
        manifest = read_manifest(root)
        if model is not None:
            check_manifest(manifest, root, model)
        path = current_version(Path(root))
        try:
            return _load_files(root, path, manifest)
        except FileNotFoundError as e:
            # the version was cleaned up between reading `current` and its files: reread
            if attempt == retries - 1:
                raise IndexCorrupt(_damaged(Path(e.filename or path), root, "missing")) from None
            time.sleep(0.05)
    raise AssertionError("unreachable")


def _read_chunks(file: Path) -> list[Chunk]:
    with open(file, encoding="utf-8") as f:
        return [Chunk(**json.loads(line)) for line in f]


def _load_files(root: str | Path, path: Path, manifest: dict) -> Index:
    """The files of one version; a file that cannot be read raises IndexCorrupt naming it."""
    import faiss

    def read(name: str, reader):
        if not (path / name).exists():
            raise FileNotFoundError(2, "missing", str(path / name))
        try:
            return reader(path / name)
        except Exception as e:  # any reader's complaint about the bytes: faiss, json, numpy
            raise IndexCorrupt(_damaged(path / name, root, e)) from None

    articles = read("articles.json", lambda f: json.loads(f.read_text(encoding="utf-8")))
    chunks = read("chunks.jsonl", _read_chunks)
    dense = read("dense.faiss", lambda f: faiss.read_index(str(f)))
    bm25 = read("bm25", lambda f: bm25s.BM25.load(str(f)))
    sentences = read(SENTENCES, Sentences.load) if (path / SENTENCES).exists() else None
    if not isinstance(articles, dict) or any(c.article_id not in articles for c in chunks):
        raise IndexCorrupt(_damaged(path / "articles.json", root, "passages of articles it does not list"))
    if dense.ntotal != len(chunks):
        raise IndexCorrupt(
            _damaged(
                path / "chunks.jsonl",
                root,
                f"{len(chunks):,} passages but {dense.ntotal:,} vectors in dense.faiss",
            )
        )
    return Index(path, manifest, articles, chunks, dense, bm25, sentences)
