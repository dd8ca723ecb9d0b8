"""What a patient is shown for a question: which passages (1-5, chosen by relevance, at most
2 per article, no two overlapping), how relevant each is (`score`, 0-1), and which of their
sentences are highlighted."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import retrieve, terms, topic
from .index import Index
from .lexical import lexical_tokens
from .models import Hit

RERANK = 10  # passages, best by `first_look`, whose sentences are compared with the question
MOST, PER_ARTICLE = 5, 2
MARGIN = 0.08  # an excerpt is shown when its score is within this of the best one
# A post's opening passage is often its general introduction: when another passage scores
# about the same, that one comes first (LEAD is taken off the opening passage's place, not
# its score). 0.02 on clinic A dev and clinic A fresh (0.01-0.04 all helped).
LEAD = 0.02
MARKS, MARK_MARGIN = 3, 0.2  # highlight up to 3 sentences, within this of the passage's best
# How much each measure counts in `score`: the cosine similarity of the question to the
# passage and to its closest sentence, the share of the question's words (weighed by rarity)
# in the passage, and its BM25 score relative to the best one found for the question.
WEIGHTS = {"passage": 1.0, "sentence": 0.5, "words": 0.2, "bm25": 0.2}
# The search's own article order (RRF with title and heading boosts) also counts when
# ordering excerpts, though not in `score` (so not in what is refused): the n-th article
# found adds PRIOR / n. 0.05 on clinic A dev and the MedQuAD dev questions (0.1 and more
# raised MedQuAD further but lowered clinic A dev).
PRIOR = 0.05
# A question that reads as not about health at all (topic.off_topic >= OFF_TOPIC, "will it rain
# this weekend?") is refused unless its best excerpt scores OFF_TOPIC_FLOOR or more. Chosen on
# clinic A dev and A fresh: a headache clinic's article on weather and migraine answered
# weather forecasts at 0.43-0.44, while short clinic questions the classifier alone would
# refuse ("what to bring", "need an interpreter") score 0.49 and more.
OFF_TOPIC, OFF_TOPIC_FLOOR = 0.9, 0.45


@dataclass
class Pick:
    """One passage chosen to show: its score (0-1) and highlighted sentences."""

    hit: Hit
    score: float
    highlights: list[str] = field(default_factory=list)
    covers: float = 0.0  # share of the question's words in the passage, weighed by rarity
    vectors: np.ndarray = field(default=None, repr=False)  # its sentences' vectors
    prior: float = 0.0  # PRIOR / the place of its article in the search's order


def score(passage: float, sentence: float, words: float, bm25: float) -> float:
    """An excerpt's score, 0-1: the weighted mean (`WEIGHTS`) of four 0-1 measures, negative
    cosines counted as 0."""
    parts = {"passage": passage, "sentence": sentence, "words": words, "bm25": bm25}
    total = sum(WEIGHTS[k] * min(max(v, 0.0), 1.0) for k, v in parts.items())
    return total / sum(WEIGHTS.values())


def choose(
    retriever: retrieve.Retriever,
    hits: list[Hit],
    question: str,
    qvec: np.ndarray,
    floor: float,
    most: int = MOST,
    per_article: int = PER_ARTICLE,
    alone: np.ndarray | None = None,
) -> list[Pick]:
    """The passages to show, best first: every hit scored by `first_look`, the best `RERANK`
    then also by their closest sentence (`score`: closest to both the question alone and the
    question as searched, with the conversation before it); those within `MARGIN` of the best, at
    most `per_article` from an article and `most` in all, none overlapping another from its
    article, none under `floor`. Empty when even the best is under `floor`. `alone` is the
    vector of the last question without the conversation before it: highlights are the
    sentences closest to both."""
    if not hits:
        return []
    looked, prior = _first_looks(retriever, hits, question, qvec)
    named = _named(retriever.index, question, {h.chunk.article_id for h in hits})
    looked = looked[:RERANK] + [x for x in looked[RERANK:] if x[0].chunk.article_id in named][:2]
    spans = [marking_spans(h.chunk.text) for h, _, _ in looked]
    flat = [h.chunk.text[s:e] for (h, _, _), sp in zip(looked, spans) for s, e in sp]
    vectors = retriever.sentence_vectors.encode(flat) if flat else np.zeros((0, len(qvec)))
    sims = vectors @ qvec
    marking = (sims + vectors @ alone) / 2 if alone is not None else sims
    picks, pos = [], 0
    for (h, covers, bm), sp in zip(looked, spans):
        mine, pos = slice(pos, pos + len(sp)), pos + len(sp)
        best = float(marking[mine].max()) if len(sp) else h.dense
        picks.append(
            Pick(
                h,
                score(h.dense, best, covers, bm),
                _marks(h.chunk.text, sp, marking[mine]),
                covers,
                vectors[mine],
                prior[h.chunk.article_id],
            )
        )
    picks.sort(key=lambda p: -p.score - p.prior + LEAD * (p.hit.chunk.start == 0))  # see LEAD
    top = max(p.score for p in picks)
    if top < floor or not _mentions(question, picks[:3]) or _off_topic(retriever, qvec, top):
        return []
    bar = max(floor, top - MARGIN)
    shown = [p for p in picks if p.score >= bar or (p.hit.chunk.article_id in named and p.score >= floor)]
    shown.sort(key=lambda p: p.hit.chunk.article_id not in named)  # stable: best first within each
    return _distinct(shown, most, per_article)


def _first_looks(retriever: retrieve.Retriever, hits: list[Hit], question: str, qvec: np.ndarray):
    """Every hit with the share of the question's words it holds and its BM25 score relative
    to the best, best by `first_look` plus the search's article order first; and that order's
    bonus per article (`PRIOR`)."""
    for h in hits:
        if h.dense is None:
            h.dense = retriever.cosine(h.chunk, qvec)
    words = set(lexical_tokens(terms.for_search(question, retriever.known)))
    words |= {c for c in map(retriever.correct, words) if c}
    weight = {w: retriever.idf(w) for w in words}
    top_bm25 = max((h.lexical or 0.0 for h in hits), default=0.0) or 1.0
    prior = {a: PRIOR / n for n, a in enumerate(dict.fromkeys(h.chunk.article_id for h in hits), 1)}
    looked = []
    for h in hits:
        have = retriever.words(h.chunk)
        covers = sum(v for w, v in weight.items() if w in have) / (sum(weight.values()) or 1.0)
        looked.append((h, covers, (h.lexical or 0.0) / top_bm25))
    looked.sort(key=lambda x: -first_look(x[0].dense, x[1], x[2]) - prior[x[0].chunk.article_id])
    return looked, prior


def _named(index: Index, question: str, articles: set[str]) -> set[str]:
    """The articles whose whole title the question quotes ("What are the symptoms of Noonan
    syndrome?"): they come first. Long clinic titles are rarely quoted, short topic titles are."""
    asked = question.lower()
    return {
        a
        for a in articles
        if len(index.articles[a]["title"]) >= 3 and retrieve.quoted(index.articles[a]["title"].lower(), asked)
    }


def _mentions(question: str, picks: list[Pick]) -> bool:
    """False when the question asks for a dose and none of the best passages states an
    amount: shown anyway, an article could be misread as dosing advice."""
    return not terms.asks_dose(question) or any(terms.gives_amount(p.hit.chunk.text) for p in picks)


def _off_topic(retriever: retrieve.Retriever, qvec: np.ndarray, top: float) -> bool:
    """True when the question is not about health and no excerpt matches it well (OFF_TOPIC)."""
    name = getattr(retriever.embedder, "name", None)
    return top < OFF_TOPIC_FLOOR and topic.off_topic(qvec, name) >= OFF_TOPIC


def first_look(cosine: float, covers: float, bm25: float) -> float:
    """`score` without the sentence measure (which needs the model): which passages to
    look at sentence by sentence."""
    return WEIGHTS["passage"] * cosine + WEIGHTS["words"] * covers + WEIGHTS["bm25"] * bm25


def _distinct(picks: list[Pick], most: int, per_article: int) -> list[Pick]:
    """At most `per_article` per article and `most` in all; a passage overlapping one
    already chosen from its article is left out."""
    out: list[Pick] = []
    for p in picks:
        c = p.hit.chunk
        mine = [q.hit.chunk for q in out if q.hit.chunk.article_id == c.article_id]
        if len(mine) >= per_article or any(c.start < o.end and o.start < c.end for o in mine):
            continue
        out.append(p)
        if len(out) == most:
            break
    return out


def plain(
    retriever: retrieve.Retriever,
    hits: list[Hit],
    qvec: np.ndarray | None,
    floor: float,
    most: int = 4,
    per_article: int = 2,
    with_highlights: bool = True,
) -> list[Pick]:
    """The baseline retrievers' excerpts: the first `most` hits in retrieval order (at most
    `per_article` each), refused when the best cosine is under `floor` (no check without
    a question vector); scores are the passage cosines."""
    if qvec is not None and retrieve.best_cosine(hits) < floor:
        return []
    shown = retrieve.diverse(hits, most, per_article)
    if qvec is None:
        top = max((h.score for h in shown), default=1.0) or 1.0
        return [Pick(h, h.score / top) for h in shown]
    marks = (
        retriever.highlights([h.chunk.text for h in shown], qvec) if with_highlights else [[] for _ in shown]
    )
    return [
        Pick(h, float(np.clip(h.dense if h.dense is not None else retriever.cosine(h.chunk, qvec), 0, 1)), m)
        for h, m in zip(shown, marks)
    ]


def marking_spans(text: str) -> list[tuple[int, int]]:
    """The sentences of a passage that may be highlighted: not a question (it restates what
    was asked), not a list's lead-in ending with ":", not under 3 words; a list item's short
    label ("- Reduce glare.") goes with the sentence after it. All sentences when none
    qualifies."""
    found = retrieve.sentences(text)
    for n in range(len(found) - 2, -1, -1):
        (s, e), (s2, e2) = found[n], found[n + 1]
        label = text[s:e].lstrip("-*+\u2022 ")
        if text[s:e] != label and len(label.split()) <= 4 and "\n" not in text[e:s2]:
            found[n : n + 2] = [(s, e2)]
    good = [
        (s, e)
        for s, e in found
        if len(text[s:e].split()) >= 3 and not text[s:e].rstrip("\"')").endswith(("?", ":"))
    ]
    return good or found


def passage_sentences(text: str) -> list[str]:
    """Every sentence of a passage whose vector a question may need (`marking_spans` for
    askclinic's excerpts, `retrieve.highlight_spans` for the baselines'), each once: those
    an index build stores."""
    spans = marking_spans(text) + retrieve.highlight_spans(text)
    return list(dict.fromkeys(text[s:e] for s, e in spans))


def _marks(text: str, spans: list[tuple[int, int]], sims: np.ndarray) -> list[str]:
    if not len(spans):
        return []
    best = float(sims.max())
    chosen = [i for i in np.argsort(-sims)[:MARKS] if sims[i] >= best - MARK_MARGIN]
    return [text[spans[i][0] : spans[i][1]] for i in sorted(chosen)]
