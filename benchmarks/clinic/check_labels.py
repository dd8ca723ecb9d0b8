"""Check a clinic benchmark's labels against the articles as askclinic loads them.

    python benchmarks/clinic/check_labels.py                      # clinic A, with its targets
    python benchmarks/clinic/check_labels.py --articles DIR FILE... [--min-answerable N ...]

Every labelled sentence must occur in its article's loaded `text` (whitespace collapsed);
ids unique across all files; kinds and styles known; `answers` filled exactly for answerable
questions; follow-ups carry their `context`; `story` 40-120 words, `short` 2-4 words.
Prints counts per kind, style and article for each file (markdown tables) and exits 1 on any
problem. Targets (`--min-*`) default to clinic A's when no files are given, else to 0.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from askclinic.sources import load_sources

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KINDS = ("answerable", "unanswerable", "offtopic")
STYLES = ("plain", "typo", "story", "brand", "third_person", "lay", "short", "follow_up")
KEYS = {"id", "question", "kind", "style", "answers", "context"}
CLINIC_A = {
    "answerable": 230,
    "unanswerable": 36,
    "offtopic": 24,
    "style": 15,
    "follow_up": 20,
    "per_article": 5,
}


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def words(text: str) -> int:
    return len(text.split())


def check_record(rec: dict, texts: dict[str, str]) -> list[str]:
    """Problems with one question record (empty list when it is fine)."""
    if not isinstance(rec, dict) or set(rec) != KEYS:
        return [f"keys must be exactly {sorted(KEYS)}"]
    out = []
    kind, style, answers, context = rec["kind"], rec["style"], rec["answers"], rec["context"]
    if not isinstance(rec["question"], str) or not rec["question"].strip():
        out.append("empty question")
    if kind not in KINDS:
        out.append(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if style not in STYLES:
        out.append(f"style {style!r} is not one of {', '.join(STYLES)}")
    if not isinstance(answers, list):
        return out + ["answers must be a list"]
    if kind == "answerable" and not answers:
        out.append("answerable question without answers")
    if kind in ("unanswerable", "offtopic") and answers:
        out.append(f"{kind} question must have answers: []")
    for ans in answers:
        out += check_answer(ans, texts)
    if style == "follow_up" and not (isinstance(context, str) and context.strip()):
        out.append("follow_up needs the previous question in 'context'")
    if style != "follow_up" and context is not None:
        out.append("context must be null unless style is follow_up")
    n = words(rec["question"]) if isinstance(rec["question"], str) else 0
    if style == "story" and not 40 <= n <= 120:
        out.append(f"story has {n} words (40-120)")
    if style == "short" and not 2 <= n <= 4:
        out.append(f"short has {n} words (2-4)")
    return out


def check_answer(ans: dict, texts: dict[str, str]) -> list[str]:
    if not isinstance(ans, dict) or set(ans) != {"article", "sentence"}:
        return ['each answer must be {"article": ..., "sentence": ...}']
    art, sentence = ans["article"], ans["sentence"]
    if art not in texts:
        return [f"unknown article {art!r}"]
    if not isinstance(sentence, str) or len(squash(sentence)) < 10:
        return [f"sentence too short in {art}: {sentence!r}"]
    if squash(sentence) not in texts[art]:
        return [f"sentence not found in {art}: {sentence[:80]!r}"]
    return []


def read_file(path: Path, problems: list[str]) -> list[dict]:
    records = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        problems.append(f"{path}: cannot be read ({e.strerror}); check the file name")
        return []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            problems.append(f"{path.name} line {n}: not JSON ({e.msg})")
    return records


def table(title: str, rows: list[str], counts: dict[str, Counter], splits: list[str]) -> str:
    head = f"| {title} | " + " | ".join(splits) + " | total |"
    lines = [head, "|" + " --- |" * (len(splits) + 2)]
    for row in rows:
        cells = [counts[s][row] for s in splits]
        lines.append(f"| {row} | " + " | ".join(map(str, cells)) + f" | {sum(cells)} |")
    return "\n".join(lines)


def check_targets(total: dict[str, Counter], articles: list[str], mins: dict) -> list[str]:
    out = []
    for kind in KINDS:
        if total["kind"][kind] < mins[kind]:
            out.append(f"only {total['kind'][kind]} {kind} questions (target {mins[kind]})")
    for style in STYLES:
        if total["style"][style] < mins["style"]:
            out.append(f"only {total['style'][style]} answerable {style} questions (target {mins['style']})")
    if total["style"]["follow_up"] < mins["follow_up"]:
        out.append(f"only {total['style']['follow_up']} answerable follow-ups (target {mins['follow_up']})")
    for art in articles:
        if total["article"][art] < mins["per_article"]:
            out.append(f"article {art} has {total['article'][art]} questions (target {mins['per_article']})")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="*", type=Path, help="question files (.jsonl)")
    p.add_argument("--articles", type=Path, default=ROOT / "articles", help="articles folder")
    for key in CLINIC_A:
        p.add_argument(f"--min-{key.replace('_', '-')}", dest=key, type=int, default=None)
    args = p.parse_args(argv)
    defaults = CLINIC_A if not args.files else dict.fromkeys(CLINIC_A, 0)
    args.mins = {k: getattr(args, k) if getattr(args, k) is not None else defaults[k] for k in CLINIC_A}
    args.files = args.files or [HERE / "clinic_a_dev.jsonl", HERE / "clinic_a_test.jsonl"]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    arts, load_problems = load_sources([args.articles])
    problems = [f"articles: {p}" for p in load_problems]
    if not arts:
        problems.append(f"{args.articles}: no articles loaded; pass --articles FOLDER")
    texts = {a.id: squash(a.text) for a in arts}
    splits = [f.stem for f in args.files]
    counts = {s: {"kind": Counter(), "style": Counter(), "article": Counter()} for s in splits}
    seen_ids: dict[str, str] = {}
    seen_questions: dict[tuple, str] = {}
    for path, split in zip(args.files, splits):
        for rec in read_file(path, problems):
            rid = rec.get("id") if isinstance(rec, dict) else None
            where = f"{path.name} {rid or '(no id)'}"
            problems += [f"{where}: {p}" for p in check_record(rec, texts)]
            if not isinstance(rid, str) or not rid:
                continue
            if rid in seen_ids:
                problems.append(f"{where}: id also used in {seen_ids[rid]}")
            seen_ids[rid] = path.name
            qkey = (str(rec.get("context")), str(rec.get("question")).strip().lower())
            if qkey in seen_questions:
                problems.append(f"{where}: same question as {seen_questions[qkey]}")
            seen_questions[qkey] = rid
            c = counts[split]
            c["kind"][rec.get("kind")] += 1
            if rec.get("kind") == "answerable":
                c["style"][rec.get("style")] += 1
                arts_here = {a.get("article") for a in rec.get("answers") or [] if isinstance(a, dict)}
                c["article"].update(arts_here)
    total = {k: sum((counts[s][k] for s in splits), Counter()) for k in ("kind", "style", "article")}
    problems += check_targets(total, sorted(texts), args.mins)
    print(table("kind", list(KINDS), {s: counts[s]["kind"] for s in splits}, splits))
    print()
    print(table("style (answerable)", list(STYLES), {s: counts[s]["style"] for s in splits}, splits))
    print()
    print(
        table(
            "article (answerable questions labelled with it)",
            sorted(texts),
            {s: counts[s]["article"] for s in splits},
            splits,
        )
    )
    for p in problems:
        print(f"PROBLEM {p}", file=sys.stderr)
    print(f"\n{len(problems)} problem(s)" if problems else "\nall labels check out")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
