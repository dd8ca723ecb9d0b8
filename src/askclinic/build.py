"""Building a new index version: compare the articles with the current version, keep the
unchanged articles' passages, vectors and word counts as they are, chunk and embed the new
and changed ones (reusing a vector wherever the embedded text is unchanged), store the
vectors of the passages' sentences (for highlights, reused wherever a sentence is unchanged)
and publish the result as a new version under the build lock. Also says, from the manifest alone, whether
the current version is already up to date (loading a version is index.py)."""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__
from .chunking import ChunkSettings, chunk_article, embed_text
from .embedding import Embedder
from .errors import IndexMissing
from .excerpts import passage_sentences
from .index import SCHEMA_VERSION, Index, load_index, read_manifest
from .lexical import TermCounts, lexical_text, lexical_tokens
from .locking import BuildLock
from .models import Article, Chunk
from .sentences import Sentences, sentence_keys
from .versions import clean_old_versions, crash_point, current_version, publish, read_counts, write_version

LOCK = "build.lock"  # held by a build (locking.BuildLock)
# Stored sentence vectors are float32, as embedded: every answer is then the same as with the
# vectors embedded at question time (MedQuAD's 1,052 dev questions and the clinic sets).
# float16 would halve the file (MedQuAD: 106 MB, not 210 MB) and changed no answer on the
# clinic sets, but on MedQuAD it changed 2 of 1,052 (a third highlight at the margin, two
# excerpts of equal score swapped).
SENTENCE_DTYPE = np.float32

# ---------------------------------------------------------------- up to date?


@dataclass
class BuildReport:
    """What a build did (or, from already_current, would do): articles compared with the
    current version, passages embedded, the version written."""

    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0  # passages embedded in this run
    sentences_embedded: int = 0  # sentences embedded in this run (their vectors are stored)
    chunks: int = 0
    version: str | None = None  # None: nothing changed, no new version written
    seconds: float = 0.0
    note: str = ""

    def summary(self) -> str:
        return (
            f"{self.new:,} new, {self.changed:,} changed, {self.removed:,} removed, "
            f"{self.unchanged:,} unchanged"
        )


def _built_alike(manifest: dict, model: str, chunking: dict) -> bool:
    """The version was built with this schema, model and chunking."""
    return (manifest.get("schema_version"), manifest.get("model"), manifest.get("chunking")) == (
        SCHEMA_VERSION,
        model,
        chunking,
    )


def already_current(
    root: str | Path,
    articles: list[Article],
    model: str,
    window: int | None = None,
    settings: ChunkSettings = ChunkSettings(),
) -> BuildReport | None:
    """The report of a build that would change nothing, when the current version at `root`
    holds exactly `articles` (same contents) built with `model` and these chunking settings;
    else None. Only the manifest is read: no index, no model loaded. `window` is the model's
    (embedder.window) when it is loaded; without it the window the manifest records is taken
    for the model's."""
    try:
        m = read_manifest(root)
    except (IndexMissing, OSError, ValueError):
        return None
    if window is None and isinstance(m.get("chunking"), dict):
        window = m["chunking"].get("model_window")
    if not _built_alike(m, model, settings.record(window)):
        return None
    if m.get("articles") != {a.id: a.content_hash() for a in articles} or "sentences" not in m:
        return None  # (a version built before sentence vectors were stored gets them)
    return BuildReport(unchanged=len(articles), chunks=m.get("counts", {}).get("chunks", 0))


# ---------------------------------------------------------------- building


def _previous(root: Path, embedder: Embedder, settings: ChunkSettings, log) -> Index | None:
    """The current version, when it was built with the same schema, model and chunking: its
    unchanged articles are kept as they are."""
    if current_version(root) is None:
        return None
    try:
        prev = load_index(root)
    except (OSError, ValueError, RuntimeError) as e:
        log(f"the current index at {root} could not be read ({e}); rebuilding all articles")
        return None
    if not _built_alike(prev.manifest, embedder.name, settings.record(embedder.window)):
        log(
            "the current index was built with other settings (schema, model or chunking); "
            "rebuilding all articles"
        )
        return None
    return prev


def _vector_donor(root: Path, embedder: Embedder) -> Index | None:
    """The current version, if built with the same model (its chunking may differ): its
    vectors serve passages whose embedded text is unchanged."""
    try:
        donor = load_index(root) if current_version(root) is not None else None
    except (OSError, ValueError, RuntimeError):
        return None
    if donor is None or (donor.manifest.get("model"), donor.manifest.get("dimension")) != (
        embedder.name,
        embedder.dim,
    ):
        return None
    return donor


def _known_vectors(donor: Index | None, texts: list[str], skip: set[str]) -> dict[int, np.ndarray]:
    """Vectors `donor` holds for the same embedded texts (keyed by a hash of the text), by
    position in `texts`; passages of articles in `skip` are not looked at."""
    if donor is None:
        return {}
    wanted = {hashlib.sha1(t.encode("utf-8")).digest(): n for n, t in enumerate(texts)}
    found: dict[int, np.ndarray] = {}
    for i, c in enumerate(donor.chunks):
        if c.article_id in skip:
            continue
        title = donor.articles.get(c.article_id, {}).get("title", "")
        text = embed_text(Article(c.article_id, title, ""), c.heading, c.text)
        n = wanted.get(hashlib.sha1(text.encode("utf-8")).digest())
        if n is not None and n not in found:
            found[n] = donor.dense.reconstruct(i)
    return found


def _embed(
    embedder: Embedder,
    texts: list[str],
    log,
    block: int = 256,
    progress_bar: bool | None = None,
    unit: str = "passage",
) -> np.ndarray:
    """Embed in length-sorted blocks (less padding). Progress: a bar on a terminal (or when
    `progress_bar` says so), else a log line per block; `unit` names what is embedded."""
    import sys

    from tqdm import tqdm

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    show = sys.stderr.isatty() if progress_bar is None else progress_bar
    desc = "embedding" if unit == "passage" else f"embedding {unit}s"
    bar = tqdm(total=len(texts), unit=unit, desc=desc, disable=not show)
    started = time.time()
    for b in range(0, len(order), block):
        ids = order[b : b + block]
        out[ids] = embedder.encode([texts[i] for i in ids], progress=False)
        crash_point("embedding")
        done = min(b + block, len(order))
        bar.update(len(ids))
        if bar.disable and len(order) > block:
            rate = done / max(time.time() - started, 1e-9)
            log(
                f"  embedded {done:,}/{len(order):,} {unit}s ({rate:.1f}/s, "
                f"about {(len(order) - done) / rate:,.0f} s left)"
            )
    bar.close()
    return out


def _compare(prev: Index | None, hashes: dict[str, str]) -> tuple[BuildReport, set[str]]:
    """How the articles (id -> content hash) differ from `prev`'s, and the ids unchanged."""
    old = {a: m["hash"] for a, m in prev.articles.items()} if prev else {}
    rep = BuildReport(
        new=sum(a not in old for a in hashes),
        changed=sum(a in old and old[a] != hashes[a] for a in hashes),
        removed=sum(a not in hashes for a in old),
    )
    rep.unchanged = len(hashes) - rep.new - rep.changed
    return rep, {a for a in hashes if old.get(a) == hashes[a]}


def _kept(prev: Index | None, keep: set[str]) -> tuple[list[Chunk], list[np.ndarray], TermCounts | None]:
    """The passages of the unchanged articles `keep`, taken from `prev` as they are: chunks,
    vectors (one block) and word counts (None when `prev` stored none to reuse)."""
    if prev is None or not keep:
        return [], [], None
    idx = [i for i, c in enumerate(prev.chunks) if c.article_id in keep]
    old_counts = read_counts(prev.path, len(prev.chunks))
    return (
        [prev.chunks[i] for i in idx],
        [prev.vectors()[idx]],
        old_counts.select(idx) if old_counts is not None else None,
    )


def _chunk_articles(todo: list[Article], settings: ChunkSettings, embedder: Embedder, log) -> list[Chunk]:
    """The passages of the new and changed articles."""
    fresh: list[Chunk] = []
    for n, art in enumerate(todo, 1):
        fresh += chunk_article(art, settings, embedder)
        if n % 500 == 0:
            log(f"  chunked {n:,}/{len(todo):,} articles")
    crash_point("chunked")
    if fresh:
        log(f"embedding {len(fresh):,} passages from {len(todo):,} articles")
    return fresh


def _fresh_vectors(
    texts: list[str], donor: Index | None, keep: set[str], embedder: Embedder, log, progress_bar: bool | None
) -> tuple[np.ndarray, int]:
    """Vectors of the new passages' embedded `texts`, taken from `donor` where it holds the
    same text, else embedded; and how many were embedded."""
    known = _known_vectors(donor, texts, keep)
    todo = [t for n, t in enumerate(texts) if n not in known]
    if known:
        log(f"reusing the vectors of {len(known):,} passages whose text is unchanged")
    made = iter(_embed(embedder, todo, log, progress_bar=progress_bar))
    vectors = np.array(
        [known[n] if n in known else next(made) for n in range(len(texts))], dtype=np.float32
    ).reshape(len(texts), embedder.dim)
    return vectors, len(todo)


def _sentence_vectors(
    chunks: list[Chunk], donor: Index | None, embedder: Embedder, log, progress_bar: bool | None
) -> tuple[Sentences, int]:
    """The vectors of every sentence a question may need (excerpts.passage_sentences), one
    per distinct text: taken from `donor` where it stores the same text, else embedded; and
    how many were embedded."""
    texts = list(dict.fromkeys(t for c in chunks for t in passage_sentences(c.text)))
    keys, first = np.unique(sentence_keys(texts), return_index=True)
    stored = donor.sentences if donor is not None else None
    rows = stored.rows(keys) if stored is not None else np.full(len(keys), -1)
    vectors = np.zeros((len(keys), embedder.dim), dtype=SENTENCE_DTYPE)
    if stored is not None:
        vectors[rows >= 0] = stored.vectors[rows[rows >= 0]]
    todo = [int(first[n]) for n in np.flatnonzero(rows < 0)]
    log(
        f"sentence vectors: {len(keys):,} sentences, {len(keys) - len(todo):,} reused, "
        f"embedding {len(todo):,}"
    )
    if todo:
        made = _embed(embedder, [texts[i] for i in todo], log, progress_bar=progress_bar, unit="sentence")
        vectors[rows < 0] = made
    return Sentences(keys, vectors), len(todo)


def _count_words(chunks: list[Chunk], counts: TermCounts | None, given: dict[str, Article]) -> TermCounts:
    """Word counts of all `chunks`: those of the first ones are `counts` (when not None),
    the rest are counted."""
    counted = len(counts.lengths) if counts is not None else 0
    return TermCounts.count(
        [lexical_tokens(lexical_text(given[c.article_id].title, c)) for c in chunks[counted:]], counts
    )


def _manifest(
    name: str,
    embedder: Embedder,
    settings: ChunkSettings,
    meta: dict,
    chunks: int,
    sentences: int,
    started: float,
) -> dict:
    """What built the version: checked on load and by the next build."""
    return {
        "schema_version": SCHEMA_VERSION,
        "askclinic_version": __version__,
        "model": embedder.name,
        "dimension": embedder.dim,
        "chunking": settings.record(embedder.window),
        "counts": {"articles": len(meta), "chunks": chunks},
        "sentences": {"count": sentences, "dtype": np.dtype(SENTENCE_DTYPE).name},
        "articles": {a: m["hash"] for a, m in meta.items()},
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 2),
        "version": name,
    }


def _version_name() -> str:
    """A new version's folder name: build time, pid and milliseconds, so names sort by time."""
    return (
        "v-"
        + time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        + f"-{os.getpid()}-{int(time.time() * 1000) % 1000:03d}"
    )


def _meta(articles: list[Article], hashes: dict[str, str]) -> dict[str, dict]:
    """What a version records of each article (articles.json)."""
    return {
        a.id: {
            "title": a.title,
            "url": a.url,
            "published": a.published,
            "author": a.author,
            "tags": a.tags,
            "hash": hashes[a.id],
            "source": a.source,
        }
        for a in articles
    }


def build_index(
    articles: list[Article],
    root: str | Path,
    embedder: Embedder,
    settings: ChunkSettings = ChunkSettings(),
    rebuild: bool = False,
    wait: bool = False,
    log: Callable[[str], None] = print,
    progress_bar: bool | None = None,
) -> BuildReport:
    """Bring the index at `root` up to date with `articles`: only new or changed articles
    are chunked and embedded, and only new sentences; articles no longer given are dropped.
    A version built before sentence vectors were stored gets them (a new version)."""
    root, started = Path(root), time.time()
    with BuildLock(root, LOCK, wait=wait, log=log):
        clean_old_versions(root)
        prev = None if rebuild else _previous(root, embedder, settings, log)
        given = {a.id: a for a in articles}
        hashes = {a.id: a.content_hash() for a in articles}
        rep, keep = _compare(prev, hashes)
        if prev is not None and prev.sentences is not None and not (rep.new or rep.changed or rep.removed):
            rep.chunks, rep.seconds = len(prev.chunks), time.time() - started
            return rep

        chunks, rows, counts = _kept(prev, keep)
        fresh = _chunk_articles([a for a in articles if a.id not in keep], settings, embedder, log)
        donor = prev if prev is not None or rebuild else _vector_donor(root, embedder)
        vectors, rep.embedded = _fresh_vectors(
            [embed_text(given[c.article_id], c.heading, c.text) for c in fresh],
            donor,
            keep,
            embedder,
            log,
            progress_bar,
        )
        chunks += fresh
        sentences, rep.sentences_embedded = _sentence_vectors(chunks, donor, embedder, log, progress_bar)
        counts = _count_words(chunks, counts, given)
        vectors = np.vstack(rows + [vectors])
        meta, name = _meta(articles, hashes), _version_name()
        manifest = _manifest(name, embedder, settings, meta, len(chunks), len(sentences.keys), started)
        publish(
            root, name, lambda tmp: write_version(tmp, manifest, meta, chunks, vectors, counts, sentences)
        )
        crash_point("switched")
        clean_old_versions(root)
        rep.chunks, rep.version, rep.seconds = len(chunks), name, time.time() - started
        return rep
