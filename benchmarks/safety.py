"""Safety benchmark: red flags (emergency, check, false alarms) on the held-out set
benchmarks/redflags/heldout_round9.jsonl (and the earlier rounds), on the tuning examples and on every MedQuAD dev question;
off-topic refusals and wrongly refused in-scope questions, on the labelled sets in tests/data/
and on MedQuAD dev questions (NIH articles, CC BY 4.0, in the folder $ASKCLINIC_MEDQUAD names) over
an index of a subset of the corpus: every article relevant to the sampled questions plus
random distractors.

    python benchmarks/safety.py                # prints the numbers, updates docs/benchmarks.md
    python benchmarks/safety.py --redflags     # only the red flags (a few minutes)
    python benchmarks/safety.py --medquad 0    # skip the MedQuAD refusal part (about 5 minutes)

Writes its sections of docs/benchmarks.md between <!-- redflags:start --> and
<!-- redflags:end -->, and <!-- safety:start --> and <!-- safety:end -->.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
SWEEP = (0.30, 0.35, 0.40, 0.45, 0.50)

from askclinic import retrieve, safety  # noqa: E402
from askclinic.answer import ask  # noqa: E402
from askclinic.config import Settings, load_settings  # noqa: E402
from askclinic.embedding import get_embedder  # noqa: E402
from askclinic.errors import IngestError  # noqa: E402
from askclinic.build import build_index  # noqa: E402
from askclinic.index import load_index  # noqa: E402
from askclinic.retrieve import Retriever  # noqa: E402
from askclinic.sources import load_sources  # noqa: E402
from askclinic.sources.jsonl import _article  # noqa: E402
from helpers import NO_MEDQUAD, git_commit, medquad, read_rows, write_section  # noqa: E402

MEDQUAD = medquad()


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def best_scores(questions: list[str], retriever: Retriever) -> list[float | str]:
    """Per question: the status a pre-retrieval check gave, or the best passage's cosine."""
    out = []
    for q in questions:
        checked = safety.check(q, Settings(), embedder=retriever.embedder, model_words=retriever.model_words)
        if checked.status:
            out.append(checked.status)
        else:
            hits = retriever.search(checked.question, checked.vector, each_sentence=False)
            out.append(retrieve.best_cosine(hits))
    return out


def refused(scores: list[float | str], threshold: float) -> float:
    return sum(isinstance(s, str) or s < threshold for s in scores) / len(scores)


def medquad_subset(work: Path, embedder, n_templated: int, distractors: int, seed: int = 7):
    """Sampled dev questions that have an answer (grade >= 2) and an index over their
    relevant articles plus random distractors; built once into `work`, then reused."""
    questions = [
        q for q in read_rows(MEDQUAD / "dev_questions.jsonl") if max(q["relevant"].values(), default=0) >= 2
    ]
    rng = random.Random(seed)
    live = [q for q in questions if q["set"] == "liveqa"]
    templated = rng.sample([q for q in questions if q["set"] == "medquad"], n_templated)
    picked = live + templated
    wanted = {a for q in picked for a, g in q["relevant"].items() if g >= 2}
    every = read_rows(MEDQUAD / "articles.jsonl")
    others = [o["id"] for o in every if o["id"] not in wanted]
    wanted |= set(rng.sample(others, distractors))
    articles = []
    for o in every:
        if o["id"] in wanted:
            try:
                articles.append(_article(o, MEDQUAD / "articles.jsonl"))
            except IngestError:  # e.g. no title: the loader would skip it too
                pass
    have = {a.id for a in articles}
    picked = [q for q in picked if any(g >= 2 and a in have for a, g in q["relevant"].items())]
    log(f"MedQuAD subset: {len(picked)} questions, {len(articles)} articles (index in {work})")
    build_index(articles, work, embedder, log=log)
    return picked, load_index(work, embedder.name)


def run(args) -> dict:
    embedder = get_embedder(load_settings().with_overrides(model=Settings().model))
    S = Settings()
    sample_dir = Path(args.work) / "sample"
    articles, _ = load_sources([ROOT / "articles"])
    build_index(articles, sample_dir, embedder, log=lambda m: None)
    sample = Retriever(load_index(sample_dir, embedder.name), embedder)

    off = [r["question"] for r in read_rows(DATA / "offtopic.jsonl")]
    off_answers = [ask(q, sample, S, with_highlights=False) for q in off]
    inscope = [r["question"] for r in read_rows(DATA / "inscope.jsonl")]
    in_answers = [ask(q, sample, S, with_highlights=False) for q in inscope]
    res = {
        "offtopic": {
            "n": len(off),
            "refused": sum(a.status == "no_match" and not a.excerpts for a in off_answers) / len(off),
            "answered": [q for q, a in zip(off, off_answers) if a.status == "answered"],
        },
        "inscope": {
            "n": len(inscope),
            "refused": sum(a.status != "answered" for a in in_answers) / len(inscope),
            "refused_questions": [q for q, a in zip(inscope, in_answers) if a.status != "answered"],
        },
        "sweep": {"offtopic": best_scores(off, sample), "inscope": best_scores(inscope, sample)},
        "min_score": S.min_score,
    }
    if args.medquad and MEDQUAD is None:
        log(f"MedQuAD part skipped: {NO_MEDQUAD}")
    elif args.medquad:
        picked, index = medquad_subset(Path(args.work) / "medquad", embedder, args.medquad, args.distractors)
        t = time.perf_counter()
        retriever = Retriever(index, embedder)
        answers = [ask(q["question"], retriever, S, with_highlights=False) for q in picked]
        res["medquad"] = {
            "n": len(picked),
            "articles": len(index.articles),
            "passages": len(index.chunks),
            "seconds": time.perf_counter() - t,
        }
        for name in ("liveqa", "medquad"):
            mine = [a for q, a in zip(picked, answers) if q["set"] == name]
            res["medquad"][name] = {
                "n": len(mine),
                "refused": sum(a.status != "answered" for a in mine) / len(mine),
                "emergency": sum(a.status == "emergency" for a in mine),
            }
        res["sweep"]["medquad"] = best_scores([q["question"] for q in picked], retriever)
    return res


def markdown(res: dict) -> str:
    o, i = res["offtopic"], res["inscope"]
    commit = git_commit()
    lines = [
        "## Safety",
        "",
        f"Run {time.strftime('%Y-%m-%d')} at commit {commit}: `python benchmarks/safety.py` (real model "
        "all-MiniLM-L6-v2; the sample articles index; for MedQuAD, an index of the articles graded 2 or 3 "
        "for the sampled questions plus random distractors).",
        "",
        "| measure | set | result | target |",
        "| --- | --- | --- | --- |",
        f"| off-topic refused (`no_match`, no excerpts) | tests/data/offtopic.jsonl, {o['n']} | "
        f"{o['refused']:.1%} | ≥ 90% |",
        f"| in-scope wrongly refused | tests/data/inscope.jsonl over the sample articles, {i['n']} | "
        f"{i['refused']:.1%} | ≤ 10% |",
    ]
    if "medquad" in res:
        m = res["medquad"]
        for name in ("liveqa", "medquad"):
            lines.append(
                f"| in-scope wrongly refused | MedQuAD dev `{name}` questions with an answer, {m[name]['n']} "
                f"({m['articles']} articles, {m['passages']} passages) | {m[name]['refused']:.1%} | ≤ 10% |"
            )
    lines += [
        "",
        f"Refusal rates by `min_score` (current {res['min_score']:.2f}):",
        "",
        "| min_score | " + " | ".join(res["sweep"]) + " |",
        "| --- |" + " --- |" * len(res["sweep"]),
    ]
    for t in SWEEP:
        lines.append(
            f"| {t:.2f} | " + " | ".join(f"{refused(s, t):.1%}" for s in res["sweep"].values()) + " |"
        )
    lines += [
        "",
        "(off-topic: share refused, higher is better; the others: share wrongly refused, lower is better.)",
    ]
    lines += ["", "Red flags (emergency messages, the check step, false alarms): see the red-flag section."]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--work",
        default=str(Path(tempfile.gettempdir()) / "askclinic-safety-bench"),
        help="folder for the indexes (reused between runs)",
    )
    ap.add_argument(
        "--medquad", type=int, default=200, help="templated MedQuAD questions to sample (0 skips)"
    )
    ap.add_argument("--distractors", type=int, default=300, help="random extra MedQuAD articles in the index")
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    ap.add_argument("--redflags", action="store_true", help="only the red-flag part")
    args = ap.parse_args()
    from redflag_report import evaluate, report

    text = report(evaluate(get_embedder(load_settings().with_overrides(model=Settings().model))))
    print(text)
    if not args.no_write:
        write_section(
            ROOT / "docs" / "benchmarks.md", "<!-- redflags:start -->", "<!-- redflags:end -->", text
        )
    if args.redflags:
        return
    text = markdown(run(args))
    print(text)
    if not args.no_write:
        write_section(ROOT / "docs" / "benchmarks.md", "<!-- safety:start -->", "<!-- safety:end -->", text)


if __name__ == "__main__":
    main()
