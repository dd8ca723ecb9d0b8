"""Words for lexical search: the tokenizer shared by passages and questions (lower-cased,
stop words dropped, Snowball-stemmed), the passages' term counts a version keeps, and BM25
(Lucene variant) built from those counts in numpy."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

from .models import Chunk

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
        keys, tf = np.unique(
            ids * n + first + np.repeat(np.arange(len(passages)), lengths), return_counts=True
        )
        word = np.concatenate([base.word, keys // n])
        # the new passages come after base's: a stable sort by word keeps each word's passages in order
        order = np.argsort(word, kind="stable")
        return cls(
            list(vocab),
            word[order].astype(np.int32),
            np.concatenate([base.doc, keys % n])[order].astype(np.int32),
            np.concatenate([base.tf, tf])[order].astype(np.int32),
            np.concatenate([base.lengths, lengths]).astype(np.int32),
        )

    def select(self, rows: list[int]) -> "TermCounts":
        """The counts of passages `rows` (ascending), renumbered 0, 1, 2, ..."""
        new = np.full(len(self.lengths), -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.doc] >= 0
        return TermCounts(
            self.words,
            self.word[keep],
            new[self.doc[keep]].astype(np.int32),
            self.tf[keep],
            self.lengths[rows],
        )

    def save(self, path: Path) -> None:
        with open(path, "wb") as f:
            np.savez(
                f,
                words=np.array("\n".join(self.words)),
                word=self.word,
                doc=self.doc,
                tf=self.tf,
                lengths=self.lengths,
            )

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
        norm = self.k1 * (
            1 - self.b + self.b * c.lengths / max(float(c.lengths.mean()) if n_docs else 0, 1e-9)
        )
        return {
            "data": (idf[c.word] * c.tf / (c.tf + norm[c.doc])).astype(self.dtype),
            "indices": c.doc.astype(self.int_dtype),
            "indptr": np.concatenate([[0], np.cumsum(df)]).astype(self.int_dtype),
            "num_docs": n_docs,
        }
