"""Sentence vectors for highlights: the ones an index version stores (`Sentences`, written by
build.py for every sentence a question may need, one per distinct text), and at question time
`SentenceVectors`, which takes a sentence's vector from the index, else from the sentences it
embedded before, else embeds it."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def sentence_keys(texts: list[str]) -> np.ndarray:
    """A 64-bit hash of each sentence's text: how stored sentence vectors are found."""
    return np.array(
        [int.from_bytes(hashlib.blake2b(t.encode("utf-8"), digest_size=8).digest(), "little") for t in texts],
        dtype=np.uint64,
    )


@dataclass
class Sentences:
    """Stored sentence vectors, one per distinct sentence text: `keys` (sentence_keys, sorted)
    and their `vectors` (one row per key; build.SENTENCE_DTYPE)."""

    keys: np.ndarray
    vectors: np.ndarray

    @classmethod
    def load(cls, file: Path) -> Sentences:
        with np.load(file) as f:
            keys, vectors = f["keys"], f["vectors"]
        if keys.dtype != np.uint64 or vectors.ndim != 2 or len(keys) != len(vectors):
            raise ValueError(f"{len(keys):,} keys ({keys.dtype}) for vectors of shape {vectors.shape}")
        return cls(keys, vectors)

    def save(self, file: Path) -> None:
        with open(file, "wb") as f:  # written by Python: a full disk is an OSError
            np.savez(f, keys=self.keys, vectors=self.vectors)

    def rows(self, keys: np.ndarray) -> np.ndarray:
        """The row of each key, -1 where none is stored."""
        if not len(self.keys):
            return np.full(len(keys), -1)
        at = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[at] == keys, at, -1)


class SentenceVectors:
    """The vectors of excerpt sentences: those the index stores (`stored`, computed when it
    was built), else embedded and remembered (the `limit` most recently used, 1.5 KB each;
    patients ask about the same few articles, so most highlights need no model run)."""

    def __init__(self, embedder, stored: Sentences | None = None, limit: int = 20_000):
        self.embedder, self.stored, self.limit = embedder, stored, limit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        found = self._from_index(texts)
        with self._lock:
            found.update((t, self._vectors[t]) for t in texts if t not in found and t in self._vectors)
            for t in found:
                if t in self._vectors:
                    self._vectors.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            found.update(zip(missing, self.embedder.encode(missing)))
            with self._lock:
                self._vectors.update((t, found[t]) for t in missing)
                while len(self._vectors) > self.limit:
                    self._vectors.popitem(last=False)
        return np.array([found[t] for t in texts], dtype=np.float32).reshape(len(texts), -1)

    def _from_index(self, texts: list[str]) -> dict[str, np.ndarray]:
        """The vectors the index stores for `texts` (as float32), by text."""
        if self.stored is None or not texts:
            return {}
        unique = list(dict.fromkeys(texts))
        rows = self.stored.rows(sentence_keys(unique))
        have = rows >= 0
        vectors = self.stored.vectors[rows[have]].astype(np.float32)
        return dict(zip([t for t, h in zip(unique, have) if h], vectors))
