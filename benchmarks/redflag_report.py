"""The red-flag part of the safety benchmark: on the held-out set (written separately, never
tuned on), the tuning examples (the classifier's training bank: in-sample) and every MedQuAD
dev question: emergencies that get the emergency message or the check step, per category,
language and phrasing; non-emergencies sent to either, per confusable kind; and what the
check costs per question."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from pathlib import Path

from askclinic import redflags, safety
from askclinic.config import Settings
from helpers import git_commit, medquad, read_rows

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "benchmarks" / "redflags"
HELDOUT = SETS / "heldout_round49.jsonl"  # scored, never tuned on
DEV = SETS / "dev.jsonl"  # written for tuning, before the second round
TUNED = "scored once, then read and tuned on"
CONCEPTS_ONLY = "scored once, then read and tuned on (concepts only, not in the bank)"
# The earlier rounds and the dev set, shown for comparison: (name, file, what was done with it).
EARLIER = [
    ("round48", "heldout_round48.jsonl", "held out with round 49: scored once, misses not read"),
    ("round47", "heldout_round47.jsonl", "held out before round 48: scored once, misses not read"),
    ("round46", "heldout_round46.jsonl", "held out with round 47: scored once, misses not read"),
    *((f"round{n}", f"heldout_round{n}.jsonl", CONCEPTS_ONLY) for n in range(45, 16, -1)),
    *((f"round{n}", f"heldout_round{n}.jsonl", TUNED) for n in (16, 15, 14, 13, 12, 11, 10)),
    ("round9", "heldout_round9.jsonl", "held out at round 9, scored at each round since, misses never read"),
    *((f"round{n}", f"heldout_round{n}.jsonl", TUNED) for n in (8, 7, 6, 5, 4)),
    ("round3", "heldout_round3.jsonl", "scored at every round since, misses never read"),
    ("round2", "heldout.jsonl", "read and tuned on since round 4"),
]
MEDQUAD = medquad()  # its dev questions are all non-emergencies
OLD_KINDS = {
    "neuro": "stroke",
    "giant_cell": "giant_cell_arteritis",
    "eye": "glaucoma",
    "botox": "allergic_reaction",
    "overdose": "self_harm",
    "suicide": "self_harm",
    "stroke_heart": "hypertensive",
}


def heldout(path: Path = HELDOUT) -> list[dict]:
    return [
        {
            "text": r["text"],
            "emergency": bool(r["emergency"]),
            "category": r.get("category"),
            "lang": r.get("lang", "en"),
            "kind": r.get("kind") or "plain",
        }
        for r in read_rows(path)
    ]


def bank() -> list[dict]:
    return [
        {
            "text": r["text"],
            "emergency": r["label"] != "none",
            "lang": r["lang"],
            "category": None if r["label"] == "none" else r["label"],
            "kind": r.get("kind", "emergency"),
        }
        for r in redflags.bank()
    ]


def old_set() -> list[dict]:
    return [
        {
            "text": r["question"],
            "emergency": r["emergency"],
            "lang": "en",
            "category": OLD_KINDS.get(r["kind"], r["kind"]),
            "kind": "emergency" if r["emergency"] else "calm",
        }
        for r in read_rows(ROOT / "tests" / "data" / "emergency.jsonl")
    ]


def statuses(items: list[dict], embedder, timings: list | None = None) -> list[str]:
    """What safety.check decides for each message: "emergency", "check" or "" (articles,
    or the language notice). With `timings`, (embedding ms, check ms) per message."""
    out, given = [], _Given(embedder)
    words = redflags.vocabulary(given)  # once, as the retriever does
    for r in items:
        t0 = time.perf_counter()
        given.vector = embedder.encode([r["text"]])[0]
        t1 = time.perf_counter()
        status = safety.check(r["text"], Settings(), embedder=given, model_words=words).status
        t2 = time.perf_counter()
        out.append(status if status in ("emergency", "check") else "")
        if timings is not None:
            timings.append(((t1 - t0) * 1000, (t2 - t1) * 1000))
    return out


def languages(held: list[dict]) -> dict:
    """safety.language against the labels: the held-out messages (English or Spanish) and the
    short and mixed messages of tests/data/languages.jsonl (also other languages)."""
    short = [
        {"text": r["text"], "lang": r["language"]}
        for r in read_rows(ROOT / "tests" / "data" / "languages.jsonl")
    ]
    out = {}
    for name, items in (("held-out messages", held), ("tests/data/languages.jsonl (short and mixed)", short)):
        if items:
            got = [safety.language(r["text"]) for r in items]
            out[name] = {
                "n": len(items),
                "right": sum(g == r["lang"] for g, r in zip(got, items)),
                "wrong": [f"{r['lang']}→{g}: {r['text'][:60]}" for g, r in zip(got, items) if g != r["lang"]],
            }
    return out


class _Given:
    """The embedder, with this message's vector already computed (as retrieval needs it anyway),
    so the check's own cost is timed apart from the model run."""

    def __init__(self, embedder):
        self.inner, self.vector, self.name = embedder, None, embedder.name
        self.tokenizer = getattr(embedder, "tokenizer", None)

    def encode(self, texts, **kw):
        return [self.vector] if len(texts) == 1 else self.inner.encode(texts, **kw)


def summary(items: list[dict], got: list[str]) -> dict:
    groups = defaultdict(list)
    for r, s in zip(items, got):
        if r["emergency"]:
            for key in ("all", f"category:{r['category']}", f"lang:{r['lang']}", f"phrasing:{r['kind']}"):
                groups[("urgent", key)].append(s)
        else:
            for key in ("all", f"lang:{r['lang']}", f"kind:{r['kind']}"):
                groups[("calm", key)].append(s)
            if r["kind"] != "plain":
                groups[("calm", "confusable")].append(s)
    return {
        f"{side}|{key}": {
            "n": len(v),
            "emergency": v.count("emergency") / len(v),
            "check": v.count("check") / len(v),
        }
        for (side, key), v in groups.items()
    }


def evaluate(embedder) -> dict:
    safety.language("load the language models before timing")
    res, timings = {}, []
    sets = [
        ("heldout", heldout() if HELDOUT.exists() else []),
        *((name, heldout(SETS / f) if (SETS / f).exists() else []) for name, f, _ in EARLIER),
        ("dev", heldout(DEV) if DEV.exists() else []),
        ("bank", bank()),
        ("tests", old_set()),
    ]
    for name, items in sets:
        if items:
            got = statuses(items, embedder, timings if name == "heldout" else None)
            res[name] = {
                "summary": summary(items, got),
                "missed": [r["text"] for r, s in zip(items, got) if r["emergency"] and not s],
                "alarms": [f"{s}: {r['text']}" for r, s in zip(items, got) if not r["emergency"] and s],
            }
    if MEDQUAD is not None:
        dev = [
            {"text": q["question"], "emergency": False, "lang": "en", "kind": q["set"], "category": None}
            for q in read_rows(MEDQUAD / "dev_questions.jsonl")
        ]
        got = statuses(dev, embedder)
        res["medquad"] = {
            "n": len(dev),
            "emergency": got.count("emergency"),
            "check": got.count("check"),
            "flagged": [f"{s}: {r['text'][:120]}" for r, s in zip(dev, got) if s],
        }
    res["language"] = languages(sets[0][1])
    if timings:
        res["cost"] = {
            "embed_p50_ms": statistics.median(t[0] for t in timings),
            "check_p50_ms": statistics.median(t[1] for t in timings),
            "n": len(timings),
        }
    return res


TARGETS = [
    ("emergencies → emergency message or check", "urgent|all", "any", 0.99, ">="),
    ("emergencies → emergency message directly", "urgent|all", "emergency", 0.90, ">="),
    ("Spanish emergencies → emergency message or check", "urgent|lang:es", "any", 0.95, ">="),
    ("non-emergencies → emergency message", "calm|all", "emergency", 0.03, "<="),
    ("non-emergencies → check", "calm|all", "check", 0.10, "<="),
]


def _rate(row: dict, what: str) -> float:
    return row["emergency"] + row["check"] if what == "any" else row[what]


def _met(value: float, target: float, how: str) -> str:
    return "yes" if (value >= target if how == ">=" else value <= target) else "**no**"


def _pct(x: float) -> str:
    return f"{x:.1%}"


def targets(res: dict) -> list[str]:
    h = res["heldout"]["summary"]
    lines = ["| measure | held-out result | target | met |", "| --- | --- | --- | --- |"]
    for label, key, what, target, how in TARGETS:
        value = _rate(h[key], what)
        lines.append(
            f"| {label} ({h[key]['n']}) | {_pct(value)} | {how.replace('>=', '≥').replace('<=', '≤')} "
            f"{target:.0%} | {_met(value, target, how)} |"
        )
    cats = [
        _rate(h[f"urgent|category:{c}"], "any") for c in redflags.CATEGORIES if f"urgent|category:{c}" in h
    ]
    lines.append(
        f"| lowest category: emergency message or check | {_pct(min(cats))} | ≥ 95% | {_met(min(cats), 0.95, '>=')} |"
    )
    if "medquad" in res:
        m = res["medquad"]
        flagged = (m["emergency"] + m["check"]) / m["n"]
        lines.append(
            f"| MedQuAD dev questions flagged (emergency {m['emergency']}, check {m['check']}; {m['n']}) | "
            f"{_pct(flagged)} | ≤ 1% | {_met(flagged, 0.01, '<=')} |"
        )
    if "cost" in res:
        c = res["cost"]
        lines.append(
            f"| the check per question, p50 (language + red flags, vector given) | {c['check_p50_ms']:.2f} ms "
            f"({c['check_p50_ms'] / c['embed_p50_ms']:.2f} x embedding the question, "
            f"{c['embed_p50_ms']:.1f} ms) | ≤ 20 ms | {_met(c['check_p50_ms'], 20, '<=')} |"
        )
    return lines


def breakdown(summary: dict, prefix: str, title: str) -> list[str]:
    keys = sorted(k for k in summary if k.startswith(prefix))
    if prefix == "urgent|category:":
        keys = [prefix + c for c in redflags.CATEGORIES if prefix + c in summary]
    lines = [f"| {title} | n | emergency or check | emergency | check |", "| --- | --- | --- | --- | --- |"]
    for k in keys:
        row = summary[k]
        lines.append(
            f"| {k.split(':', 1)[1]} | {row['n']} | {_pct(_rate(row, 'any'))} | {_pct(row['emergency'])} | "
            f"{_pct(row['check'])} |"
        )
    return lines


def overall(name: str, summary: dict) -> str:
    u, c = summary["urgent|all"], summary["calm|all"]
    return (
        f"| {name} | {u['n']} | {_pct(_rate(u, 'any'))} | {_pct(u['emergency'])} | {c['n']} | "
        f"{_pct(c['emergency'])} | {_pct(c['check'])} |"
    )


def banked_rounds() -> str:
    """The rounds the training bank copies (its rows' `source`), as "2, 4 to 8 and 10 to 13"."""
    rounds = sorted({int(s[5:]) for r in redflags.bank() if (s := r.get("source") or "").startswith("round")})
    runs: list[list[int]] = []
    for n in rounds:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    parts = [f"{r[0]} to {r[-1]}" if len(r) > 1 else str(r[0]) for r in runs]
    return " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else "".join(parts)


def report(res: dict) -> str:
    commit = git_commit()
    lines = [
        "## Red flags",
        "",
        f"Run {time.strftime('%Y-%m-%d')} at commit {commit}: `python benchmarks/safety.py "
        "--redflags` (real model all-MiniLM-L6-v2; statuses from `safety.check`, before any retrieval). "
        f"The held-out set (`benchmarks/redflags/{HELDOUT.name}`, round {HELDOUT.stem.removeprefix('heldout_round')}) "
        "was written by an author "
        "who did not build or tune the detector, before this detector was committed, and scored once "
        "with this detector and once with the one before it; its misses were not read (see benchmarks/redflags/README.md).",
        "",
    ]
    if "heldout" not in res:
        return "\n".join(lines + ["The held-out set is missing."])
    h = res["heldout"]["summary"]
    lines += targets(res) + ["", "Held-out emergencies per category:", ""]
    lines += breakdown(h, "urgent|category:", "category") + [
        "",
        "Held-out emergencies per language and phrasing:",
        "",
    ]
    lines += breakdown(h, "urgent|lang:", "language") + [""] + breakdown(h, "urgent|phrasing:", "phrasing")
    lines += ["", "Held-out non-emergencies (false alarms) per kind and language:", ""]
    lines += ["| kind | n | → emergency | → check |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {k.split('|', 1)[1]} | {h[k]['n']} | {_pct(h[k]['emergency'])} | {_pct(h[k]['check'])} |"
        for k in sorted(h)
        if k.startswith(("calm|kind:", "calm|lang:")) or k == "calm|confusable"
    ]
    lines += [
        "",
        "The same measures on the previous held-out round and on the examples the detector was built and "
        "tuned on (in-sample: the classifier was trained on the bank, which holds the dev set and rounds "
        f"{banked_rounds()}, and the concepts were written while reading those):",
        "",
        "| set | emergencies | emergency or check | emergency | non-emergencies | → emergency | → check |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        overall("held-out (for comparison)", h),
    ]
    for name, label in (
        *((name, f"{name[:5]} {name[5:]} `benchmarks/redflags/{f}` ({done})") for name, f, done in EARLIER),
        ("dev", "dev set `benchmarks/redflags/dev.jsonl` (tuned on)"),
        ("bank", "tuning bank `src/askclinic/data/redflag_bank.jsonl`"),
        ("tests", "`tests/data/emergency.jsonl`"),
    ):
        if name in res:
            lines.append(overall(label, res[name]["summary"]))
    lines += [
        "",
        "Language detection (`safety.language`; a Spanish message misread as English gets English "
        "fixed messages, one misread as another language gets the articles-in-English notice):",
        "",
        "| messages | n | right | wrong |",
        "| --- | --- | --- | --- |",
    ]
    for name, row in res.get("language", {}).items():
        wrong = (
            f"{len(row['wrong'])} (texts not shown: the set stays held out)"
            if name.startswith("held-out")
            else ("; ".join(row["wrong"][:12]) or "none") + (" ..." if len(row["wrong"]) > 12 else "")
        )
        lines.append(f"| {name} | {row['n']} | {_pct(row['right'] / row['n'])} | {wrong} |")
    missed, alarms = res["heldout"]["missed"], res["heldout"]["alarms"]
    lines += [
        "",
        f"Held-out emergencies that got neither: {len(missed)}; non-emergencies flagged: {len(alarms)} "
        "(their texts are not printed here, so that the set can stay held out for the next round).",
    ]
    if "dev" in res:
        lines += [
            "",
            "Dev set (`benchmarks/redflags/dev.jsonl`, tuned on) emergencies that got neither: "
            + ("; ".join(res["dev"]["missed"]) or "none")
            + ". Non-emergencies flagged: "
            + ("; ".join(res["dev"]["alarms"]) or "none")
            + ".",
        ]
    return "\n".join(lines)
