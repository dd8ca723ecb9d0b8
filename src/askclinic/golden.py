"""The staff's golden questions: `golden.jsonl` lines `{"question": ..., "expected":
["article_id", ...]}` whose expected articles should stay among the top 3 (TOP). They are
re-asked after each rebuild (update.update_index) and from the staff console."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .config import Settings
from .errors import IngestError
from .files import json_lines

GOLDEN = "golden.jsonl"
TOP = 3


@dataclass
class GoldenResult:
    question: str
    expected: list[str]
    ranking: list[str]  # best articles now, best first (up to 20)
    missing: list[str]  # expected articles not in the top 3
    absent: list[str]  # expected articles that are not in the index at all

    @property
    def ok(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "expected": self.expected,
            "top": self.ranking[:TOP],
            "missing": self.missing,
            "ok": self.ok,
        }


def find_golden(settings: Settings, folders: Iterable[str | Path] = ()) -> Path | None:
    """The one rule for where the golden questions are: `golden.jsonl` in the first of the
    article `folders` that has one, else in the data folder; None when none has one."""
    for folder in (*folders, settings.data_path):
        path = Path(folder) / GOLDEN
        if path.is_file():
            return path
    return None


def read_golden(path: str | Path) -> list[tuple[str, list[str]]]:
    """(question, expected ids) per line; a bad line is an error naming file and line."""
    shape = '{"question": "...", "expected": ["article_id", ...]}'
    out = []
    for n, obj in json_lines(path, shape):
        try:
            question, expected = str(obj["question"]).strip(), obj["expected"]
            if isinstance(expected, str):
                expected = [expected]
            if not question or not expected or not all(isinstance(e, str) for e in expected):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            raise IngestError(f"{path} line {n}: expected {shape}") from None
        out.append((question, list(expected)))
    return out


def check_golden(path: str | Path, settings: Settings, retriever=None, embedder=None) -> list[GoldenResult]:
    """Ask every golden question with `retriever` (default: one over the current index in
    settings.index, with `embedder` or the settings' model) and list, per question, the
    expected articles missing from the top 3."""
    from .answer import ask
    from .index import load_index
    from .retrieve import Retriever

    if retriever is None:
        if embedder is None:
            from .embedding import get_embedder

            embedder = get_embedder(settings)
        retriever = Retriever(load_index(settings.index), embedder)
    results = []
    for question, expected in read_golden(path):
        ranking = ask(question, retriever, settings, with_highlights=False).ranking
        top = ranking[:TOP]
        results.append(
            GoldenResult(
                question,
                expected,
                ranking,
                [e for e in expected if e not in top],
                [e for e in expected if e not in retriever.index.articles],
            )
        )
    return results


def format_results(results: list[GoldenResult], path: str | Path = GOLDEN) -> list[str]:
    """Report lines: one summary line, then one line per expected article that dropped out."""
    misses = [r for r in results if not r.ok]
    lines = [
        f"golden questions ({path}): {len(results) - len(misses)} of {len(results)} "
        f"have their expected articles in the top {TOP}"
    ]
    for r in misses:
        for a in r.missing:
            where = (
                "is not in the index (deleted or renamed?)"
                if a in r.absent
                else f"is now ranked {r.ranking.index(a) + 1}"
                if a in r.ranking
                else "is no longer in the top 20"
            )
            lines.append(
                f"  DROPPED {r.question!r}: {a} {where}; top {TOP} now: "
                + (", ".join(r.ranking[:TOP]) or "(none)")
            )
    return lines
