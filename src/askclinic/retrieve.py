"""Hybrid search: dense (FAISS) and lexical (BM25) candidates fused by reciprocal rank,
rolled up to articles, kept diverse, and checked for relevance; plus picking the sentences
of an excerpt that best answer the question."""

from __future__ import annotations

import re

import numpy as np

from .chunking import sentence_spans
from .index import Index
from .models import Hit

MODES = ("hybrid", "dense", "bm25")
RRF_K = 60
CANDIDATES = 50

# What patients wrap around a question in a message: greetings, thanks, sign-offs, "please
# reply", template placeholders, drug package codes (NDC). None of it says what to look for.
_OPENING = r"(?:^|(?<=[.!?\n]))\s*"
_GREETING = re.compile(_OPENING + r"(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day)"
                       r"|dear\s+(?:sir|madam|doctor|dr\.?\s*\w+|team|all)(?:\s+or\s+madam)?|sir|madam)\b[\s,!.:;-]*",
                       re.I)
_THANKS = re.compile(r"\b(?:many\s+)?(?:thanks?|thx)\b(?:\s+you)?(?:\s+(?:so|very)\s+much)?"
                     r"(?:\s+(?:in\s+advance|a\s+lot|again))?(?:\s+for\s+[^.?!\n]{0,60})?\s*[.!]*", re.I)
_SIGN_OFF = re.compile(_OPENING + r"(?:best\s+regards|kind\s+regards|regards|sincerely|yours\s+truly"
                       r"|best\s+wishes|god\s+bless)\b.*$", re.I | re.S)
_PLEASE = re.compile(r"\b(?:please|pls|plz|kindly)(?:\s+(?:help(?:\s+me)?|reply|respond|advise|answer"
                     r"|let\s+me\s+know|tell\s+me|send\s+me))?\b[\s,!.]*", re.I)
_PLACEHOLDER = re.compile(r"\[[A-Z][A-Z _-]*\]")
_NDC = re.compile(r"\bNDC\b[\s:#]*(?:\d[\d\s-]*\d)?|\b\d{4,5}-\d{3,4}-\d{1,2}\b", re.I)


def clean_question(text: str) -> str:
    """The question without the message around it (greetings, thanks, sign-offs, "please
    reply", [PLACEHOLDERS], NDC codes); the text itself if nothing would be left."""
    t = _PLACEHOLDER.sub(" ", text)
    t = _NDC.sub(" ", t)
    t = _SIGN_OFF.sub("", t)
    t = _THANKS.sub(" ", t)
    t = _GREETING.sub(" ", t)
    t = _PLEASE.sub(" ", t)
    t = re.sub(r"[ \t]+", " ", t)
    t = re.sub(r"\s*\n\s*", "\n", t).strip()
    t = re.sub(r"^[\s.,!?;:-]+", "", t)
    return t if re.search(r"\w", t) else text.strip()


def search(index: Index, question: str, qvec: np.ndarray | None, mode: str = "hybrid",
           k: int = CANDIDATES) -> list[Hit]:
    """Chunks for `question`, best first. `qvec` (the question's unit vector) is needed for
    the dense and hybrid modes."""
    if mode not in MODES:
        raise ValueError(f"retriever must be one of {', '.join(MODES)}, not {mode!r}")
    dense = index.dense_search(qvec, k) if mode != "bm25" else []
    lexical = index.lexical_search(question, k) if mode != "dense" else []
    hits: dict[int, Hit] = {}
    for rank, (i, cos) in enumerate(dense):
        hits[i] = Hit(index.chunks[i], 1.0 / (RRF_K + rank), dense=cos)
    for rank, (i, bm) in enumerate(lexical):
        hit = hits.setdefault(i, Hit(index.chunks[i], 0.0))
        hit.score += 1.0 / (RRF_K + rank)
        hit.lexical = bm
    return sorted(hits.values(), key=lambda h: -h.score)


def rank_articles(hits: list[Hit], limit: int = 20) -> list[str]:
    """Article ids in order of their best chunk."""
    seen: dict[str, None] = {}
    for h in hits:
        seen.setdefault(h.chunk.article_id, None)
        if len(seen) == limit:
            break
    return list(seen)


def diverse(hits: list[Hit], limit: int, per_article: int) -> list[Hit]:
    """The best hits with at most `per_article` from any one article."""
    out, count = [], {}
    for h in hits:
        a = h.chunk.article_id
        if count.get(a, 0) < per_article:
            out.append(h)
            count[a] = count.get(a, 0) + 1
            if len(out) == limit:
                break
    return out


def best_cosine(hits: list[Hit]) -> float:
    return max((h.dense for h in hits if h.dense is not None), default=0.0)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of an excerpt; line breaks (list items) also end a sentence."""
    spans = []
    for line in re.finditer(r"[^\n]+", text):
        spans += sentence_spans(text, line.start(), line.end())
    return spans


def highlights(texts: list[str], qvec: np.ndarray, embedder, most: int = 3,
               margin: float = 0.08) -> list[list[str]]:
    """For each excerpt text, the 1-3 sentences closest to the question, in text order; each an
    exact substring of its text. All sentences are embedded in one batch."""
    spans = []
    for text in texts:
        found = sentences(text)
        spans.append([s for s in found if len(text[s[0]:s[1]].split()) >= 3] or found)
    flat = [text[s:e] for text, sp in zip(texts, spans) for s, e in sp]
    scores = embedder.encode(flat) @ qvec if flat else np.zeros(0)
    out, pos = [], 0
    for text, sp in zip(texts, spans):
        mine, pos = scores[pos:pos + len(sp)], pos + len(sp)
        if len(sp) == 0:
            out.append([])
            continue
        best = float(mine.max())
        chosen = [i for i in np.argsort(-mine)[:most] if mine[i] >= best - margin]
        out.append([text[sp[i][0]:sp[i][1]] for i in sorted(chosen)])
    return out
