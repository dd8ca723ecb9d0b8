"""The retriever: search over one loaded index with one embedder. Hybrid search fuses dense
(FAISS) and lexical (BM25) candidates by reciprocal rank, rolls them up to articles and
boosts the articles a question names; the retriever also picks the sentences of an excerpt
that best answer the question, with their vectors stored in the index (or embedded and
remembered)."""

from __future__ import annotations

import re

import numpy as np

from .chunking import sentence_spans
from .index import Index
from .lexical import BM25, lexical_text, lexical_tokens
from .models import Hit
from .redflags import vocabulary
from .sentences import SentenceVectors

MODES = ("hybrid", "dense", "bm25", "rrf")
RRF_K = 60
CANDIDATES = 50

# What patients wrap around a question in a message: greetings, thanks, sign-offs, "please
# reply", template placeholders, drug package codes (NDC). None of it says what to look for.
_OPENING = r"(?:^|(?<=[.!?\n]))\s*"
_GREETING = re.compile(
    _OPENING + r"(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day)"
    r"|dear\s+(?:sir|madam|doctor|dr\.?\s*\w+|team|all)(?:\s+or\s+madam)?|sir|madam)\b[\s,!.:;-]*",
    re.I,
)
_THANKS = re.compile(
    r"\b(?:many\s+)?(?:thanks?|thx)\b(?:\s+you)?(?:\s+(?:so|very)\s+much)?"
    r"(?:\s+(?:in\s+advance|a\s+lot|again))?(?:\s+for\s+[^.?!\n]{0,60})?\s*[.!]*",
    re.I,
)
_SIGN_OFF = re.compile(
    _OPENING + r"(?:best\s+regards|kind\s+regards|regards|sincerely|yours\s+truly"
    r"|best\s+wishes|god\s+bless)\b.*$",
    re.I | re.S,
)
_PLEASE = re.compile(
    r"\b(?:please|pls|plz|kindly)(?:\s+(?:help(?:\s+me)?|reply|respond|advise|answer"
    r"|let\s+me\s+know|tell\s+me|send\s+me))?\b[\s,!.]*",
    re.I,
)
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


# askclinic's retriever (mode "hybrid"), tuned on the medquad questions: how much each ranked
# list counts in the reciprocal-rank fusion, and the boosts that follow it.
WEIGHTS = {"dense": 1.0, "lexical": 0.5, "sentences": 1.0, "titles": 1.0}
HEADING_BOOST = 0.5  # a passage under a heading the question names ("treatment", "symptoms")
TITLE_EXACT, TITLE_ANYCASE = 1.0, 0.5  # an article title quoted in the question, in RRF units


class Retriever:
    """Search over one loaded `index` with one `embedder`. Made once per index version (the
    live index makes it in the background before serving the version), it owns what the
    hybrid search derives from the index: a BM25 index of article titles, title initials
    ("DVT" → Deep Vein Thrombosis), a spelling table of the corpus's own words, each word's
    document frequency, and the excerpt sentences' vectors (stored in the index, else embedded
    and remembered)."""

    def __init__(self, index: Index, embedder):
        self.index, self.embedder = index, embedder
        self.model_words = vocabulary(embedder)  # the model's word pieces, for red-flag spelling
        self.sentence_vectors = SentenceVectors(embedder, index.sentences)
        self.vocab = index.bm25.vocab_dict
        indptr = index.bm25.scores["indptr"]
        self.df = np.diff(np.asarray(indptr)) if len(indptr) > 1 else np.zeros(len(self.vocab))
        self._title_tables()
        self.near: dict[str, list[str]] = {}  # word with one letter dropped -> corpus words
        for w, i in self.vocab.items():
            if len(w) >= 4 and w.isalpha() and self.df[i] >= 3:
                for v in {w} | {w[:j] + w[j + 1 :] for j in range(len(w))}:
                    self.near.setdefault(v, []).append(w)
        self._headings: dict[str, set[str]] = {}
        self.passages: dict[str, list[int]] = {}
        self.rows: dict[str, int] = {}
        self._words: dict[str, set[str]] = {}
        for i, c in enumerate(index.chunks):
            self.passages.setdefault(c.article_id, []).append(i)
            self.rows[c.id] = i

    def _title_tables(self) -> None:
        """The titles' words, their BM25 index and their initials."""
        from bm25s.stopwords import STOPWORDS_EN

        index = self.index
        self.ids = list(index.articles)
        tokens = [lexical_tokens(index.articles[a]["title"]) for a in self.ids]
        self.title_words = {a: set(t) for a, t in zip(self.ids, tokens)}
        self.titles = BM25()
        self.titles.index([t or [""] for t in tokens] or [[""]], show_progress=False)
        stop = set(STOPWORDS_EN)
        self.initials: dict[str, list[str]] = {}
        for a in self.ids:
            words = [
                w
                for w in re.findall(r"[A-Za-z][A-Za-z'-]*", index.articles[a]["title"])
                if w.lower() not in stop
            ]
            if 3 <= len(words) <= 6:
                self.initials.setdefault("".join(w[0] for w in words).lower(), []).append(a)

    # ------------------------------------------------------------ search

    def search(
        self,
        question: str,
        qvec: np.ndarray | None,
        mode: str = "hybrid",
        k: int = CANDIDATES,
        each_sentence: bool = True,
    ) -> list[Hit]:
        """Chunks for `question`, best first. `qvec` (the question's unit vector) is needed for
        the dense, rrf and hybrid modes; `dense` and `bm25` are the plain single retrievers and
        `rrf` their plain reciprocal-rank fusion (baselines). Hybrid also searches each
        sentence of a long message (unless `each_sentence` is False), corrects misspelled
        words for BM25, favours passages under the heading the question asks about, and ranks
        articles whose title the question names; hits come grouped by article, best first."""
        if mode not in MODES:
            raise ValueError(f"retriever must be one of {', '.join(MODES)}, not {mode!r}")
        index = self.index
        if mode != "hybrid":
            dense = index.dense_search(qvec, k) if mode in ("dense", "rrf") else []
            lexical = index.lexical_search(question, k) if mode in ("bm25", "rrf") else []
            return fuse(index, [(dense, 1.0, "dense"), (lexical, 1.0, "lexical")])
        words = lexical_tokens(question)
        words += [c for c in map(self.correct, words) if c]
        lists = [
            (index.dense_search(qvec, k), WEIGHTS["dense"], "dense"),
            (self.lexical(words, k), WEIGHTS["lexical"], "lexical"),
        ]
        parts = question_sentences(question)
        if each_sentence and len(parts) > 1:
            for vec in self.embedder.encode(parts):
                lists.append((index.dense_search(vec, k), WEIGHTS["sentences"] / len(parts), None))
        hits = fuse(index, lists)
        asked = set(words)
        for h in hits:
            heading = self.heading_words(h.chunk.heading)
            if heading:
                h.score *= 1 + HEADING_BOOST * len(heading & asked) / len(heading)
        found = {h.chunk.article_id for h in hits}
        bonus = self.article_bonus(question, words, found)
        hits += [self.best_passage(a, qvec) for a in bonus if a not in found]
        return by_article(hits, bonus)

    # ------------------------------------------------------------ tables

    def words(self, chunk) -> set[str]:
        """The BM25 words of a passage (title and heading included), kept once computed."""
        found = self._words.get(chunk.id)
        if found is None:
            title = self.index.articles[chunk.article_id]["title"]
            found = self._words[chunk.id] = set(lexical_tokens(lexical_text(title, chunk)))
        return found

    def idf(self, word: str) -> float:
        n = len(self.index.chunks) + 1
        return float(np.log(n / (1 + (self.df[self.vocab[word]] if word in self.vocab else 0))))

    def known(self, word: str) -> bool:
        """Every BM25 word of `word` occurs in the articles (a stop word counts as known)."""
        return all(t in self.vocab for t in lexical_tokens(word))

    def cosine(self, chunk, qvec: np.ndarray) -> float:
        """The question's cosine similarity to a passage (its stored vector)."""
        return float(self.index.dense.reconstruct(self.rows[chunk.id]) @ qvec)

    def best_passage(self, article: str, qvec: np.ndarray) -> Hit:
        """The passage of `article` closest to the question, as a hit with no fused score."""
        rows = self.passages[article]
        cos = np.array([self.index.dense.reconstruct(i) for i in rows]) @ qvec
        best = int(np.argmax(cos))
        return Hit(self.index.chunks[rows[best]], 0.0, dense=float(cos[best]))

    def correct(self, word: str) -> str | None:
        """The most common corpus word within one edit or swap of an unknown word."""
        if word in self.vocab or len(word) < 5 or not word.isalpha():
            return None
        found = {
            c
            for v in {word} | {word[:j] + word[j + 1 :] for j in range(len(word))}
            for c in self.near.get(v, ())
        }
        return max(sorted(found), key=lambda c: self.df[self.vocab[c]]) if found else None

    def lexical(self, words: list[str], k: int) -> list[tuple[int, float]]:
        words = [w for w in words if w in self.vocab]
        if not words:
            return []
        return _top(self.index.bm25.get_scores(words), k)

    def weight(self, words: set[str]) -> float:
        """Summed inverse document frequency: rare words say more."""
        n = len(self.index.chunks) + 1
        return sum(np.log(n / (1 + (self.df[self.vocab[w]] if w in self.vocab else 0))) for w in words)

    def heading_words(self, heading: str) -> set[str]:
        if heading not in self._headings:
            self._headings[heading] = set(lexical_tokens(heading))
        return self._headings[heading]

    def article_bonus(self, question: str, words: list[str], candidates: set[str]) -> dict[str, float]:
        """Articles the question names: BM25 over titles (by rank), titles abbreviated in
        the question, and titles quoted in it (more when the case matches too)."""
        bonus: dict[str, float] = {}
        short, asked = self.abbreviated(question), set(words)
        for rank, a in enumerate(dict.fromkeys(short + self.title_search(words))):
            title = self.title_words[a]  # weighed by how much of the title the question names
            named = 1.0 if a in short else self.weight(title & asked) / max(self.weight(title), 1e-9)
            bonus[a] = WEIGHTS["titles"] * named / (RRF_K + rank)
        lower = question.lower()
        for a in candidates | set(bonus):
            title = self.index.articles[a]["title"]
            if len(title) >= 3 and quoted(title, question):
                bonus[a] = bonus.get(a, 0.0) + TITLE_EXACT / RRF_K
            elif a in short or (len(title) >= 3 and quoted(title.lower(), lower)):
                bonus[a] = bonus.get(a, 0.0) + TITLE_ANYCASE / RRF_K
        return bonus

    def title_search(self, words: list[str], k: int = CANDIDATES) -> list[str]:
        words = [w for w in words if w in self.titles.vocab_dict]
        if not words:
            return []
        return [self.ids[i] for i, _ in _top(self.titles.get_scores(words), k)]

    def abbreviated(self, question: str) -> list[str]:
        """Articles whose title's initials the question uses as a word: written in capitals,
        or rare in the corpus (so "much" or "cat" are not read as initials)."""
        out = []
        for w in dict.fromkeys(re.findall(r"\b[A-Za-z]{3,6}\b", question)):
            arts = self.initials.get(w.lower(), [])
            if not arts or len(arts) > 3:
                continue
            stem = lexical_tokens(w)
            if not stem:  # a stop word
                continue
            rare = stem[0] not in self.vocab or self.df[self.vocab[stem[0]]] < 0.0025 * len(self.index.chunks)
            if w.isupper() or rare:
                out += arts
        return out

    # ------------------------------------------------------------ highlights

    def highlights(
        self, texts: list[str], qvec: np.ndarray, most: int = 3, margin: float = 0.08
    ) -> list[list[str]]:
        """For each excerpt text, the 1-3 sentences closest to the question, in text order;
        each an exact substring of its text. Sentences neither stored nor remembered are
        embedded in one batch."""
        spans = [highlight_spans(text) for text in texts]
        flat = [text[s:e] for text, sp in zip(texts, spans) for s, e in sp]
        scores = self.sentence_vectors.encode(flat) @ qvec if flat else np.zeros(0)
        out, pos = [], 0
        for text, sp in zip(texts, spans):
            mine, pos = scores[pos : pos + len(sp)], pos + len(sp)
            if len(sp) == 0:
                out.append([])
                continue
            best = float(mine.max())
            chosen = [i for i in np.argsort(-mine)[:most] if mine[i] >= best - margin]
            out.append([text[sp[i][0] : sp[i][1]] for i in sorted(chosen)])
        return out


def fuse(index: Index, lists: list[tuple[list[tuple[int, float]], float, str | None]]) -> list[Hit]:
    """Weighted reciprocal-rank fusion of ranked (chunk, score) lists; `kind` says which
    score a hit records (dense cosine or BM25)."""
    hits: dict[int, Hit] = {}
    for ranked, weight, kind in lists:
        for rank, (i, score) in enumerate(ranked):
            hit = hits.setdefault(i, Hit(index.chunks[i], 0.0))
            hit.score += weight / (RRF_K + rank)
            if kind == "dense":
                hit.dense = score
            elif kind == "lexical":
                hit.lexical = score
    return sorted(hits.values(), key=lambda h: -h.score)


def by_article(hits: list[Hit], bonus: dict[str, float]) -> list[Hit]:
    """Hits grouped by article: articles ordered by their best hit plus `bonus`."""
    best: dict[str, float] = {}
    for h in hits:
        best[h.chunk.article_id] = max(best.get(h.chunk.article_id, 0.0), h.score)
    for a, b in bonus.items():
        best[a] = best.get(a, 0.0) + b
    return sorted(hits, key=lambda h: (-best[h.chunk.article_id], -h.score))


def question_sentences(text: str) -> list[str]:
    """The sentences (and lines) of a question, for searching each on its own."""
    return [text[s:e] for s, e in sentences(text)]


def quoted(title: str, text: str) -> bool:
    """`title` occurs in `text` as whole words."""
    at = text.find(title)
    while at >= 0:
        end = at + len(title)
        if (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum()):
            return True
        at = text.find(title, at + 1)
    return False


def _top(scores: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The k best (position, score) pairs with a positive score, best first."""
    k = min(k, len(scores))
    if k == 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [(int(i), float(scores[i])) for i in best if scores[i] > 0]


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


def highlight_spans(text: str) -> list[tuple[int, int]]:
    """The sentences `Retriever.highlights` may mark: those of 3 words or more (all when none is)."""
    found = sentences(text)
    return [s for s in found if len(text[s[0] : s[1]].split()) >= 3] or found
