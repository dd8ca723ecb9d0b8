"""The index: a folder of versions, each holding FAISS (dense), bm25s (lexical), the chunk
table, article metadata and a manifest saying what built it. `current` names the version
readers load; a build writes a new version beside it and repoints `current` atomically,
so a crash at any moment leaves the previous version in place."""

from __future__ import annotations

import errno
import functools
import hashlib
import itertools
import json
import os
import re
import shutil
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import bm25s
import numpy as np

from . import __version__
from .chunking import ChunkSettings, chunk_article, embed_text
from .errors import AskclinicError, IndexCorrupt, IndexMismatch, IndexMissing
from .models import Article, Chunk

SCHEMA_VERSION = 1
CURRENT = "current"
LEXICAL = "lexical.npz"  # the passages' TermCounts, reused by the next build
LOCK = "build.lock"
KEEP_OLD_VERSIONS = 2

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@functools.lru_cache(maxsize=1)
def _lexicon():
    """(Snowball English stemmer, stop-word set), made once per process."""
    import Stemmer
    from bm25s.stopwords import STOPWORDS_EN

    return Stemmer.Stemmer("english"), frozenset(STOPWORDS_EN)  # a set: bm25s gives a tuple


def lexical_tokens(text: str) -> list[str]:
    """Lower-cased, stop words dropped, Snowball-stemmed words: the same for articles and
    questions."""
    stemmer, stop = _lexicon()
    return stemmer.stemWords([w for w in _WORD.findall(text.lower()) if w not in stop])


def lexical_text(title: str, chunk: Chunk) -> str:
    return f"{title}\n{chunk.heading}\n{chunk.text}"


@dataclass
class TermCounts:
    """How often each word occurs in each passage, as (word, passage, count) entries sorted by
    word, then passage: what BM25 scores are made of. A version keeps its counts so the next
    build only counts the words of new passages."""

    words: list[str]  # word id -> word
    word: np.ndarray
    doc: np.ndarray
    tf: np.ndarray
    lengths: np.ndarray  # words per passage

    @classmethod
    def count(cls, passages: list[list[str]], base: "TermCounts | None" = None) -> "TermCounts":
        """Counts of `base`'s passages (if any) followed by `passages`."""
        base = base or cls([], *(np.zeros(0, np.int32) for _ in range(4)))
        vocab = {w: i for i, w in enumerate(base.words)}
        flat = list(itertools.chain.from_iterable(passages))
        for w in dict.fromkeys(flat):
            vocab.setdefault(w, len(vocab))
        ids = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        lengths = np.fromiter(map(len, passages), dtype=np.int64, count=len(passages))
        first, n = len(base.lengths), len(base.lengths) + len(passages)
        keys, tf = np.unique(ids * n + first + np.repeat(np.arange(len(passages)), lengths), return_counts=True)
        word = np.concatenate([base.word, keys // n])
        # the new passages come after base's: a stable sort by word keeps each word's passages in order
        order = np.argsort(word, kind="stable")
        return cls(list(vocab), word[order].astype(np.int32),
                   np.concatenate([base.doc, keys % n])[order].astype(np.int32),
                   np.concatenate([base.tf, tf])[order].astype(np.int32),
                   np.concatenate([base.lengths, lengths]).astype(np.int32))

    def select(self, rows: list[int]) -> "TermCounts":
        """The counts of passages `rows` (ascending), renumbered 0, 1, 2, ..."""
        new = np.full(len(self.lengths), -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.doc] >= 0
        return TermCounts(self.words, self.word[keep], new[self.doc[keep]].astype(np.int32),
                          self.tf[keep], self.lengths[rows])

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:
            np.savez(f, words=np.array("\n".join(self.words)), word=self.word, doc=self.doc,
                     tf=self.tf, lengths=self.lengths)

    @classmethod
    def load(cls, path: Path) -> "TermCounts":
        with np.load(path) as z:
            words = str(z["words"])
            return cls(words.split("\n") if words else [], z["word"], z["doc"], z["tf"], z["lengths"])


class BM25(bm25s.BM25):
    """bm25s, with its index built in numpy from TermCounts (through bm25s's documented
    override point, or `from_counts`): the same Lucene BM25 scores, several times faster than
    bm25s's per-passage loop, which matters for how soon a new article is searchable."""

    def build_index_from_tokens(self, corpus_tokens, show_progress=False, leave_progress=False):
        counts = TermCounts.count(corpus_tokens)
        return self._scores(counts), {w: i for i, w in enumerate(counts.words)}

    @classmethod
    def from_counts(cls, counts: TermCounts) -> "BM25":
        bm25 = cls()
        bm25.scores = bm25._scores(counts)
        bm25.vocab_dict = {w: i for i, w in enumerate(counts.words)}
        bm25.unique_token_ids_set = set(bm25.vocab_dict.values())  # as bm25s's index() leaves it
        return bm25

    def _scores(self, c: TermCounts) -> dict:
        if (self.method, self.idf_method or self.method) != ("lucene", "lucene"):
            raise ValueError(f"BM25 builds the lucene variant only, not {self.method!r}")
        self.nonoccurrence_array = None  # as bm25s leaves it for this variant
        n_docs = len(c.lengths)
        df = np.bincount(c.word, minlength=len(c.words))
        idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5))
        norm = self.k1 * (1 - self.b + self.b * c.lengths / max(float(c.lengths.mean()) if n_docs else 0, 1e-9))
        return {"data": (idf[c.word] * c.tf / (c.tf + norm[c.doc])).astype(self.dtype),
                "indices": c.doc.astype(self.int_dtype),
                "indptr": np.concatenate([[0], np.cumsum(df)]).astype(self.int_dtype),
                "num_docs": n_docs}


@dataclass
class Index:
    """One loaded version. Everything is in memory: the files may be replaced underneath."""

    path: Path
    manifest: dict
    articles: dict[str, dict]  # id -> title, url, published, author, tags, hash, source
    chunks: list[Chunk]
    dense: object  # faiss.IndexFlatIP over unit vectors: inner product = cosine
    bm25: bm25s.BM25
    extras: object = field(default=None, repr=False, compare=False)  # retrieve.Extras, made on first use

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

def current_version(root: Path) -> Path | None:
    pointer = Path(root) / CURRENT
    if not pointer.exists():
        return None
    name = pointer.read_bytes().decode("utf-8", "replace").strip()
    return Path(root) / name if name else None


def _damaged(file: Path, root: str | Path, reason: object) -> str:
    reason = " ".join(str(reason).split())[:160] or type(reason).__name__
    return (f"the index file {file} is damaged ({reason}); rebuild the index: "
            f"askclinic index SOURCES... --index {root} --rebuild")


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
            raise IndexCorrupt(_damaged(Path(root) / CURRENT, root, f"it names {path.name[:60]!r}, "
                                        "which is not a version folder of this index"))
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMissing(f"no index at {root}; build one with: askclinic index articles/ --index {root}") from None
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
            f"askclinic index SOURCES... --index {root} --rebuild")
    if manifest.get("model") != model:
        raise IndexMismatch(
            f"the index at {root} was built with model {manifest.get('model')!r} but askclinic "
            f"is set to use {model!r}; rebuild it (askclinic index SOURCES... --index {root} "
            f"--rebuild) or set ASKCLINIC_MODEL={manifest.get('model')}")


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
    if not isinstance(articles, dict) or any(c.article_id not in articles for c in chunks):
        raise IndexCorrupt(_damaged(path / "articles.json", root, "passages of articles it does not list"))
    if dense.ntotal != len(chunks):
        raise IndexCorrupt(_damaged(path / "chunks.jsonl", root, f"{len(chunks):,} passages but "
                                    f"{dense.ntotal:,} vectors in dense.faiss"))
    return Index(path, manifest, articles, chunks, dense, bm25)


# ---------------------------------------------------------------- building

@dataclass
class BuildReport:
    new: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    embedded: int = 0  # passages embedded in this run
    chunks: int = 0
    version: str | None = None  # None: nothing changed, no new version written
    seconds: float = 0.0
    note: str = ""

    def summary(self) -> str:
        return (f"{self.new:,} new, {self.changed:,} changed, {self.removed:,} removed, "
                f"{self.unchanged:,} unchanged")


class BuildLock:
    """`build.lock` holding the builder's pid, flock-ed while the build runs. A second build
    waits (wait=True) or stops with a message; a lock left by a dead process is taken over
    (by one process only, even when several find it at once)."""

    def __init__(self, root: Path, wait: bool = False, log: Callable[[str], None] = print,
                 name: str = LOCK, what: str = "index build"):
        self.path, self.wait, self.log, self.what = Path(root) / name, wait, log, what
        self.fd: int | None = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        announced = False
        while True:
            holder = self._try()
            if holder is None:
                return self
            if holder < 0:  # the file was replaced while we locked it: look again
                continue
            if not self.wait:
                raise AskclinicError(
                    f"another {self.what} (pid {holder or '?'}) is running on {self.path.parent}; "
                    "wait for it to finish (or pass --wait)")
            if not announced:
                self.log(f"waiting for the {self.what} of pid {holder or '?'} to finish...")
                announced = True
            time.sleep(0.2)

    def _try(self) -> int | None:
        """Take the lock (None), or the pid holding it (0: unknown, -1: try again)."""
        import fcntl

        try:  # never through a link: that would write wherever it points
            fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno != errno.ELOOP:
                raise
            raise AskclinicError(f"{self.path} is a link, not a lock file; delete the link and "
                                 "run the command again") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.fstat(fd).st_ino != os.stat(self.path).st_ino:
                raise FileNotFoundError  # its holder removed it as we opened it
        except (BlockingIOError, FileNotFoundError) as e:
            os.close(fd)
            return -1 if isinstance(e, FileNotFoundError) else self._holder()
        try:
            pid = int(os.pread(fd, 32, 0).decode().strip() or 0)
        except (ValueError, UnicodeDecodeError):
            pid = 0
        if pid and pid != os.getpid():  # its holder died without unlocking
            self.log(f"taking over a stale build lock ({self.path}: pid {pid} is not running)")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self.fd = fd
        return None

    def _holder(self) -> int:
        try:
            return int(self.path.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def __exit__(self, *exc):
        if self.fd is not None:  # remove the file while still holding it, then let go
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = None


def _crash_point(name: str) -> None:
    """For the crash tests: ASKCLINIC_CRASH_AT=<name> makes a build kill itself (SIGKILL) at
    that point: chunked, embedding, writing, renamed or switched."""
    if os.environ.get("ASKCLINIC_CRASH_AT") == name:
        import signal
        os.kill(os.getpid(), signal.SIGKILL)


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_counts(version: Path, passages: int) -> TermCounts | None:
    """The word counts a version stored for its passages (None if it has none to reuse)."""
    try:
        counts = TermCounts.load(version / LEXICAL)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # none, or damaged
        return None
    return counts if len(counts.lengths) == passages else None


def _write_version(folder: Path, manifest: dict, articles: dict, chunks: list[Chunk],
                   vectors: np.ndarray, counts: TermCounts) -> None:
    """Write a version's files; `counts` are the chunks' words for BM25."""
    import faiss

    folder.mkdir(parents=True)
    dense = faiss.IndexFlatIP(manifest["dimension"])
    if len(vectors):
        dense.add(vectors)
    with open(folder / "dense.faiss", "wb") as f:  # written by Python: a full disk is an OSError
        f.write(memoryview(faiss.serialize_index(dense)))
    _crash_point("writing")
    BM25.from_counts(counts).save(str(folder / "bm25"))
    counts.save(folder / LEXICAL)
    with open(folder / "chunks.jsonl", "w", encoding="utf-8") as f:
        for c in chunks:
            f.write(json.dumps(vars(c), ensure_ascii=False) + "\n")  # asdict is 10 × slower
    (folder / "articles.json").write_text(json.dumps(articles, ensure_ascii=False))
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
    for p in sorted(folder.rglob("*")):
        _fsync_path(p)
    _fsync_path(folder)


NO_SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def _publish(root: Path, name: str, write: Callable[[Path], None]) -> None:
    """Write a version into a temporary folder, rename it, then make it current. When the
    disk is full, what was written is removed and the current version stays: one message."""
    tmp, done = root / f".tmp-{name}", root / name
    try:
        write(tmp)
        os.rename(tmp, done)
        _fsync_path(root)
        _crash_point("renamed")
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
            + "; free some space and run the command again") from None


def _switch_current(root: Path, name: str) -> None:
    tmp = root / (CURRENT + ".tmp")
    tmp.unlink(missing_ok=True)  # a link left here is removed, never written through
    with open(tmp, "x") as f:
        f.write(name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / CURRENT)
    _fsync_path(root)


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


def _previous(root: Path, model: str, settings: ChunkSettings, log) -> Index | None:
    if current_version(root) is None:
        return None
    try:
        prev = load_index(root)
    except (OSError, ValueError, RuntimeError) as e:
        log(f"the current index at {root} could not be read ({e}); rebuilding all articles")
        return None
    m = prev.manifest
    if (m.get("schema_version"), m.get("model"), m.get("chunking")) != (SCHEMA_VERSION, model, settings.as_dict()):
        log("the current index was built with other settings (schema, model or chunking); "
            "rebuilding all articles")
        return None
    return prev


def _vector_donor(root: Path, embedder) -> Index | None:
    """The current version, if built with the same model (its chunking may differ): its
    vectors serve passages whose embedded text is unchanged."""
    try:
        donor = load_index(root) if current_version(root) is not None else None
    except (OSError, ValueError, RuntimeError):
        return None
    if donor is None or (donor.manifest.get("model"), donor.manifest.get("dimension")) != (embedder.name, embedder.dim):
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


def _embed(embedder, texts: list[str], log, block: int = 256,
           progress_bar: bool | None = None) -> np.ndarray:
    """Embed in length-sorted blocks (less padding). Progress: a bar on a terminal (or when
    `progress_bar` says so), else a log line per block."""
    import sys

    from tqdm import tqdm

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    show = sys.stderr.isatty() if progress_bar is None else progress_bar
    bar = tqdm(total=len(texts), unit="passage", desc="embedding", disable=not show)
    started = time.time()
    for b in range(0, len(order), block):
        ids = order[b:b + block]
        out[ids] = embedder.encode([texts[i] for i in ids], progress=False)
        _crash_point("embedding")
        done = min(b + block, len(order))
        bar.update(len(ids))
        if bar.disable and len(order) > block:
            rate = done / max(time.time() - started, 1e-9)
            log(f"  embedded {done:,}/{len(order):,} passages ({rate:.1f}/s, "
                f"about {(len(order) - done) / rate:,.0f} s left)")
    bar.close()
    return out


def build_index(articles: list[Article], root: str | Path, embedder,
                settings: ChunkSettings = ChunkSettings(), rebuild: bool = False,
                wait: bool = False, log: Callable[[str], None] = print,
                progress_bar: bool | None = None) -> BuildReport:
    """Bring the index at `root` up to date with `articles`: only new or changed articles
    are chunked and embedded; articles no longer given are dropped."""
    root = Path(root)
    started = time.time()
    with BuildLock(root, wait=wait, log=log):
        clean_old_versions(root)
        prev = None if rebuild else _previous(root, embedder.name, settings, log)
        old_hashes = {a: m["hash"] for a, m in prev.articles.items()} if prev else {}
        given = {a.id: a for a in articles}
        hashes = {a.id: a.content_hash() for a in articles}
        rep = BuildReport(
            new=sum(a not in old_hashes for a in given),
            changed=sum(a in old_hashes and old_hashes[a] != hashes[a] for a in given),
            removed=sum(a not in given for a in old_hashes))
        rep.unchanged = len(given) - rep.new - rep.changed
        if prev is not None and not (rep.new or rep.changed or rep.removed):
            rep.chunks, rep.seconds = len(prev.chunks), time.time() - started
            return rep

        keep = {a for a in given if old_hashes.get(a) == hashes[a]}
        chunks: list[Chunk] = []
        rows: list[np.ndarray] = []
        counts: TermCounts | None = None
        if prev is not None and keep:
            vecs = prev.vectors()
            idx = [i for i, c in enumerate(prev.chunks) if c.article_id in keep]
            chunks += [prev.chunks[i] for i in idx]
            rows.append(vecs[idx])
            old_counts = _read_counts(prev.path, len(prev.chunks))
            counts = old_counts.select(idx) if old_counts is not None else None
        todo = [a for a in articles if a.id not in keep]
        fresh: list[Chunk] = []
        for n, art in enumerate(todo, 1):
            fresh += chunk_article(art, settings, embedder.count_tokens)
            if n % 500 == 0:
                log(f"  chunked {n:,}/{len(todo):,} articles")
        _crash_point("chunked")
        if fresh:
            log(f"embedding {len(fresh):,} passages from {len(todo):,} articles")
        texts = [embed_text(given[c.article_id], c.heading, c.text) for c in fresh]
        donor = prev if prev is not None or rebuild else _vector_donor(root, embedder)
        known = _known_vectors(donor, texts, keep)
        todo_texts = [t for n, t in enumerate(texts) if n not in known]
        if known:
            log(f"reusing the vectors of {len(known):,} passages whose text is unchanged")
        made = iter(_embed(embedder, todo_texts, log, progress_bar=progress_bar))
        rows.append(np.array([known[n] if n in known else next(made) for n in range(len(texts))],
                             dtype=np.float32).reshape(len(texts), embedder.dim))
        chunks += fresh
        counted = len(counts.lengths) if counts is not None else 0  # the fresh ones, or all
        counts = TermCounts.count([lexical_tokens(lexical_text(given[c.article_id].title, c))
                                   for c in chunks[counted:]], counts)
        rep.embedded, rep.chunks = len(todo_texts), len(chunks)
        vectors = np.vstack(rows) if rows else np.zeros((0, embedder.dim), np.float32)

        meta = {a.id: {"title": a.title, "url": a.url, "published": a.published,
                       "author": a.author, "tags": a.tags, "hash": hashes[a.id],
                       "source": a.source} for a in articles}
        name = "v-" + time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{int(time.time() * 1000) % 1000:03d}"
        manifest = {"schema_version": SCHEMA_VERSION, "askclinic_version": __version__,
                    "model": embedder.name, "dimension": embedder.dim,
                    "chunking": settings.as_dict(),
                    "counts": {"articles": len(meta), "chunks": len(chunks)},
                    "articles": {a: m["hash"] for a, m in meta.items()},
                    "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "build_seconds": round(time.time() - started, 2), "version": name}
        _publish(root, name, lambda tmp: _write_version(tmp, manifest, meta, chunks, vectors, counts))
        _crash_point("switched")
        clean_old_versions(root)
        rep.version, rep.seconds = name, time.time() - started
        return rep
