"""Clinic benchmark: every retriever on every question set, as a patient sees the answer.

Sets: clinic A (the sample articles in articles/; dev and test halves), clinic B (a second
clinic's posts in benchmarks/clinic/clinic_b/, never tuned on) and MedQuAD's dev questions
(liveqa and medquad, over a prebuilt MedQuAD index). Retrievers: dense only, BM25 only, plain
reciprocal-rank fusion of the two, and askclinic's default.

    python benchmarks/clinic.py                          # every set found, writes the tables
    python benchmarks/clinic.py --sets a_dev,liveqa,medquad --no-write   # while tuning
    python benchmarks/clinic.py --medquad-index DIR      # else $ASKCLINIC_MEDQUAD_INDEX

Writes its section of docs/benchmarks.md between <!-- clinic:start --> and <!-- clinic:end -->
and the same table into the README's Benchmarks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "clinic"
MODES = ("dense", "bm25", "rrf", "hybrid")
NAMES = {"dense": "dense only", "bm25": "BM25 only", "rrf": "plain RRF (dense + BM25)", "hybrid": "askclinic"}
CLINIC_SETS = {
    "a_dev": ("clinic A dev", ROOT / "articles", DATA / "clinic_a_dev.jsonl"),
    "a_test": ("clinic A test", ROOT / "articles", DATA / "clinic_a_test.jsonl"),
    "b": ("clinic B", DATA / "clinic_b" / "articles", DATA / "clinic_b_questions.jsonl"),
    "a_fresh": ("clinic A fresh", ROOT / "articles", DATA / "clinic_a_fresh.jsonl"),
    "c": ("clinic C", DATA / "clinic_c" / "articles", DATA / "clinic_c_questions.jsonl"),
    "a_fresh2": ("clinic A fresh 2", ROOT / "articles", DATA / "clinic_a_fresh2.jsonl"),
}
MEDQUAD_SETS = ("liveqa", "medquad")
START, END = "<!-- clinic:start -->", "<!-- clinic:end -->"

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import NO_MEDQUAD, medquad, publish  # noqa: E402

from askclinic.errors import IngestError  # noqa: E402
from askclinic.files import json_lines  # noqa: E402


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def read_set(path: Path) -> list[dict]:
    shape = "a JSON object with 'question' and 'kind'"
    try:
        lines = list(json_lines(path, shape))
    except IngestError as e:
        raise SystemExit(str(e)) from None
    for n, q in lines:
        if "question" not in q or "kind" not in q:
            raise SystemExit(f"{path} line {n}: expected {shape}")
    return [q for _, q in lines]


def norm(text: str) -> str:
    """Lower case, runs of white space as one space: how sentences are compared."""
    return re.sub(r"\s+", " ", text).strip().lower()


def covers(highlight: str, sentence: str) -> bool:
    """A highlight marks `sentence` when it contains it, or is most of it (a sentence
    split at a line break or abbreviation still counts)."""
    h, s = norm(highlight), norm(sentence)
    return s in h or (h in s and len(h) >= 0.6 * len(s))


def judge(q: dict, ans) -> dict:
    """One question's figures from the Answer shown (see `summarise` for what they mean)."""
    row = {"kind": q["kind"], "answered": ans.status == "answered", "not_covered": ans.status == "no_match"}
    if q["kind"] != "answerable":
        return row
    labels = [(a["article"], norm(a["sentence"])) for a in q.get("answers", [])]
    shown = ans.excerpts if ans.status == "answered" else []
    hit = [any(art == e.article_id and s in norm(e.text) for art, s in labels) for e in shown]
    articles = {art for art, _ in labels}
    row.update(
        p1=any(hit[:1]),
        p3=any(hit[:3]),
        a1=bool(shown) and shown[0].article_id in articles,
        marked=any(
            covers(h, s) for e in shown for h in e.highlights for art, s in labels if art == e.article_id
        ),
    )
    return row


def summarise(rows: list[dict], ms: list[float]) -> dict:
    ans = [r for r in rows if r["kind"] == "answerable"]
    answered = [r for r in ans if r["answered"]]
    share = lambda xs, key: sum(bool(x[key]) for x in xs) / len(xs) if xs else None  # noqa: E731
    un = [r for r in rows if r["kind"] == "unanswerable"]
    off = [r for r in rows if r["kind"] == "offtopic"]
    return {
        "questions": len(rows),
        "answerable": len(ans),
        "unanswerable": len(un),
        "offtopic": len(off),
        "passage@1": share(ans, "p1"),
        "passage@3": share(ans, "p3"),
        "article@1": share(ans, "a1"),
        "highlighted": share(answered, "marked"),
        "unanswerable_refused": 1 - share(un, "answered") if un else None,
        "offtopic_refused": 1 - share(off, "answered") if off else None,
        "wrongly_refused": share(ans, "not_covered"),
        "other_status": (
            sum(not r["answered"] and not r["not_covered"] for r in ans) / len(ans) if ans else None
        ),
        "p50_ms": float(np.percentile(ms, 50)) if ms else None,
    }


def run_clinic(questions: list[dict], retriever, settings, mode: str) -> tuple[dict, list]:
    from askclinic.answer import ask

    ask("warm up: what helps a headache?", retriever, settings, mode=mode)
    rows, ms, misses = [], [], []
    for q in questions:
        t = time.perf_counter()
        ans = ask(q["question"], retriever, settings, mode=mode, context=q.get("context"))
        ms.append((time.perf_counter() - t) * 1000)
        rows.append(judge(q, ans))
        misses.append((q, ans, rows[-1]))
    return summarise(rows, ms), misses


def answer_row(key: str, mode: str, q: dict, ans) -> dict:
    """One question's answer as shown, for --answers."""
    return {
        "set": key,
        "mode": mode,
        "id": q.get("id"),
        "status": ans.status,
        "ranking": ans.ranking,
        "excerpts": [
            {"article": e.article_id, "text": e.text, "score": e.score, "highlights": e.highlights}
            for e in ans.excerpts
        ],
    }


def clinic_index(articles: Path, work: Path, embedder):
    from askclinic.build import build_index
    from askclinic.index import load_index
    from askclinic.sources import load_sources

    found, problems = load_sources([articles])
    if problems:
        raise SystemExit(f"{articles}: " + "; ".join(map(str, problems[:3])))
    path = work / articles.parent.name
    build_index(found, path, embedder, log=lambda m: None)
    return load_index(path)


def run_medquad(index_dir: Path, medquad_dir: Path, modes, embedder) -> tuple[dict, dict]:
    """Each retriever on MedQuAD's dev questions (retrieval.quality), and askclinic's warm
    whole answer, highlights included, on the retrieval benchmark's 200 latency questions."""
    from askclinic.evaluate import read_questions
    from askclinic.index import load_index
    from askclinic.retrieve import Retriever
    from retrieval import quality, warm_latency

    questions = read_questions(medquad_dir / "dev_questions.jsonl")
    log(f"MedQuAD: {len(questions):,} dev questions over {index_dir}")
    retriever = Retriever(load_index(index_dir), embedder)
    got = quality(retriever, questions, modes)
    latency_qs = [q["question"] for q in questions if q["set"] == "liveqa"] + [
        q["question"] for q in questions if q["set"] == "medquad"
    ][:148]
    return got, warm_latency(retriever, latency_qs)


def medquad_row(r: dict) -> dict:
    return {
        "questions": r["questions"],
        "graded": r["graded"],
        "ndcg@10": r["ndcg@10"],
        "article@1": r["success@1"],
        "p50_ms": r["p50_ms"],
    }


def pct(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def report(results: dict, command: str) -> str:
    out = [
        "## Clinic benchmark",
        "",
        f"`{command}`, {time.strftime('%Y-%m-%d')}. Clinic A: the {results.get('a_articles', '?')} "
        f"sample articles in `articles/` (a headache clinic), questions in patients' words "
        f"(`benchmarks/clinic/clinic_a_dev.jsonl`, tuned on; `clinic_a_test.jsonl`, scored only "
        f"when a change was done). Clinic B: {results.get('b_articles', '?')} posts of a sleep "
        f"clinic (`benchmarks/clinic/clinic_b/`), never tuned on. Clinic A fresh "
        f"(`clinic_a_fresh.jsonl`) and clinic C ({results.get('c_articles', '?')} posts of a physiotherapy "
        f"clinic, `benchmarks/clinic/clinic_c/`): written later by an author who never saw the "
        f"retriever, its results or the other sets; never tuned on. Clinic A fresh 2 "
        f"(`clinic_a_fresh2.jsonl`): written by another such author when clinic A fresh had been "
        f"scored twice; never tuned on. MedQuAD: the dev questions of "
        f"the retrieval benchmark over the full MedQuAD index.",
        "",
        "| set | retriever | questions | passage @1 | passage @3 | article @1 | highlighted "
        "| unanswerable refused | off-topic refused | answerable refused | answerable stopped | nDCG@10 | p50 ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, name in [(k, v[0]) for k, v in CLINIC_SETS.items()] + [
        (s, f"MedQuAD {s}") for s in MEDQUAD_SETS
    ]:
        for mode in MODES:
            r = results["sets"].get(key, {}).get(mode)
            if r is None:
                continue
            count = (
                f"{r['answerable']} + {r['unanswerable']} + {r['offtopic']}"
                if "answerable" in r
                else f"{r['graded']} of {r['questions']}"
            )
            out.append(
                f"| {name} | {NAMES[mode]} | {count} | {pct(r.get('passage@1'))} | "
                f"{pct(r.get('passage@3'))} | {pct(r.get('article@1'))} | {pct(r.get('highlighted'))} | "
                f"{pct(r.get('unanswerable_refused'))} | {pct(r.get('offtopic_refused'))} | "
                f"{pct(r.get('wrongly_refused'))} | {pct(r.get('other_status'))} | {pct(r.get('ndcg@10'))} | "
                f"{r['p50_ms']:.1f} |"
            )
    out += ["", *MEASURES, "", "\n\n".join(NOTES)]
    out += ["", *target_lines(results)]
    warm = results.get("medquad_warm")
    if warm:
        out += [
            "",
            f"askclinic's whole answer with highlights, warm, in-process on the full MedQuAD index "
            f"({warm['n']} questions: the 52 liveqa and 148 medquad ones of the retrieval benchmark): "
            f"p50 {warm['p50']:.1f} ms, p95 {warm['p95']:.1f} ms.",
        ]
    skipped = results.get("skipped")
    if skipped:
        out += ["", "Not run: " + "; ".join(skipped) + "."]
    return "\n".join(out)


TARGETS = [
    ("a_test", "passage@1", ">=", 0.85),
    ("a_test", "article@1", ">=", 0.95),
    ("a_test", "highlighted", ">=", 0.85),
    ("a_test", "unanswerable_refused", ">=", 0.80),
    ("a_test", "wrongly_refused", "<=", 0.03),
    ("a_test", "offtopic_refused", ">=", 0.95),
    ("b", "passage@1", ">=", 0.80),
    ("liveqa", "ndcg@10", ">=", 0.697),
    ("medquad", "article@1", ">=", 0.90),
]


def target_lines(results: dict) -> list[str]:
    """The issue's targets for askclinic, each with the figure measured and whether it is met."""
    out = []
    for key, measure, op, goal in TARGETS:
        r = results["sets"].get(key, {}).get("hybrid")
        if r is None or r.get(measure) is None:
            continue
        got = r[measure]
        met = got >= goal if op == ">=" else got <= goal
        out.append(f"- {key} {measure}: {got:.3f} (target {op} {goal}: {'met' if met else 'not met'})")
    return ["Targets for askclinic:", "", *out] if out else []


MEASURES = [
    "Questions: answerable + unanswerable (on topic, not in the articles) + off-topic; for "
    "MedQuAD, graded of all. Passage @1/@3: of the answerable questions, the first (first three) "
    "excerpts shown include one containing a labelled answering sentence (a refusal counts as a "
    "miss). Article @1: the first excerpt is from a labelled article (MedQuAD: the first ranked "
    "article is graded relevant). Highlighted: of the answerable questions that were answered, "
    "a labelled sentence is highlighted. Refused: the answer showed no excerpts (for answerable "
    'questions: "not covered"; stopped: an emergency, check or invalid answer of the safety '
    "checks, which run before retrieval). p50: whole "
    "answer in-process, warm (MedQuAD: without highlights, as in the retrieval benchmark)."
]


NOTES = [
    "Off-topic questions (latest change): a question that reads as not about health at all "
    "(`topic.off_topic` >= 0.9, a classifier over the question's embedding trained on 1,515 "
    "messages written for it) is refused unless its best excerpt scores 0.45 or more. Off-topic "
    "refused 0.923 -> 1.000 on clinic A dev and test, 0.929 -> 1.000 on A fresh and A fresh 2 (the "
    "questions let through were all weather forecasts, near clinic A's article on weather and "
    "migraine); clinic B and C were at 1.000 already; no other figure moved (answerable refused "
    "the same on every set, MedQuAD unchanged). The 0.45 was chosen on clinic A dev and A fresh: "
    "the classifier alone would refuse short clinic questions ('what to bring', 'need an "
    "interpreter', 'CBT-I success rate'), which score 0.49 and more. The classifier alone, on a "
    "held-out set of 507 messages by another author (scored once): 1.0% of 305 health questions "
    "and 72% of 202 off-topic ones at >= 0.9 (53% of the 66 written to look like health "
    "questions: tyre pressure, a laptop virus). Clinic A fresh's one extra question stopped comes "
    "from the red-flag tuning on round 14 (a check on a long story of daily painkillers).",
    "Stored sentence vectors (speed only): an index now holds the vector of every "
    "sentence a question may need, so a warm answer embeds only the question. On the full MedQuAD "
    "index the whole answer with highlights went from p50 265.8 / p95 413.2 ms to 18.2 / 72.5 ms; "
    "every answer stayed the same (all clinic sets and retrievers, and MedQuAD's 1,052 dev "
    "questions with highlights: status, excerpts, scores and highlights compared one by one). The "
    "index on disk grew from 126 to 337 MB, and building the 26 sample articles takes about 1.5 x "
    "as long. The askclinic rows of the MedQuAD retrieval section (2026-11-26) predate the excerpt-order changes; "
    "for askclinic's current figures on those questions see the table above.",
    "Before that, changes to the excerpts' order only (tuned on clinic A dev, on clinic A fresh once "
    "it had been scored twice, and on the MedQuAD dev questions; clinic A test, B, C and A fresh 2 "
    "were scored only when each was done). (1) The search's own article order counts as a bonus "
    "of 0.05 / its place: MedQuAD medquad success@1 0.861 -> 0.903, liveqa nDCG@10 0.667 -> 0.681 "
    "(0.1 to 0.3 raised medquad to 0.919-0.938 but lowered clinic A dev passage @1); on the clinic "
    "sets passage @1 +0.008 to +0.013, clinic A test unchanged, and one question lost on clinic C "
    "article @1 and on clinic A fresh passage @3. (2) A passage's closest sentence is measured "
    "against both the question alone and the question as searched (with a follow-up's previous "
    "question), as highlights were. (3) A post's opening passage gives way to another of about the "
    "same score (0.02). (2) and (3) together, passage @1 / @3 / highlighted: clinic A test 0.694 -> "
    "0.716 / 0.791 -> 0.813 / 0.722 -> 0.746; clinic B 0.766 -> 0.779 / 0.883 -> 0.890 / 0.890 -> "
    "0.897; clinic C 0.731 -> 0.744 / 0.795 -> 0.833 / 0.800 -> 0.840; MedQuAD unchanged. The red-"
    "flag detector changed in the same period; its stops are the 'answerable stopped' column.",
    "Earlier, the excerpts' order decided the first articles of the ranking and lost on MedQuAD "
    "(medquad success@1 0.936 -> 0.861, liveqa nDCG@10 0.697 -> 0.667), which the article-order "
    "bonus above partly brought back. Scoring 10 passages sentence by sentence costs a model run "
    "on sentences not seen before, which on the large MedQuAD index is most of them; on a "
    "clinic's own articles the sentences are remembered and a warm answer takes 10-40 ms.",
    "Before this change, askclinic's answers on the same sets (`python benchmarks/clinic.py "
    "--sets a_dev,a_test,b --modes dense,bm25,hybrid` on the previous commit): passage @1 "
    "0.485 / 0.448 / 0.513 (clinic A dev / test / B), passage @3 0.664 / 0.657 / 0.773, article "
    "@1 0.739 / 0.746 / 0.766, highlighted 0.574 / 0.516 / 0.734, unanswerable refused 0.40 / "
    "0.40 / 0.19; dense only then had passage @1 0.642 / 0.575 / 0.714. The hybrid ranking's "
    "extras (title and heading boosts, BM25 weight) were tuned on MedQuAD and put the wrong "
    "article or passage first for clinic questions.",
    "What askclinic does now (tuned on clinic A dev and the MedQuAD dev questions only): the "
    "hybrid search gathers candidates; each is scored 0-1 as the weighted mean of the passage's "
    "cosine (1), its closest sentence's cosine (0.5), the share of the question's words it holds, "
    "rarer words counting more (0.2), and its BM25 score relative to the best (0.2); 1-5 excerpts "
    "within 0.08 of the best, at most 2 per article, none overlapping (on clinic A dev 1.7 "
    "excerpts an answer, 92% of them from an answering article; with 0.12: 2.2 and 86%, passage "
    "@3 +0.007; the margin was narrowed after a first scoring run of the test half, on those dev "
    "figures: with 0.12 the test half had passage @3 0.828 and highlighted 0.754, clinic B the "
    "same as now). On clinic A dev, ranking "
    "passages by that score gave passage @1 0.85-0.87 over a broad range of weights (sentence "
    "0.5-1, words 0.1-0.3, BM25 0.1-0.3), against 0.55 for the old fused order and 0.79 for "
    "plain RRF's order; adding the RRF rank as a fifth measure to the score changed nothing worth "
    "keeping (as an ordering bonus it is change (1) above). "
    "Misspellings are fixed before the model reads the question, brand names get their generic "
    'names, and "not covered" also looks at words: a dose asked for and no amount in the best '
    "passages (see README, How it finds answers).",
    "Tried and dropped: refusing a question that names a rare word the articles never use (not "
    "a misspelling of theirs, not a brand of a medicine they name). It raised unanswerable "
    "refused to 0.65 / 0.50 / 0.44 (clinic A dev / test / B) but wrongly refused answerable "
    "questions: clinic B 0.084 (without it 0.026; passage @1 0.727 vs 0.753, article @1 0.857 vs "
    "0.903), clinic A test 0.022 (0.007), and 13 of 59 real consumer questions of MedQuAD whose "
    "answer was in the index (5 without it), mostly over ordinary or misspelt words (invasive, "
    "remedy, diagonses, lipnodes). A feature stays only if it wins on every set.",
    "Also tried and dropped, on clinic A dev and A fresh: refusing when the excerpts come from 4 "
    "or more articles (no article stands out): unanswerable refused 12 -> 28 of 41, but 8 of 282 "
    "answerable questions refused, 4 of them answered right, mostly broad ones ('should I eat "
    "before working out?'); looking up drug names (drug-named-entity-recognition) to refuse "
    "questions about a medicine the articles never name: 2-3 more of 20 dev unanswerable refused, "
    "brand names of covered classes needed the medicines table anyway, and the package adds 4 s to "
    "start-up; highlighting by the question's words as well as meaning (weights 0.05-0.3): no "
    "gain.",
    "Tried and dropped with the off-topic change (figures on the questions that reach the search): "
    "(1) a learned refusal, a logistic regression over the best and second-best excerpt scores, "
    "the question's length, word coverage and unknown words, trained on clinic A dev, A fresh and "
    "A fresh 2: at the wrongly-refused rate of today, unanswerable refused on clinic A test 0.20 -> "
    "0.25, clinic B and C unchanged; the best score alone separates them almost as well (AUC 0.96 "
    "on clinic A test, 0.86 on B), so the limit is what the model reads, not how the measures are "
    "combined. (2) A linear map of the question's vector learned from a clinic's own labelled "
    "questions (a 384 x 384 adapter): trained on clinic A's 476 tuned questions, dense-only passage "
    "@1 on clinic A test 0.701 -> 0.75-0.84 but clinic B 0.734 -> 0.64-0.72; trained on half of a "
    "clinic's own questions (about 70) and scored on the other half, it lost everywhere (B 0.734 "
    "-> 0.67-0.71, C 0.718 -> 0.64-0.67, A test 0.701 -> 0.58-0.64). (3) Refusing clinic-admin "
    "questions (hours, costs, insurance) under a score floor, with a classifier like the off-topic "
    "one: answerable admin questions scored 0.43-0.73 and unanswerable ones 0.40-0.62, no floor "
    "separates them. (4) A larger article-order bonus (PRIOR 0.1 / 0.2): MedQuAD liveqa nDCG@10 "
    "0.681 -> 0.694 / 0.695, still under 0.697, and it lowered clinic A dev passage @1 before.",
]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--sets",
        default="a_dev,a_test,b,a_fresh,c,a_fresh2,liveqa,medquad",
        help="comma-separated: a_dev, a_test, b, a_fresh, c, a_fresh2, liveqa, medquad",
    )
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument(
        "--medquad-index",
        default=os.environ.get("ASKCLINIC_MEDQUAD_INDEX"),
        help="a built MedQuAD index (default: $ASKCLINIC_MEDQUAD_INDEX)",
    )
    p.add_argument("--no-write", action="store_true", help="print only; leave the docs alone")
    p.add_argument("--misses", help="write each answerable miss of askclinic to this JSONL file")
    p.add_argument("--json", help="also write the figures to this JSON file")
    p.add_argument(
        "--answers",
        help="write every clinic question's answer (status, excerpts, highlights) to this JSONL file, "
        "to compare two versions question by question",
    )
    p.add_argument(
        "--merge",
        help="start from the figures of an earlier run (its --json file), replacing the sets run now",
    )
    args = p.parse_args()
    sets, modes = args.sets.split(","), args.modes.split(",")
    from askclinic.config import load_settings
    from askclinic.embedding import get_embedder
    from askclinic.retrieve import Retriever

    settings = load_settings()
    embedder = get_embedder(settings.with_overrides(model="all-MiniLM-L6-v2"))
    results: dict = {"sets": {}, "skipped": []}
    if args.merge:
        results = json.loads(Path(args.merge).read_text())
        results["skipped"] = []
    misses_out, answers_out = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for key in [s for s in sets if s in CLINIC_SETS]:
            name, articles, qfile = CLINIC_SETS[key]
            if not qfile.exists() or not articles.exists():
                results["skipped"].append(f"{name} ({qfile.relative_to(ROOT)} not found)")
                log(f"{name}: {qfile} not found, skipped")
                continue
            retriever = Retriever(clinic_index(articles, Path(tmp), embedder), embedder)
            results[f"{key[0]}_articles"] = len(retriever.index.articles)
            questions = read_set(qfile)
            for mode in modes:
                log(f"{name}: {mode} on {len(questions)} questions")
                results["sets"].setdefault(key, {})[mode], misses = run_clinic(
                    questions, retriever, settings, mode
                )
                answers_out += [answer_row(key, mode, q, a) for q, a, _ in misses]
                if mode == "hybrid":
                    misses_out += [
                        {
                            "set": key,
                            "id": q.get("id"),
                            "question": q["question"],
                            "status": a.status,
                            "row": r,
                            "excerpts": [
                                [e.article_id, e.score, e.text[:160], e.highlights] for e in a.excerpts
                            ],
                        }
                        for q, a, r in misses
                        if r["kind"] != "answerable" or not r["p1"]
                    ]
    wanted = [s for s in sets if s in MEDQUAD_SETS]
    if wanted and not args.medquad_index:
        results["skipped"].append(
            "MedQuAD (no index: pass --medquad-index DIR or set ASKCLINIC_MEDQUAD_INDEX)"
        )
        log("MedQuAD skipped: pass --medquad-index DIR or set ASKCLINIC_MEDQUAD_INDEX")
    elif wanted and medquad() is None:
        results["skipped"].append(f"MedQuAD (no questions: {NO_MEDQUAD})")
        log(f"MedQuAD skipped: {NO_MEDQUAD}")
    elif wanted:
        got, results["medquad_warm"] = run_medquad(Path(args.medquad_index), medquad(), modes, embedder)
        for mode, per in got.items():
            for s in wanted:
                results["sets"].setdefault(s, {})[mode] = medquad_row(per[s])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if args.answers:
        Path(args.answers).write_text("".join(json.dumps(a) + "\n" for a in answers_out))
    if args.misses:
        Path(args.misses).write_text("".join(json.dumps(m) + "\n" for m in misses_out))
    command = "python benchmarks/clinic.py" + (" --medquad-index DIR" if args.medquad_index else "")
    if args.merge:
        command = command.replace("clinic.py", f"clinic.py --sets {args.sets} --merge FILE")
    table = report(results, command)
    print(table)
    if not args.no_write:
        publish(table, START, END, ROOT / "docs" / "benchmarks.md")


if __name__ == "__main__":
    main()
