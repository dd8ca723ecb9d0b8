"""Retrieval metrics over a question file (dev_questions.jsonl format): nDCG@10 with graded
gains, MRR@10 and success@1/@5 at article level (grade >= 2 relevant), the share of
abstentions (no_match), and latency, per question set."""

from __future__ import annotations

import math
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from .errors import IngestError
from .files import json_lines
from .models import Status

QUESTION_SHAPE = "a JSON object with 'question' and 'relevant'"


def read_questions(path: str | Path) -> list[dict]:
    """The questions of a file in dev_questions.jsonl format ('relevant' defaults to none); a
    missing file or a bad line is an IngestError naming the file and the line."""
    out = []
    for n, q in json_lines(path, QUESTION_SHAPE):
        if "question" not in q:
            raise IngestError(f"{path} line {n}: expected {QUESTION_SHAPE}")
        q.setdefault("relevant", {})
        out.append(q)
    return out


def ndcg_at_10(ranking: list[str], grades: dict[str, int]) -> float:
    gain = lambda g: 2**g - 1  # noqa: E731
    dcg = sum(gain(grades.get(a, 0)) / math.log2(i + 2) for i, a in enumerate(ranking[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum(gain(g) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def scores(ranking: list[str], grades: dict[str, int]) -> dict[str, float]:
    relevant = {a for a, g in grades.items() if g >= 2}
    first = next((i for i, a in enumerate(ranking[:10]) if a in relevant), None)
    return {
        "ndcg@10": ndcg_at_10(ranking, grades),
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
        "success@1": float(first == 0),
        "success@5": float(first is not None and first < 5),
    }


def evaluate(questions: list[dict], answer_fn) -> dict[str, dict]:
    """Run `answer_fn(question) -> Answer` on each question; metrics per `set` and 'all'.
    Quality metrics count only questions with an article graded 2 or more."""
    per: dict[str, list] = defaultdict(list)
    for q in questions:
        t = time.perf_counter()
        ans = answer_fn(q["question"])
        ms = (time.perf_counter() - t) * 1000
        graded = any(g >= 2 for g in q["relevant"].values())
        row = {"ms": ms, "abstained": ans.status == Status.NO_MATCH, "graded": graded}
        if graded:
            row.update(scores(ans.ranking, q["relevant"]))
        for s in (q.get("set", "all"), "all"):
            per[s].append(row)
    return {s: _summarise(rows) for s, rows in per.items()}


def _summarise(rows: list[dict]) -> dict:
    graded = [r for r in rows if r["graded"]]
    out = {"questions": len(rows), "graded": len(graded)}
    for m in ("ndcg@10", "mrr@10", "success@1", "success@5"):
        out[m] = sum(r[m] for r in graded) / len(graded) if graded else float("nan")
    out["no_match"] = sum(r["abstained"] for r in rows) / len(rows)
    ms = np.array([r["ms"] for r in rows])
    out["p50_ms"], out["p95_ms"] = float(np.percentile(ms, 50)), float(np.percentile(ms, 95))
    return out


def format_table(results: dict[str, dict], retriever: str) -> str:
    cols = [
        "questions",
        "graded",
        "ndcg@10",
        "mrr@10",
        "success@1",
        "success@5",
        "no_match",
        "p50_ms",
        "p95_ms",
    ]
    lines = [f"retriever: {retriever}", "set      " + " ".join(f"{c:>9}" for c in cols)]
    for s in sorted(results, key=lambda s: (s == "all", s)):
        r = results[s]
        cells = [f"{r[c]:>9d}" if isinstance(r[c], int) else f"{r[c]:>9.3f}" for c in cols]
        lines.append(f"{s:<8} " + " ".join(cells))
    return "\n".join(lines)
