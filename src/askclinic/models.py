"""The plain records that cross module borders: Article, Chunk, Hit, Excerpt, Answer, and
the answer statuses."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


class Status:
    """What an Answer is: every front end, the log and the benchmarks use these names."""

    ANSWERED = "answered"  # excerpts from the articles
    NO_MATCH = "no_match"  # the articles don't cover it
    EMERGENCY = "emergency"  # a red flag: the emergency message, no articles
    CHECK = "check"  # maybe a red flag: ask which, before any articles
    INVALID = "invalid"  # not a question we can search (empty, another language, ...)
    ALL = (ANSWERED, NO_MATCH, EMERGENCY, CHECK, INVALID)


@dataclass
class Article:
    """One clinic article, as loaded from any source. `text` is Markdown-ish plain text:
    `## Heading` lines and paragraphs separated by blank lines."""

    id: str
    title: str
    text: str
    url: str | None = None
    published: str | None = None  # YYYY-MM-DD
    author: str | None = None
    tags: list[str] = field(default_factory=list)
    source: str | None = None  # file the article came from

    def content_hash(self) -> str:
        """Hash of everything that changes what is indexed or shown."""
        payload = json.dumps(
            [self.title, self.text, self.url, self.published, self.author, self.tags], ensure_ascii=False
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass
class Chunk:
    """A passage of an article; `start`/`end` are character offsets into `Article.text`."""

    id: str
    article_id: str
    heading: str
    text: str
    start: int
    end: int
    n_tokens: int


@dataclass
class Hit:
    """One chunk found for a question, with its fused score and the scores behind it."""

    chunk: Chunk
    score: float
    dense: float | None = None  # cosine similarity, when the dense retriever saw it
    lexical: float | None = None  # BM25 score, when the lexical retriever saw it


@dataclass
class Excerpt:
    n: int
    article_id: str
    title: str
    url: str | None
    published: str | None
    text: str
    highlights: list[str]
    score: float
    deep_url: str | None = None  # url#:~:text=... at the first highlighted sentence (deeplink.py)


@dataclass
class Answer:
    """What every front end shows. `message` is always fixed text, never generated."""

    question: str
    status: str  # one of Status.ALL
    message: str
    excerpts: list[Excerpt] = field(default_factory=list)
    ranking: list[str] = field(default_factory=list)
    id: str | None = None
    notice: str | None = None  # e.g. "answered on the first 1,000 characters"
    language: str = "en"  # the language of the fixed messages: "en" or "es"
    check: list[dict] | None = None  # status "check": [{"id": category, "label": wording}]
    kind: str | None = None  # "emergency": the red-flag category, e.g. "self_harm"; "invalid": "language"
    # when refused for not being in English

    def to_dict(self) -> dict:
        out = {
            "id": self.id,
            "question": self.question,
            "status": self.status,
            "message": self.message,
            "excerpts": [asdict(e) for e in self.excerpts],
            "ranking": list(self.ranking),
        }
        if self.notice:
            out["notice"] = self.notice
        out["language"] = self.language
        if self.check is not None:
            out["check"] = [dict(item) for item in self.check]
        if self.kind:
            out["kind"] = self.kind
        return out
